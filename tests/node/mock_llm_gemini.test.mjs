// The official Google Gen AI SDK against mock-llm, in Gemini API mode and in
// both Vertex AI path forms. No request leaves the machine: the base URL is
// the mock's, and Vertex auth comes from a stub client instead of Google
// credentials.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { GoogleGenAI } from '@google/genai';

import { startMockLlm } from './mock_llm_server.mjs';

// Stands in for google-auth-library's client, so the SDK never looks for
// Application Default Credentials or a metadata server.
const stubAuthClient = {
  async getRequestHeaders() {
    return new Headers({ Authorization: 'Bearer test-token' });
  },
};

const prompt = 'Tell me about load testing';  // 5 tokens

async function collect(stream) {
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

function checkWhole(response) {
  assert.equal(response.text.split(' ').length, 12);
  assert.equal(response.candidates[0].finishReason, 'STOP');
  assert.equal(response.usageMetadata.promptTokenCount, 5);
  assert.equal(response.usageMetadata.candidatesTokenCount, 12);
  assert.equal(response.usageMetadata.totalTokenCount, 17);
}

function checkStream(chunks) {
  const text = chunks.map((c) => c.text ?? '').join('');
  assert.equal(text.split(' ').length, 12);
  const last = chunks.at(-1);
  assert.equal(last.candidates[0].finishReason, 'STOP');
  assert.equal(last.usageMetadata.candidatesTokenCount, 12);
  assert.equal(last.usageMetadata.totalTokenCount, 17);
  for (const chunk of chunks.slice(0, -1)) {
    assert.equal(chunk.candidates[0].finishReason, undefined);
    assert.equal(chunk.usageMetadata.candidatesTokenCount, undefined);
    assert.equal(chunk.usageMetadata.promptTokenCount, 5);
  }
  return text;
}

const retryOff = { attempts: 1 };

describe('@google/genai', () => {
  let server;
  before(async () => { server = await startMockLlm(); });
  after(async () => server.stop());

  const clients = () => ({
    gemini: new GoogleGenAI({
      apiKey: 'test-key', httpOptions: { baseUrl: server.baseUrl, retryOptions: retryOff },
    }),
    // Project and location: /v1beta1/projects/p/locations/l/publishers/google/models/...
    vertexProject: new GoogleGenAI({
      vertexai: true, project: 'test-project', location: 'us-central1',
      googleAuthOptions: { authClient: stubAuthClient },
      httpOptions: { baseUrl: server.baseUrl, retryOptions: retryOff },
    }),
    // Express mode (API key): the collection-scoped /v1beta1/publishers/google/models/...
    vertexExpress: new GoogleGenAI({
      vertexai: true, apiKey: 'test-key',
      httpOptions: { baseUrl: server.baseUrl, retryOptions: retryOff },
    }),
  });

  for (const mode of ['gemini', 'vertexProject', 'vertexExpress']) {
    test(`${mode}: generateContent`, async () => {
      const ai = clients()[mode];
      const response = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: prompt });
      checkWhole(response);
    });

    test(`${mode}: generateContentStream equals generateContent`, async () => {
      const ai = clients()[mode];
      const whole = await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: prompt });
      const chunks = await collect(
        await ai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: prompt }));
      assert.equal(chunks.length, 12);
      assert.equal(checkStream(chunks), whole.text);
    });
  }

  test('Vertex requests were routed as Vertex AI', async () => {
    const metrics = await (await fetch(`${server.baseUrl}/metrics`)).text();
    assert.match(metrics, /mock_llm_requests_total\{api="vertex",model="gemini-2.5-flash",status="200"\} [1-9]/);
    assert.match(metrics, /mock_llm_requests_total\{api="gemini",model="gemini-2.5-flash",status="200"\} [1-9]/);
  });

  test('SSE with CRLF framing parses', async () => {
    const ai = clients().gemini;
    const chunks = await collect(await ai.models.generateContentStream({
      model: 'gemini-2.0-flash', contents: prompt,
      config: { httpOptions: { headers: { 'x-mock-llm-sse-crlf': '1' } } },
    }));
    checkStream(chunks);
  });

  test('maxOutputTokens gives MAX_TOKENS', async () => {
    const ai = clients().gemini;
    const response = await ai.models.generateContent({
      model: 'gemini-2.0-flash', contents: prompt, config: { maxOutputTokens: 4 },
    });
    assert.equal(response.candidates[0].finishReason, 'MAX_TOKENS');
    assert.equal(response.usageMetadata.candidatesTokenCount, 4);
    assert.equal(response.text.split(' ').length, 4);
  });

  test('countTokens and models.list', async () => {
    const ai = clients().gemini;
    const counted = await ai.models.countTokens({ model: 'gemini-2.0-flash', contents: prompt });
    assert.equal(counted.totalTokens, 5);
    const names = [];
    for await (const model of await ai.models.list()) names.push(model.name);
    assert.ok(names.includes('models/gemini-2.0-flash'));
  });

  test('a 429 carries the Gemini error shape', async () => {
    const ai = clients().gemini;
    await assert.rejects(
      ai.models.generateContent({
        model: 'gemini-2.0-flash', contents: prompt,
        config: { httpOptions: { headers: { 'x-mock-llm-fault': '429' } } },
      }),
      (error) => error.status === 429 && /RESOURCE_EXHAUSTED/.test(error.message));
  });

  test('an error chunk in the middle of a stream', async () => {
    const ai = clients().vertexProject;
    const stream = await ai.models.generateContentStream({
      model: 'gemini-2.0-flash', contents: prompt,
      config: { httpOptions: { headers: { 'x-mock-llm-fault': 'stream-error' } } },
    });
    let received = 0;
    await assert.rejects(async () => { for await (const chunk of stream) received += chunk.text.length; },
      /injected stream error/);
    assert.ok(received > 0);
  });

  test('a bad request gets 400 INVALID_ARGUMENT', async () => {
    const response = await fetch(`${server.baseUrl}/v1beta/models/gemini-2.0-flash:generateContent`, {
      method: 'POST', body: '{"contents": 5}', headers: { 'content-type': 'application/json' },
    });
    assert.equal(response.status, 400);
    const body = await response.json();
    assert.equal(body.error.status, 'INVALID_ARGUMENT');
    assert.equal(body.error.code, 400);
  });
});
