/**
 * Transcribe and Get Transcript through n8n's real ExecuteContext against the fake VoIPBIN, one
 * test per server quirk of TRANSCRIBE-WS.md part A. The fake runs on the real clock with short
 * timings: files 1 s after the end, speech-to-text 50 ms, the API's 60 s wait cut to 300 ms.
 */
import fs from 'node:fs';
import path from 'node:path';

import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { VoipbinRecording } from '../../../../nodes/VoipbinRecording/VoipbinRecording.node';
import { startFakeVoipbin } from '../../../fake-voipbin';
import type { FakeAccount, FakeVoipbin } from '../../../fake-voipbin';
import { accessKeyCredential, runNode, useFilesystemBinaryData } from '../../../helpers/n8n';
import type { StoredCredential } from '../../../helpers/n8n';

const node = new VoipbinRecording();
let fake: FakeVoipbin;
let account: FakeAccount;
let credential: StoredCredential;

let binaryStore: string;

/** Every file under the binary-data store, as n8n's filesystem mode lays them out. */
const filesIn = (dir: string) =>
	fs
		.readdirSync(dir, { recursive: true, withFileTypes: true })
		.filter((entry) => entry.isFile())
		.map((entry) => path.join(entry.parentPath, entry.name))
		.sort();

beforeAll(async () => {
	binaryStore = await useFilesystemBinaryData();
	fake = await startFakeVoipbin({
		filesDelayMs: 1000,
		transcribeMs: 50,
		transcribeTimeoutMs: 300,
	});
	account = fake.createAccount();
	credential = accessKeyCredential(fake.baseUrl, account.accessKey);
});
afterAll(async () => await fake.close());
beforeEach(() => {
	fake.faults.reset();
	fake.faults.set({ rateLimit: 'off' });
	fake.resetRequests();
});

const FAST = { pollIntervalSeconds: 1, maxWaitSeconds: 5, maxWaitForFilesSeconds: 15 };

const run = async (parameters: IDataObject, continueOnFail = false) =>
	(await runNode(node, parameters, { credential, continueOnFail }))[0];

const transcribe = async (
	recordingId: string,
	options: IDataObject = {},
	extra: IDataObject = {},
) =>
	await run({
		operation: 'transcribe',
		recordingId,
		language: 'en-US',
		transcribeOptions: { ...FAST, ...options },
		...extra,
	});

/** Someone else's POST, straight to the fake (as another workflow or the VoIPBIN console would). */
async function postDirectly(recordingId: string, language = 'en-US'): Promise<IDataObject> {
	const response = await fetch(`${fake.baseUrl}/v1.0/transcribes?accesskey=${account.accessKey}`, {
		method: 'POST',
		body: JSON.stringify({ reference_type: 'recording', reference_id: recordingId, language }),
	});
	return (await response.json()) as IDataObject;
}

const routes = () => fake.requests.map((request) => `${request.route} ${request.status}`);
const posts = () => fake.requests.filter((r) => r.route === 'POST /v1.0/transcribes');

describe('Transcribe', () => {
	it('gives the conversation as text with speaker labels, segments in order, and the transcribe', async () => {
		const recording = fake.createRecording(account.customerId, { durationSeconds: 13 });
		const [item] = await transcribe(recording.id, { inLabel: 'Customer', outLabel: 'Agent' });
		expect(item.pairedItem).toEqual({ item: 0 });
		const json = item.json;
		expect(json).toMatchObject({
			recordingId: recording.id,
			language: 'en-US',
			truncated: false,
			warnings: [],
			transcribe: { id: json.transcribeId, status: 'done', reference_type: 'recording' },
		});
		expect(json.segments).toEqual([
			{
				direction: 'in',
				speaker: 'Customer',
				startSeconds: 0.4,
				text: 'Hello, I am calling about my last invoice.',
			},
			{
				direction: 'out',
				speaker: 'Agent',
				startSeconds: 3.4,
				text: 'Good morning, thank you for calling.',
			},
			{
				direction: 'in',
				speaker: 'Customer',
				startSeconds: 6.401,
				text: 'It shows two charges for the same month.',
			},
			{
				direction: 'out',
				speaker: 'Agent',
				startSeconds: 9.401,
				text: 'Let me look at your account.',
			},
			{
				direction: 'in',
				speaker: 'Customer',
				startSeconds: 12.402,
				text: 'Yes, the order number is four two seven one.',
			},
		]);
		expect((json.text as string).split('\n')).toEqual([
			'Customer: Hello, I am calling about my last invoice.',
			'Agent: Good morning, thank you for calling.',
			'Customer: It shows two charges for the same month.',
			'Agent: Let me look at your account.',
			'Customer: Yes, the order number is four two seven one.',
		]);
	});

	it('returns an existing transcript without new work', async () => {
		const recording = fake.createRecording(account.customerId);
		const first = (await transcribe(recording.id))[0].json;
		fake.resetRequests();
		const second = (await transcribe(recording.id))[0].json;
		expect(second.transcribeId).toBe(first.transcribeId);
		expect(second.text).toBe(first.text);
		expect(posts()).toHaveLength(0);
		expect(fake.requests.some((r) => r.host === 'storage')).toBe(false);
	});

	it('waits until the recording has ended and its files are whole before asking', async () => {
		const call = fake.addCall(account.customerId);
		const recording = fake.startRecording(call.id, { durationSeconds: 1 });
		const [item] = await transcribe(recording.id);
		expect((item.json.segments as unknown[]).length).toBeGreaterThan(0);
		// Asked once, after the recording ended and the ZIP held both directions.
		expect(posts()).toHaveLength(1);
		expect(fake.transcribesOf(recording.id)).toHaveLength(1);
		const firstPost = fake.requests.indexOf(posts()[0]);
		const storage = fake.requests.filter((r) => r.host === 'storage');
		expect(storage.length).toBeGreaterThan(0);
		expect(fake.requests.indexOf(storage[storage.length - 1])).toBeLessThan(firstPost);
	});

	it('checks the files whole without storing them: nothing is added to the binary-data store', async () => {
		const recording = fake.createRecording(account.customerId, { durationSeconds: 5 });
		const before = filesIn(binaryStore);
		const [item] = await transcribe(recording.id);
		expect((item.json.segments as unknown[]).length).toBeGreaterThan(0);
		expect(item.binary).toBeUndefined();
		// The whole ZIP was read (the check), and nothing of it was kept.
		expect(fake.requests.filter((r) => r.host === 'storage' && r.status === 200)).toHaveLength(1);
		expect(filesIn(binaryStore)).toEqual(before);
	});

	it('deletes an empty done transcribe made before the files were stored, and asks again', async () => {
		const recording = fake.createRecording(account.customerId, {
			filesReady: false,
			durationSeconds: 10,
		});
		const early = await postDirectly(recording.id);
		expect(early.status).toBe('done');
		const [item] = await transcribe(recording.id);
		expect(item.json.transcribeId).not.toBe(early.id);
		expect((item.json.segments as unknown[]).length).toBe(4);
		const all = fake.transcribesOf(recording.id);
		expect(all).toHaveLength(2);
		expect(all.find((t) => t.id === early.id)?.tm_delete).not.toBeNull();
		expect(routes()).toContain(`DELETE /v1.0/transcribes/{id} 200`);
	});

	it('asks again only once: a recording without speech gives an empty transcript', async () => {
		// 0.3 s of audio: shorter than the first sentence's start.
		const recording = fake.createRecording(account.customerId, { durationSeconds: 0.3 });
		const [item] = await transcribe(recording.id);
		expect(item.json).toMatchObject({ text: '', segments: [], truncated: false });
		expect(posts()).toHaveLength(2);
		expect(fake.transcribesOf(recording.id).map((t) => t.tm_delete === null)).toEqual([
			false,
			true,
		]);
	});

	it('after 503 REQUEST_TIMEOUT finds the transcription by reference and polls until done', async () => {
		fake.faults.set({ transcribeDelayMs: 1500 });
		const recording = fake.createRecording(account.customerId);
		const [item] = await transcribe(recording.id);
		expect((item.json.segments as unknown[]).length).toBeGreaterThan(0);
		expect(item.json.transcribe).toMatchObject({ status: 'done' });
		const post = posts();
		expect(post.map((r) => [r.status, r.note])).toEqual([[503, 'REQUEST_TIMEOUT']]);
		// Looked up before asking (nothing yet), and again after the 503 (found, progressing).
		const lookups = fake.requests.filter((r) => r.route === 'GET /v1.0/transcribes');
		expect(lookups).toHaveLength(2);
		expect(lookups[1].query).toMatchObject({
			reference_type: 'recording',
			reference_id: recording.id,
		});
		expect(fake.requests.indexOf(lookups[1])).toBeGreaterThan(fake.requests.indexOf(post[0]));
		expect(routes()).toContain('GET /v1.0/transcribes/{id} 200');
		expect(fake.transcribesOf(recording.id)).toHaveLength(1);
	});

	it('after 503 with a language VoIPBIN stored as en-US, asks again and gets the running transcription', async () => {
		fake.faults.set({ transcribeDelayMs: 1500 });
		const recording = fake.createRecording(account.customerId);
		const [item] = await transcribe(recording.id, {}, { language: 'other', languageTag: 'xx_!' });
		expect(item.json.language).toBe('en-US');
		expect((item.json.segments as unknown[]).length).toBeGreaterThan(0);
		// The lookup cannot match "xx_!"; the second POST returns the transcription already running.
		expect(posts().map((r) => r.status)).toEqual([503, 200]);
		expect(fake.transcribesOf(recording.id)).toHaveLength(1);
	});

	it('a transcription stuck in progressing: a clear error after the max wait, not an endless one', async () => {
		// The speech-to-text outlasts the API's wait and then fails: 503, then progressing for good.
		fake.faults.set({ transcribeDelayMs: 400, transcribeStuck: { count: 1 } });
		const recording = fake.createRecording(account.customerId);
		const started = Date.now();
		const error = (await transcribe(recording.id, { maxWaitSeconds: 2 }).catch(
			(e: Error) => e,
		)) as Error & { description: string };
		expect(Date.now() - started).toBeLessThan(8000);
		expect(error.message).toBe(
			`The transcription of recording ${recording.id} is still not done after 2 s: it has failed or is stuck`,
		);
		const [stuck] = fake.transcribesOf(recording.id);
		expect(stuck.status).toBe('progressing');
		expect(error.description).toContain(String(stuck.id));
		expect(error.description).toMatch(/no "failed" status/);
	});

	it('stops waiting when the execution is cancelled', async () => {
		fake.faults.set({ transcribeDelayMs: 400, transcribeStuck: { count: 1 } });
		const recording = fake.createRecording(account.customerId);
		const cancel = new AbortController();
		const started = Date.now();
		const running = runNode(
			node,
			{
				operation: 'transcribe',
				recordingId: recording.id,
				transcribeOptions: { ...FAST, maxWaitSeconds: 60 },
			},
			{ credential, abortSignal: cancel.signal },
		);
		await new Promise((resolve) => setTimeout(resolve, 1500));
		const cancelledAt = Date.now();
		cancel.abort(new Error('Execution cancelled'));
		// Cancelled in a sleep it is the abort reason; in a request, n8n's HTTP helper's error.
		await expect(running).rejects.toThrow(/cancel/i);
		expect(Date.now() - cancelledAt).toBeLessThan(1000);
		expect(cancelledAt - started).toBeLessThan(3000);
	});

	it('a failed speech-to-text: the server error with its request ID, and what it means', async () => {
		fake.faults.set({ transcribeStuck: { count: 1 } });
		const recording = fake.createRecording(account.customerId);
		const error = (await transcribe(recording.id).catch((e: Error) => e)) as Error & {
			description: string;
			httpCode: string;
		};
		expect(error.httpCode).toBe('500');
		expect(error.message).toBe('VoIPBIN server error (500)');
		expect(error.description).toMatch(/keeps the transcription "progressing" for good/);
		expect(error.description).toContain('VoIPBIN says: INTERNAL: Internal server error.');
		expect(error.description).toContain(`Request ID: ${posts()[0].requestId}`);
		expect(error.description).not.toContain(account.accessKey);
	});

	it.each(['', 'not-a-uuid', 'e5f6a7b8-c9d0-1234-5678-90abcdef012'])(
		'refuses the recording ID %p before any request (the server would crash on it)',
		async (recordingId) => {
			await expect(transcribe(recordingId)).rejects.toThrow(/Recording ID/);
			expect(fake.requests).toHaveLength(0);
		},
	);

	it('checks that the recording exists before asking for a transcription', async () => {
		const unknown = 'e5f6a7b8-c9d0-1234-5678-90abcdef0123';
		await expect(transcribe(unknown)).rejects.toThrow(`Recording ${unknown} was not found`);
		const deleted = fake.createRecording(account.customerId);
		fake.deleteRecording(deleted.id);
		await expect(transcribe(deleted.id)).rejects.toThrow(/may have been deleted/);
		expect(posts()).toHaveLength(0);
	});

	it('reads the transcript once even when VoIPBIN’s window of 100 sentences is full, and says it may be cut', async () => {
		const recording = fake.createRecording(account.customerId, { durationSeconds: 400 });
		const [item] = await transcribe(recording.id);
		const segments = item.json.segments as { startSeconds: number }[];
		expect(segments).toHaveLength(100);
		const starts = segments.map((s) => s.startSeconds);
		expect([...starts].sort((a, b) => a - b)).toEqual(starts);
		// The window is the end of the conversation.
		expect(starts[starts.length - 1]).toBeCloseTo(399.477, 3);
		expect(item.json.truncated).toBe(true);
		expect((item.json.warnings as string[])[0]).toMatch(
			/only the newest 100 sentences .* the start of this conversation may be missing \(the text here begins \d+(\.\d+)? s in\)/,
		);
		expect(fake.requests.filter((r) => r.route === 'GET /v1.0/transcripts')).toHaveLength(1);
	});

	it('a language tag VoIPBIN cannot read becomes en-US, and the output says so', async () => {
		const recording = fake.createRecording(account.customerId);
		const [item] = await transcribe(
			recording.id,
			{},
			{ language: 'other', languageTag: 'klingon!' },
		);
		expect(item.json.language).toBe('en-US');
		expect(item.json.warnings).toEqual([
			'VoIPBIN transcribed in "en-US", not "klingon!": it replaces a language tag it cannot read with en-US.',
		]);
		expect(node.description.properties.find((p) => p.name === 'language')?.description).toMatch(
			/silently transcribes in English \(US\)/,
		);
	});

	it('offers no direction or provider: VoIPBIN ignores them for recordings', () => {
		const fields = node.description.properties.filter((p) =>
			p.displayOptions?.show?.operation?.includes('transcribe'),
		);
		const names = fields.flatMap((p) => [
			p.name,
			...((p.options ?? []) as { name: string }[]).map((o) => o.name),
		]);
		expect(names.some((name) => /direction$|provider/i.test(name) && !/Missing/.test(name))).toBe(
			false,
		);
		expect(node.description.usableAsTool).toBe(true);
	});

	it('names another customer’s recording with reason and request ID, and keeps going on failures when asked', async () => {
		const other = fake.createAccount();
		const theirs = fake.createRecording(other.customerId);
		const output = await run(
			{ operation: 'transcribe', recordingId: theirs.id, transcribeOptions: FAST },
			true,
		);
		expect(output[0].json.error).toBe(`Permission denied for recording ${theirs.id}`);
		expect(output[0].json.description).toMatch(
			/VoIPBIN says: PERMISSION_DENIED: .*\nRequest ID: req_/,
		);
		expect(output[0].pairedItem).toEqual({ item: 0 });
	});
});

describe('Get Transcript', () => {
	const get = async (parameters: IDataObject): Promise<INodeExecutionData[]> =>
		await run({ operation: 'getTranscript', ...parameters });

	it('gets a transcript by transcribe ID and by recording and language, as Transcribe gives it', async () => {
		const recording = fake.createRecording(account.customerId, { durationSeconds: 8 });
		const made = (await transcribe(recording.id, {}, { language: 'de-DE' }))[0].json;
		const byId = (await get({ transcriptBy: 'transcribeId', transcribeId: made.transcribeId }))[0];
		expect(byId.json).toEqual(made);
		const byRecording = (
			await get({ transcriptBy: 'recording', recordingId: recording.id, language: 'de-DE' })
		)[0];
		expect(byRecording.json).toEqual(made);
		expect(
			(
				await get({
					transcriptBy: 'recording',
					recordingId: recording.id,
					language: 'de-DE',
					transcriptOptions: { inLabel: 'A', outLabel: 'B' },
				})
			)[0].json.text,
		).toMatch(/^A: .*\nB: /);
	});

	it('says when a recording has no transcript in that language', async () => {
		const recording = fake.createRecording(account.customerId);
		await expect(
			get({ transcriptBy: 'recording', recordingId: recording.id, language: 'fr-FR' }),
		).rejects.toThrow(`Recording ${recording.id} has no transcript in "fr-FR"`);
	});

	it('says when the transcription is not done yet, or was deleted', async () => {
		fake.faults.set({ transcribeDelayMs: 60_000 });
		const slow = fake.createRecording(account.customerId);
		await postDirectly(slow.id);
		await expect(
			get({ transcriptBy: 'recording', recordingId: slow.id, language: 'en-US' }),
		).rejects.toThrow(/is not done yet \(status: progressing\)/);

		fake.faults.reset();
		fake.faults.set({ rateLimit: 'off' });
		const recording = fake.createRecording(account.customerId);
		const done = await postDirectly(recording.id);
		await fetch(`${fake.baseUrl}/v1.0/transcribes/${done.id}?accesskey=${account.accessKey}`, {
			method: 'DELETE',
		});
		await expect(get({ transcriptBy: 'transcribeId', transcribeId: done.id })).rejects.toThrow(
			`Transcribe ${done.id} was deleted`,
		);
	});

	it('refuses a transcribe ID that is not one, and names an unknown one', async () => {
		await expect(get({ transcriptBy: 'transcribeId', transcribeId: 'abc' })).rejects.toThrow(
			/Transcribe ID "abc" is not a valid VoIPBIN ID/,
		);
		expect(fake.requests).toHaveLength(0);
		const unknown = 'e5f6a7b8-c9d0-1234-5678-90abcdef0123';
		await expect(get({ transcriptBy: 'transcribeId', transcribeId: unknown })).rejects.toThrow(
			`Transcribe ${unknown} was not found`,
		);
	});
});
