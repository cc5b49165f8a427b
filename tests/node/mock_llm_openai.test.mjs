// The official OpenAI SDK against mock-llm.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';

import { parsePlan, startMockLlm } from './mock_llm_server.mjs';

describe('openai SDK', () => {
  let server;
  let client;
  before(async () => {
    server = await startMockLlm();
    client = new OpenAI({ apiKey: 'test-key', baseURL: `${server.baseUrl}/v1`, maxRetries: 0 });
  });
  after(async () => server.stop());

  const messages = [{ role: 'user', content: 'Say something about load tests' }];

  test('chat completion, non-streaming', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'gpt-4o-mini', messages })
      .withResponse();
    assert.equal(data.object, 'chat.completion');
    const text = data.choices[0].message.content;
    assert.equal(data.choices[0].finish_reason, 'stop');
    assert.equal(text.split(' ').length, 12);
    assert.equal(data.usage.completion_tokens, 12);
    assert.equal(data.usage.prompt_tokens, 5);
    assert.equal(data.usage.total_tokens, 17);
    assert.equal(parsePlan(response.headers.get('x-mock-llm-plan')).tokens, 12);
  });

  test('chat completion is deterministic for a seed and prompt', async () => {
    const first = await client.chat.completions.create({ model: 'gpt-4o', messages });
    const second = await client.chat.completions.create({ model: 'gpt-4o', messages });
    const other = await client.chat.completions.create(
      { model: 'gpt-4o', messages }, { headers: { 'x-mock-llm-seed': '8' } });
    assert.equal(first.choices[0].message.content, second.choices[0].message.content);
    assert.notEqual(first.choices[0].message.content, other.choices[0].message.content);
  });

  test('chat completion streaming with include_usage', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini', messages, stream: true, stream_options: { include_usage: true },
    });
    let text = '';
    let finish = null;
    let usage = null;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks += 1;
      if (chunk.usage) usage = chunk.usage;
      for (const choice of chunk.choices) {
        text += choice.delta.content ?? '';
        finish = choice.finish_reason ?? finish;
      }
    }
    assert.equal(finish, 'stop');
    assert.equal(text.split(' ').length, 12);
    assert.deepEqual(usage, { prompt_tokens: 5, completion_tokens: 12, total_tokens: 17 });
    assert.equal(chunks, 1 + 12 + 1 + 1);  // role, tokens, finish, usage
  });

  test('streamed text equals the non-streamed text', async () => {
    const whole = await client.chat.completions.create({ model: 'm', messages });
    const stream = await client.chat.completions.create({ model: 'm', messages, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    assert.equal(text, whole.choices[0].message.content);
  });

  test('max_tokens cuts the response with finish_reason length', async () => {
    const data = await client.chat.completions.create({ model: 'm', messages, max_tokens: 3 });
    assert.equal(data.choices[0].finish_reason, 'length');
    assert.equal(data.usage.completion_tokens, 3);
  });

  test('echo mode through the stream helper', async () => {
    const stream = client.chat.completions.stream(
      { model: 'm', messages: [{ role: 'user', content: 'echo these five words please' }] },
      { headers: { 'x-mock-llm-content': 'echo' } });
    const completion = await stream.finalChatCompletion();
    assert.equal(completion.choices[0].message.content, 'echo these five words please');
    assert.equal(completion.choices[0].finish_reason, 'stop');
  });

  test('legacy completions, streaming and not', async () => {
    const whole = await client.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'Once upon' });
    assert.equal(whole.choices[0].finish_reason, 'stop');
    assert.equal(whole.usage.completion_tokens, 12);
    const stream = await client.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'Once upon', stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.text ?? '';
    assert.equal(text, whole.choices[0].text);
  });

  test('embeddings (base64 by default in the SDK) and float', async () => {
    const viaSdk = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['a b', 'c'] });
    assert.equal(viaSdk.data.length, 2);
    assert.equal(viaSdk.data[0].embedding.length, 256);
    const norm = Math.hypot(...viaSdk.data[0].embedding);
    assert.ok(Math.abs(norm - 1) < 1e-3, `norm ${norm}`);
    const floats = await client.embeddings.create({
      model: 'text-embedding-3-small', input: 'a b', encoding_format: 'float', dimensions: 8,
    });
    assert.equal(floats.data[0].embedding.length, 8);
    assert.equal(viaSdk.usage.prompt_tokens, 3);
  });

  test('models list', async () => {
    const ids = [];
    for await (const model of client.models.list()) ids.push(model.id);
    assert.ok(ids.includes('gpt-4o-mini'));
  });

  test('injected faults surface as SDK errors', async () => {
    for (const [fault, status] of [['429', 429], ['500', 500], ['503', 503]]) {
      await assert.rejects(
        client.chat.completions.create({ model: 'm', messages }, { headers: { 'x-mock-llm-fault': fault } }),
        (error) => error.status === status);
    }
  });

  test('an error event in the middle of a stream', async () => {
    const stream = await client.chat.completions.create(
      { model: 'm', messages, stream: true }, { headers: { 'x-mock-llm-fault': 'stream-error' } });
    let text = '';
    await assert.rejects(async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
    }, /injected stream error/);
    assert.ok(text.length > 0);
  });

  test('a disconnect in the middle of a stream', async () => {
    const stream = await client.chat.completions.create(
      { model: 'm', messages, stream: true }, { headers: { 'x-mock-llm-fault': 'disconnect' } });
    await assert.rejects(async () => { for await (const chunk of stream) void chunk; });
  });

  test('role-only first chunk with content null', async () => {
    const nullServer = await startMockLlm(['--openai-role-content', 'null']);
    try {
      const nullClient = new OpenAI({ apiKey: 'k', baseURL: `${nullServer.baseUrl}/v1` });
      const stream = await nullClient.chat.completions.create({ model: 'm', messages, stream: true });
      const chunks = [];
      for await (const chunk of stream) chunks.push(chunk);
      assert.equal(chunks[0].choices[0].delta.role, 'assistant');
      assert.equal(chunks[0].choices[0].delta.content, null);
      const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
      assert.equal(text.split(' ').length, 12);
    } finally {
      await nullServer.stop();
    }
  });

  test('a depleted quota is reported the way the SDK retries on', async () => {
    const quotaServer = await startMockLlm(['--rpm', '2']);
    try {
      const quotaClient = new OpenAI({ apiKey: 'quota-key', baseURL: `${quotaServer.baseUrl}/v1`, maxRetries: 0 });
      const first = await quotaClient.chat.completions.create({ model: 'm', messages }).withResponse();
      assert.equal(first.response.headers.get('x-ratelimit-limit-requests'), '2');
      assert.equal(first.response.headers.get('x-ratelimit-remaining-requests'), '1');
      await quotaClient.chat.completions.create({ model: 'm', messages });
      const error = await quotaClient.chat.completions.create({ model: 'm', messages }).then(
        () => assert.fail('the third request must be refused'), (e) => e);
      assert.equal(error.status, 429);
      assert.equal(error.headers.get('x-ratelimit-remaining-requests'), '0');
      const retryMs = Number(error.headers.get('retry-after-ms'));
      assert.ok(retryMs > 25000 && retryMs <= 30000, `retry-after-ms ${retryMs}`);
      assert.equal(error.headers.get('retry-after'), String(Math.ceil(retryMs / 1000)));
      // Another key has its own quota.
      const otherClient = new OpenAI({ apiKey: 'other-key', baseURL: `${quotaServer.baseUrl}/v1`, maxRetries: 0 });
      await otherClient.chat.completions.create({ model: 'm', messages });
    } finally {
      await quotaServer.stop();
    }
  });
});
