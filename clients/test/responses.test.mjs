// The official OpenAI Node SDK's Responses API (responses.create, responses.stream), unmodified,
// pointed at chatd's POST /v1/responses. chatd and the fake upstreams behind it are started by
// the Java test OfficialClientsIT, which passes their address here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';

const baseURL = `${process.env.CHATD_URL}/v1`;
const client = new OpenAI({ baseURL, apiKey: process.env.CHATD_TOKEN, maxRetries: 0, timeout: 20_000 });
const tools = [{
  type: 'function',
  name: 'get_weather',
  description: 'The weather in a city',
  strict: true,
  parameters: {
    type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false,
  },
}];
const askWeather = [{ role: 'user', content: 'Weather in Tokyo?' }];

for (const model of ['openrouter/openai/gpt-4o', 'ollama/llama3.2']) {
  test(`responses.create through ${model}`, async () => {
    const response = await client.responses.create({
      model, instructions: 'Be brief.', input: 'Say hello', store: false,
    });
    assert.equal(response.object, 'response');
    assert.equal(response.status, 'completed');
    assert.equal(response.model, model);
    assert.match(response.id, /^resp_/);
    assert.equal(response.output_text, 'Hello from the fake upstream!');
    assert.deepEqual(response.output.map((item) => item.type), ['message']);
    assert.ok(response.usage.total_tokens > 0, JSON.stringify(response.usage));
  });

  test(`responses.stream with text through ${model}`, async () => {
    const stream = client.responses.stream({ model, input: 'Say hello', store: false });
    let text = '';
    const types = [];
    const sequence = [];
    stream.on('response.output_text.delta', (event) => { text += event.delta; });
    stream.on('event', (event) => { types.push(event.type); sequence.push(event.sequence_number); });
    const response = await stream.finalResponse();
    assert.equal(text, 'Hello from the fake upstream!');
    assert.equal(types[0], 'response.created');
    assert.equal(types[1], 'response.in_progress');
    assert.equal(types.at(-1), 'response.completed');
    assert.deepEqual(sequence, sequence.map((_, i) => i));
    assert.equal(response.status, 'completed');
    assert.equal(response.model, model);
    assert.equal(response.output_text, 'Hello from the fake upstream!');
    assert.ok(response.usage.output_tokens > 0);
  });

  test(`a function-call round trip with responses.stream and responses.create through ${model}`, async () => {
    const stream = client.responses.stream({ model, input: askWeather, tools, store: false });
    let argumentsDone;
    stream.on('response.function_call_arguments.done', (event) => { argumentsDone = event.arguments; });
    const first = await stream.finalResponse();
    assert.equal(first.status, 'completed');
    const call = first.output.find((item) => item.type === 'function_call');
    assert.ok(call, JSON.stringify(first.output));
    assert.equal(call.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.arguments), { city: 'Tokyo' });
    assert.equal(argumentsDone, call.arguments);
    assert.match(call.call_id, /^call_/);

    // The client runs the function and sends the whole conversation back, as stateless clients do.
    const answer = await client.responses.create({
      model, tools, store: false,
      input: [...askWeather, ...first.output, { type: 'function_call_output', call_id: call.call_id, output: 'sunny' }],
    });
    assert.equal(answer.status, 'completed');
    // Each fake answers only a result for its call (tool_call_id, or Ollama's tool_name) that says 'sunny'.
    assert.equal(answer.output_text, 'Sunny in Tokyo.');
  });
}

test('chatd keeps no responses: retrieval is a NotFoundError, previous_response_id a BadRequestError', async () => {
  await assert.rejects(client.responses.retrieve('resp_abc'), (e) => {
    assert.ok(e instanceof OpenAI.NotFoundError, String(e));
    assert.match(e.message, /chatd keeps no responses/);
    return true;
  });
  await assert.rejects(
    client.responses.create({ model: 'ollama/llama3.2', input: 'And Paris?', previous_response_id: 'resp_abc' }),
    (e) => {
      assert.ok(e instanceof OpenAI.BadRequestError, String(e));
      assert.match(e.message, /store: false/);
      return true;
    });
});

test('an unknown provider is a NotFoundError', async () => {
  await assert.rejects(client.responses.create({ model: 'ollama_cloud/m', input: 'Hi' }), OpenAI.NotFoundError);
});
