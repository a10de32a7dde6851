/** The scripted OpenAI-compatible chat model: list, then download, then answer; plain or streamed. */
import { setup } from './testing';
import type { Setup } from './testing';

let s: Setup;
beforeAll(async () => {
	s = await setup();
});
afterAll(async () => await s.fake.close());

const tools = [
	{
		type: 'function',
		function: {
			name: 'List_Recordings',
			parameters: { type: 'object', properties: { limit: { type: 'number' } } },
		},
	},
	{
		type: 'function',
		function: {
			name: 'Download_Recording',
			parameters: { type: 'object', properties: { recordingId: { type: 'string' } } },
		},
	},
];
const ID = 'e5f6a7b8-c9d0-1234-5678-90abcdef0123';

async function chat(messages: unknown[], stream = false) {
	const response = await s.post('/stub/openai/v1/chat/completions', {
		model: 'gpt-4.1-mini',
		messages,
		tools,
		stream,
	});
	expect(response.status).toBe(200);
	return response;
}

it('calls the list tool, then the download tool with the listed ID, then answers', async () => {
	const user = { role: 'user', content: 'Download the newest recording' };
	const first = (await (await chat([user])).json()) as {
		choices: Array<{
			message: { tool_calls: Array<{ id: string; function: { name: string; arguments: string } }> };
		}>;
	};
	const listCall = first.choices[0].message.tool_calls[0];
	expect(listCall.function).toEqual({ name: 'List_Recordings', arguments: '{"limit":1}' });

	const listed = {
		role: 'tool',
		tool_call_id: listCall.id,
		content: JSON.stringify([{ id: ID, status: 'ended' }]),
	};
	const second = (await (
		await chat([user, { role: 'assistant', tool_calls: [listCall] }, listed])
	).json()) as typeof first;
	const downloadCall = second.choices[0].message.tool_calls[0];
	expect(downloadCall.function).toEqual({
		name: 'Download_Recording',
		arguments: JSON.stringify({ recordingId: ID }),
	});

	const downloaded = {
		role: 'tool',
		tool_call_id: downloadCall.id,
		content: JSON.stringify([{ id: ID, status: 'ended', audio: { fileName: 'call_x.wav' } }]),
	};
	const third = (await (
		await chat([
			user,
			{ role: 'assistant', tool_calls: [listCall] },
			listed,
			{ role: 'assistant', tool_calls: [downloadCall] },
			downloaded,
		])
	).json()) as { choices: Array<{ message: { content: string }; finish_reason: string }> };
	expect(third.choices[0]).toMatchObject({
		finish_reason: 'stop',
		message: {
			content: `The newest recording is ${ID} (status ended); its audio was downloaded as call_x.wav.`,
		},
	});

	expect(s.fake.openAiTranscript.map((e) => e.reply.toolCalls.map((c) => c.name))).toEqual([
		['List_Recordings'],
		['Download_Recording'],
		[],
	]);
	expect(s.fake.openAiTranscript[2].toolResults.map((r) => r.toolCallId)).toEqual([
		listCall.id,
		downloadCall.id,
	]);
	const models = await s.get('/stub/openai/v1/models');
	expect(((await models.json()) as { data: Array<{ id: string }> }).data[0].id).toBe(
		'gpt-4.1-mini',
	);
});

it('answers the same as server-sent events when asked to stream', async () => {
	const response = await chat([{ role: 'user', content: 'Hi' }], true);
	expect(response.headers.get('content-type')).toBe('text/event-stream');
	const events = (await response.text()).split('\n\n').filter(Boolean);
	expect(events[events.length - 1]).toBe('data: [DONE]');
	const firstChunk = JSON.parse(events[0].slice('data: '.length));
	expect(firstChunk.choices[0].delta.tool_calls[0]).toMatchObject({
		index: 0,
		function: { name: 'List_Recordings' },
	});
	expect(JSON.parse(events[1].slice('data: '.length)).choices[0].finish_reason).toBe('tool_calls');
});
