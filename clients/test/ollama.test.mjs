// The official Ollama JS client (ollama-js), unmodified, pointed at chatd's Ollama-compatible
// API. chatd and its fake upstreams are started by the Java test OfficialClientsIT.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ollama } from 'ollama';

const ollama = new Ollama({
  host: process.env.CHATD_URL,
  headers: { Authorization: `Bearer ${process.env.CHATD_TOKEN}` },
});
const hello = [{ role: 'user', content: 'Say hello' }];

for (const model of ['llama3.2', 'openrouter/openai/gpt-4o', 'kimi/kimi-for-coding']) {
  test(`chat (one reply) through ${model}`, async () => {
    const reply = await ollama.chat({ model, messages: hello, stream: false });
    assert.equal(reply.model, model);
    assert.equal(reply.message.role, 'assistant');
    assert.equal(reply.message.content, 'Hello from the fake upstream!');
    assert.equal(reply.done, true);
    assert.equal(reply.done_reason, 'stop');
    assert.ok(reply.prompt_eval_count > 0 && reply.eval_count > 0);
  });

  test(`chat (streamed) through ${model}`, async () => {
    const parts = await ollama.chat({ model, messages: hello, stream: true });
    let text = '';
    let last = null;
    let count = 0;
    for await (const part of parts) {
      count++;
      text += part.message.content;
      last = part;
    }
    assert.ok(count >= 3, `expected several parts, got ${count}`);
    assert.equal(text, 'Hello from the fake upstream!');
    assert.equal(last.done, true);
    assert.equal(last.done_reason, 'stop');
    assert.ok(last.eval_count > 0);
  });
}

test('a tool call comes back with object arguments', async () => {
  const reply = await ollama.chat({
    model: 'openrouter/openai/gpt-4o',
    messages: [{ role: 'user', content: 'Weather in Tokyo?' }],
    tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
    stream: false,
  });
  assert.equal(reply.message.tool_calls[0].function.name, 'get_weather');
  assert.deepEqual(reply.message.tool_calls[0].function.arguments, { city: 'Tokyo' });
});

test('an upstream error surfaces as a ResponseError with its status', async () => {
  await assert.rejects(
    ollama.chat({ model: 'kimi/rate-limited', messages: hello, stream: false }),
    (err) => err.name === 'ResponseError' && err.status_code === 429);
});

test('list() shows every provider\'s models with their prefixes', async () => {
  const { models } = await ollama.list();
  const names = models.map((m) => m.name);
  assert.ok(names.includes('ollama/llama3.2:latest'), names.join(','));
  assert.ok(names.includes('openrouter/openai/gpt-4o'), names.join(','));
});

test('version() answers', async () => {
  const { version } = await ollama.version();
  assert.match(version, /^\d+\.\d+\.\d+$/);
});

for (const model of ['llama3.2', 'openrouter/openai/gpt-4o']) {
  test(`generate (one reply) through ${model}`, async () => {
    const reply = await ollama.generate({ model, prompt: 'Say hello', system: 'Be brief' });
    assert.equal(reply.model, model);
    assert.equal(reply.response, 'Hello from the fake upstream!');
    assert.equal(reply.done, true);
    assert.equal(reply.done_reason, 'stop');
    assert.ok(reply.prompt_eval_count > 0 && reply.eval_count > 0);
  });

  test(`generate (streamed) through ${model}`, async () => {
    const parts = await ollama.generate({ model, prompt: 'Say hello', stream: true });
    let text = '';
    let last = null;
    let count = 0;
    for await (const part of parts) {
      count++;
      text += part.response;
      last = part;
    }
    assert.ok(count >= 3, `expected several parts, got ${count}`);
    assert.equal(text, 'Hello from the fake upstream!');
    assert.equal(last.done, true);
    assert.equal(last.eval_count > 0, true);
  });
}

test('generate without a prompt loads the model at once', async () => {
  const reply = await ollama.generate({ model: 'llama3.2', prompt: '' });
  assert.equal(reply.done, true);
  assert.equal(reply.done_reason, 'load');
});

test('generate refuses a raw prompt with a ResponseError 400', async () => {
  await assert.rejects(
    ollama.generate({ model: 'llama3.2', prompt: '[INST] hi [/INST]', raw: true }),
    (err) => err.name === 'ResponseError' && err.status_code === 400 && /raw/.test(err.error));
});

test('show() reports the upstream\'s capabilities and context length', async () => {
  const info = await ollama.show({ model: 'llama3.2' });
  assert.deepEqual(info.capabilities, ['completion', 'tools']);
  assert.equal(info.details.family, 'llama');
  assert.equal(info.model_info['general.architecture'], 'llama');
  assert.equal(info.model_info['llama.context_length'], 131072);
});

test('show() of a model the upstream does not know is a ResponseError 404', async () => {
  await assert.rejects(
    ollama.show({ model: 'no-such-model' }),
    (err) => err.name === 'ResponseError' && err.status_code === 404 && err.error === "model 'no-such-model' not found");
});

test('ps() lists a model chatd served a moment ago', async () => {
  await ollama.chat({ model: 'llama3.2', messages: hello, stream: false });
  const { models } = await ollama.ps();
  const served = models.find((m) => m.name === 'llama3.2');
  assert.ok(served, JSON.stringify(models));
  assert.ok(new Date(served.expires_at) > new Date());
  assert.equal(served.size_vram, 0);
});

test('embed() is a ResponseError 404 that names what chatd serves', async () => {
  await assert.rejects(
    ollama.embed({ model: 'llama3.2', input: 'hello' }),
    (err) => err.name === 'ResponseError' && err.status_code === 404 && err.error.includes('POST /api/generate'));
});
