// Starts build/bin/mock-llm (path in MOCK_LLM_BIN) on a free loopback port
// and stops it after the tests. Delays are short so the suite stays fast.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export async function startMockLlm(extraArgs = []) {
  const binary = process.env.MOCK_LLM_BIN;
  if (!binary) throw new Error('MOCK_LLM_BIN must name the mock-llm binary');
  const child = spawn(binary, [
    '--port', '0', '--threads', '1', '--ttft-ms', '20', '--itl-ms', '2',
    '--output-tokens', '12', '--seed', '7', ...extraArgs,
  ], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('mock-llm did not start')), 10000);
    child.once('exit', (code) => reject(new Error(`mock-llm exited with ${code}`)));
    lines.once('line', (line) => {
      clearTimeout(timer);
      const match = /^listening on 127\.0\.0\.1:(\d+)$/.exec(line);
      if (match) resolve(Number(match[1]));
      else reject(new Error(`unexpected first line: ${line}`));
    });
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    port,
    baseUrl,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

// The server's plan for a response, from its x-mock-llm-plan header.
export function parsePlan(header) {
  return Object.fromEntries(header.split(';').map((pair) => {
    const [key, value] = pair.split('=');
    return [key, Number.isNaN(Number(value)) ? value : Number(value)];
  }));
}
