// The official OpenAI Node SDK, unmodified, pointed at chatd. chatd and the fake upstreams
// behind it are started by the Java test OfficialClientsIT, which passes their address here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';

const baseURL = `${process.env.CHATD_URL}/v1`;
const client = new OpenAI({ baseURL, apiKey: process.env.CHATD_TOKEN, maxRetries: 0, timeout: 20_000 });
const hello = [{ role: 'user', content: 'Say hello' }];

for (const model of ['openrouter/openai/gpt-4o', 'ollama/llama3.2', 'opencode/glm-5', 'kimi/kimi-for-coding']) {
  test(`chat.completions.create through ${model}`, async () => {
    const completion = await client.chat.completions.create({ model, messages: hello });
    assert.equal(completion.object, 'chat.completion');
    assert.equal(completion.model, model);
    assert.match(completion.id, /^chatcmpl-/);
    assert.equal(completion.choices[0].message.role, 'assistant');
    assert.equal(completion.choices[0].message.content, 'Hello from the fake upstream!');
    assert.equal(completion.choices[0].finish_reason, 'stop');
    assert.ok(completion.usage.total_tokens > 0);
  });

  test(`streamed chat with include_usage through ${model}`, async () => {
    const stream = await client.chat.completions.create({
      model, messages: hello, stream: true, stream_options: { include_usage: true },
    });
    let text = '';
    let finish = null;
    let usage = null;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      assert.equal(chunk.object, 'chat.completion.chunk');
      assert.equal(chunk.model, model);
      if (chunk.choices.length > 0) {
        text += chunk.choices[0].delta.content ?? '';
        finish = chunk.choices[0].finish_reason ?? finish;
      }
      if (chunk.usage) usage = chunk.usage;
    }
    assert.ok(chunks >= 4, `expected several chunks, got ${chunks}`);
    assert.equal(text, 'Hello from the fake upstream!');
    assert.equal(finish, 'stop');
    assert.ok(usage && usage.prompt_tokens > 0 && usage.completion_tokens > 0, JSON.stringify(usage));
  });
}

test('a streamed tool call is assembled by the SDK', async () => {
  const runner = client.chat.completions.stream({
    model: 'openrouter/openai/gpt-4o',
    messages: [{ role: 'user', content: 'Weather in Tokyo?' }],
    tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
  });
  const completion = await runner.finalChatCompletion();
  const call = completion.choices[0].message.tool_calls[0];
  assert.equal(call.function.name, 'get_weather');
  assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Tokyo' });
  assert.equal(completion.choices[0].finish_reason, 'tool_calls');
});

// Ollama before 0.12.10 sends tool calls without ids: chatd gives each one, so the SDK can
// assemble a streamed call and the tool result can name the call it answers.
const weatherTools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
const askWeather = [{ role: 'user', content: 'Weather in Tokyo?' }];

function assertGeneratedCall(message) {
  const call = message.tool_calls[0];
  assert.match(call.id, /^call_[0-9A-Za-z]{24}$/);
  assert.equal(call.type, 'function');
  assert.equal(call.function.name, 'get_weather');
  assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Tokyo' });
  return call;
}

test('a tool call round trip through an Ollama upstream without ids', async () => {
  const completion = await client.chat.completions.create({ model: 'ollama/llama3.2', messages: askWeather, tools: weatherTools });
  assert.equal(completion.choices[0].finish_reason, 'tool_calls');
  const message = completion.choices[0].message;
  const call = assertGeneratedCall(message);

  const final = await client.chat.completions.create({
    model: 'ollama/llama3.2',
    tools: weatherTools,
    messages: [...askWeather, message, { role: 'tool', tool_call_id: call.id, content: 'sunny' }],
  });
  assert.equal(final.choices[0].message.content, 'Sunny in Tokyo.');
  assert.equal(final.choices[0].finish_reason, 'stop');
});

test('a streamed tool call round trip through an Ollama upstream without ids, with the stream helper', async () => {
  const completion = await client.chat.completions
    .stream({ model: 'ollama/llama3.2', messages: askWeather, tools: weatherTools })
    .finalChatCompletion();
  assert.equal(completion.choices[0].finish_reason, 'tool_calls');
  const message = completion.choices[0].message;
  const call = assertGeneratedCall(message);

  const final = await client.chat.completions
    .stream({
      model: 'ollama/llama3.2',
      tools: weatherTools,
      messages: [...askWeather, message, { role: 'tool', tool_call_id: call.id, content: 'sunny' }],
    })
    .finalChatCompletion();
  assert.equal(final.choices[0].message.content, 'Sunny in Tokyo.');
});

test('an upstream 429 surfaces as RateLimitError', async () => {
  await assert.rejects(
    client.chat.completions.create({ model: 'kimi/rate-limited', messages: hello }),
    (err) => err instanceof OpenAI.RateLimitError && err.status === 429 && /rate/i.test(err.message));
});

test('an upstream 400 surfaces as BadRequestError with the upstream message', async () => {
  await assert.rejects(
    client.chat.completions.create({ model: 'kimi/too-long', messages: hello }),
    (err) => err instanceof OpenAI.BadRequestError && err.status === 400 && /context length/.test(err.message));
});

test('a malformed request is a BadRequestError', async () => {
  await assert.rejects(
    client.chat.completions.create({ model: 'ollama/llama3.2', messages: [] }),
    (err) => err instanceof OpenAI.BadRequestError && /messages/.test(err.message));
});

test('an unconfigured provider is a NotFoundError', async () => {
  await assert.rejects(
    client.chat.completions.create({ model: 'gpt-oss:120b-cloud', messages: hello }),
    (err) => err instanceof OpenAI.NotFoundError && /OLLAMA_API_KEY/.test(err.message));
});

test('a wrong token is an AuthenticationError', async () => {
  const stranger = new OpenAI({ baseURL, apiKey: 'not-the-token', maxRetries: 0 });
  await assert.rejects(
    stranger.chat.completions.create({ model: 'ollama/llama3.2', messages: hello }),
    (err) => err instanceof OpenAI.AuthenticationError && err.status === 401);
});

test('models.list() gathers every provider with its prefix', async () => {
  const ids = [];
  for await (const model of client.models.list()) ids.push(model.id);
  assert.ok(ids.includes('openrouter/openai/gpt-4o'), ids.join(','));
  assert.ok(ids.includes('ollama/llama3.2:latest'), ids.join(','));
  assert.ok(ids.includes('opencode/glm-5'), ids.join(','));
});
