// The Vercel AI SDK (ai, with its @ai-sdk/openai provider), unmodified, pointed at chatd with
// createOpenAI({ baseURL }). Its default model, openai(id), speaks the Responses API, so this
// drives chatd's POST /v1/responses. chatd and the fake upstreams behind it are started by the
// Java test OfficialClientsIT, which passes their address here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { APICallError, generateText, stepCountIs, streamText, tool } from 'ai';
import { createOpenAI } from '@ai-sdk/openai';
import { z } from 'zod';

const openai = createOpenAI({ baseURL: `${process.env.CHATD_URL}/v1`, apiKey: process.env.CHATD_TOKEN });
// chatd is stateless: without store: false the SDK sends earlier answers' text as item_references.
const stateless = { openai: { store: false } };

const weather = tool({
  description: 'The weather in a city',
  inputSchema: z.object({ city: z.string() }),
  execute: async ({ city }) => (city === 'Tokyo' ? 'sunny' : `no weather for ${city}`),
});

for (const model of ['openrouter/openai/gpt-4o', 'ollama/llama3.2']) {
  test(`generateText through ${model}`, async () => {
    const result = await generateText({
      model: openai(model), system: 'Be brief.', prompt: 'Say hello', providerOptions: stateless, maxRetries: 0,
    });
    assert.equal(result.text, 'Hello from the fake upstream!');
    assert.equal(result.finishReason, 'stop');
    assert.equal(result.response.modelId, model);
    assert.match(result.response.id, /^resp_/);
    assert.ok(result.usage.totalTokens > 0, JSON.stringify(result.usage));
  });

  test(`streamText through ${model}`, async () => {
    const result = streamText({ model: openai(model), prompt: 'Say hello', providerOptions: stateless, maxRetries: 0 });
    const pieces = [];
    for await (const piece of result.textStream) {
      pieces.push(piece);
    }
    assert.ok(pieces.length > 1, JSON.stringify(pieces));
    assert.equal(pieces.join(''), 'Hello from the fake upstream!');
    assert.equal(await result.finishReason, 'stop');
    assert.ok((await result.usage).outputTokens > 0);
  });

  for (const [name, run] of [['generateText', generateText], ['streamText', streamText]]) {
    test(`a tool round trip with ${name} through ${model}`, async () => {
      const result = await run({
        model: openai(model),
        prompt: 'Weather in Tokyo?',
        tools: { get_weather: weather },
        stopWhen: stepCountIs(2),
        providerOptions: stateless,
        maxRetries: 0,
      });
      const steps = await result.steps;
      assert.equal(steps.length, 2, JSON.stringify(steps.map((s) => s.content)));
      const [call] = steps[0].toolCalls;
      assert.equal(call.toolName, 'get_weather');
      assert.deepEqual(call.input, { city: 'Tokyo' });
      assert.equal(steps[0].toolResults[0].output, 'sunny');
      assert.equal(steps[0].finishReason, 'tool-calls');
      // Each fake answers only a result for its call (tool_call_id, or Ollama's tool_name) that says 'sunny'.
      assert.equal(await result.text, 'Sunny in Tokyo.');
      assert.equal(await result.finishReason, 'stop');
    });
  }
}

test('an error before the answer is an APICallError with chatd\'s status and message', async () => {
  await assert.rejects(
    generateText({ model: openai('ollama_cloud/m'), prompt: 'Hi', providerOptions: stateless, maxRetries: 0 }),
    (e) => {
      assert.ok(APICallError.isInstance(e), String(e));
      assert.equal(e.statusCode, 404);
      return true;
    });
});

// A chat app appends response.messages and asks again. By default (store: true) the SDK sends the
// earlier answer's text as an item_reference to OpenAI's stored copy, which chatd does not keep.
test('a second turn needs store: false; without it, a 400 that says so', async () => {
  const model = openai('ollama/llama3.2');
  const ask = async (providerOptions) => {
    const first = await generateText({ model, prompt: 'Say hello', providerOptions, maxRetries: 0 });
    const messages = [
      { role: 'user', content: 'Say hello' }, ...first.response.messages, { role: 'user', content: 'Again' },
    ];
    return generateText({ model, messages, providerOptions, maxRetries: 0 });
  };

  assert.equal((await ask(stateless)).text, 'Hello from the fake upstream!');
  await assert.rejects(ask(undefined), (e) => {
    assert.ok(APICallError.isInstance(e), String(e));
    assert.equal(e.statusCode, 400);
    assert.match(e.message, /item_reference.*store: false/s);
    return true;
  });
});
