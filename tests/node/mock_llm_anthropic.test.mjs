// The official Anthropic SDK against mock-llm.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';

import { startMockLlm } from './mock_llm_server.mjs';

describe('@anthropic-ai/sdk', () => {
  let server;
  let client;
  before(async () => {
    server = await startMockLlm();
    client = new Anthropic({ apiKey: 'test-key', baseURL: server.baseUrl, maxRetries: 0 });
  });
  after(async () => server.stop());

  const request = {
    model: 'claude-mock-1', max_tokens: 1024,
    system: 'You are terse.',
    messages: [{ role: 'user', content: 'Explain the knee of a ramp test' }],
  };
  // "You are terse." (3) + the user turn (7).
  const promptTokens = 10;

  test('messages.create, non-streaming', async () => {
    const message = await client.messages.create(request);
    assert.equal(message.type, 'message');
    assert.equal(message.stop_reason, 'end_turn');
    assert.equal(message.content[0].type, 'text');
    assert.equal(message.content[0].text.split(' ').length, 12);
    assert.deepEqual(message.usage, { input_tokens: promptTokens, output_tokens: 12 });
  });

  test('messages.create with stream: true, every event type', async () => {
    const stream = await client.messages.create({ ...request, stream: true });
    const types = [];
    let text = '';
    let usage = null;
    let stop = null;
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'content_block_delta') text += event.delta.text;
      if (event.type === 'message_delta') { usage = event.usage; stop = event.delta.stop_reason; }
    }
    assert.deepEqual([...new Set(types)], [
      'message_start', 'content_block_start', 'content_block_delta',
      'content_block_stop', 'message_delta', 'message_stop']);
    assert.equal(text.split(' ').length, 12);
    assert.equal(stop, 'end_turn');
    assert.equal(usage.output_tokens, 12);
  });

  test('messages.stream accumulates the same message', async () => {
    const whole = await client.messages.create(request);
    const message = await client.messages.stream(request).finalMessage();
    assert.equal(message.content[0].text, whole.content[0].text);
    assert.equal(message.usage.output_tokens, 12);
    assert.equal(message.usage.input_tokens, promptTokens);
    assert.equal(message.stop_reason, 'end_turn');
  });

  test('max_tokens cuts with stop_reason max_tokens', async () => {
    const message = await client.messages.create({ ...request, max_tokens: 2 });
    assert.equal(message.stop_reason, 'max_tokens');
    assert.equal(message.usage.output_tokens, 2);
  });

  test('missing max_tokens is a 400 invalid_request_error', async () => {
    const response = await fetch(`${server.baseUrl}/v1/messages`, {
      method: 'POST', body: JSON.stringify({ model: 'c', messages: request.messages }),
    });
    assert.equal(response.status, 400);
    assert.equal((await response.json()).error.type, 'invalid_request_error');
  });

  test('a 429 is a RateLimitError with retry-after', async () => {
    const error = await client.messages.create(request, { headers: { 'x-mock-llm-fault': '429' } })
      .then(() => assert.fail('expected a 429'), (e) => e);
    assert.ok(error instanceof Anthropic.RateLimitError);
    assert.equal(error.headers.get('retry-after'), '1');
    assert.equal(error.error.error.type, 'rate_limit_error');
  });

  test('an error event in the middle of a stream', async () => {
    const stream = await client.messages.create(
      { ...request, stream: true }, { headers: { 'x-mock-llm-fault': 'stream-error' } });
    await assert.rejects(async () => { for await (const event of stream) void event; },
      /injected stream error/);
  });
});
