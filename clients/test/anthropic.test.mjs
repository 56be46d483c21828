// The official Anthropic TypeScript SDK, unmodified, pointed at chatd as Claude Code is
// (ANTHROPIC_BASE_URL and chatd's inbound token as the key). chatd and the fake upstreams behind
// it are started by the Java test OfficialClientsIT, which passes their address here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';

const options = { baseURL: process.env.CHATD_URL, maxRetries: 0, timeout: 20_000 };
const client = new Anthropic({ ...options, apiKey: process.env.CHATD_TOKEN }); // sends x-api-key
const hello = [{ role: 'user', content: 'Say hello' }];
const tools = [{
  name: 'get_weather',
  description: 'The weather in a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
}];

for (const model of ['openrouter/openai/gpt-4o', 'ollama/llama3.2']) {
  test(`messages.create through ${model}`, async () => {
    const message = await client.messages.create({ model, max_tokens: 256, messages: hello });
    assert.equal(message.type, 'message');
    assert.equal(message.role, 'assistant');
    assert.equal(message.model, model);
    assert.match(message.id, /^msg_/);
    assert.deepEqual(message.content, [{ type: 'text', text: 'Hello from the fake upstream!' }]);
    assert.equal(message.stop_reason, 'end_turn');
    assert.ok(message.usage.input_tokens > 0 && message.usage.output_tokens > 0, JSON.stringify(message.usage));
  });

  test(`messages.stream with text through ${model}`, async () => {
    const stream = client.messages.stream({ model, max_tokens: 256, messages: hello, system: 'Be brief.' });
    let text = '';
    const events = [];
    stream.on('text', (delta) => { text += delta; });
    stream.on('streamEvent', (event) => events.push(event.type));
    const message = await stream.finalMessage();
    assert.equal(text, 'Hello from the fake upstream!');
    assert.equal(events[0], 'message_start');
    assert.equal(events.at(-1), 'message_stop');
    assert.equal(message.model, model);
    assert.deepEqual(message.content.map((b) => b.type), ['text']);
    assert.equal(message.content[0].text, 'Hello from the fake upstream!');
    assert.equal(message.stop_reason, 'end_turn');
    assert.ok(message.usage.output_tokens > 0);
  });

  test(`messages.stream with tool use through ${model}`, async () => {
    const stream = client.messages.stream({
      model, max_tokens: 256, tools, messages: [{ role: 'user', content: 'Weather in Tokyo?' }],
    });
    const message = await stream.finalMessage();
    assert.equal(message.stop_reason, 'tool_use');
    const use = message.content.find((b) => b.type === 'tool_use');
    assert.ok(use, JSON.stringify(message.content));
    assert.equal(use.name, 'get_weather');
    assert.deepEqual(use.input, { city: 'Tokyo' });
    assert.match(use.id, /^(call_|toolu_)/);

    // The client runs the tool and sends its result; the model answers.
    const answer = await client.messages.create({
      model, max_tokens: 256,
      messages: [
        { role: 'user', content: 'Weather in Tokyo?' },
        { role: 'assistant', content: message.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'sunny' }] },
      ],
    });
    assert.equal(answer.stop_reason, 'end_turn');
    // The Ollama fake answers only a result that names its function (tool_name) and says 'sunny'.
    const expected = model.startsWith('ollama/') ? 'Sunny in Tokyo.' : 'Hello from the fake upstream!';
    assert.equal(answer.content[0].text, expected);
  });
}

test('countTokens answers an estimate that counts tools', async () => {
  const plain = await client.messages.countTokens({ model: 'openrouter/openai/gpt-4o', messages: hello });
  const withTools = await client.messages.countTokens({ model: 'openrouter/openai/gpt-4o', messages: hello, tools });
  assert.ok(plain.input_tokens > 0, JSON.stringify(plain));
  assert.ok(withTools.input_tokens > plain.input_tokens, JSON.stringify(withTools));
});

test('the token as authToken (Authorization: Bearer) works too', async () => {
  const bearer = new Anthropic({ ...options, authToken: process.env.CHATD_TOKEN });
  const message = await bearer.messages.create({ model: 'ollama/llama3.2', max_tokens: 64, messages: hello });
  assert.equal(message.content[0].text, 'Hello from the fake upstream!');
});

test('a wrong key surfaces as an AuthenticationError', async () => {
  const wrong = new Anthropic({ ...options, apiKey: 'not-the-token' });
  await assert.rejects(
    wrong.messages.create({ model: 'ollama/llama3.2', max_tokens: 64, messages: hello }),
    (err) => err instanceof Anthropic.AuthenticationError && err.status === 401);
});

test('an upstream 429 surfaces as a RateLimitError with its Retry-After', async () => {
  await assert.rejects(
    client.messages.create({ model: 'openrouter/rate-limited', max_tokens: 64, messages: hello }),
    (err) => err instanceof Anthropic.RateLimitError
      && err.status === 429
      && err.error?.error?.type === 'rate_limit_error'
      && err.headers.get('retry-after') === '3');
});

test('an overloaded upstream (529) surfaces as an OverloadedError', async () => {
  await assert.rejects(
    client.messages.create({ model: 'openrouter/overloaded', max_tokens: 64, messages: hello }),
    (err) => err instanceof Anthropic.OverloadedError && err.status === 529
      && err.error?.error?.type === 'overloaded_error');
});

test('a request the upstream rejects surfaces as a BadRequestError', async () => {
  await assert.rejects(
    client.messages.create({ model: 'openrouter/too-long', max_tokens: 64, messages: hello }),
    (err) => err instanceof Anthropic.BadRequestError && err.status === 400);
});
