import { formatOffsetTime, normalizeLanguage, sentencesOf } from './transcribes';
import { setup, specErrors, type Setup } from './testing';

/**
 * The real server writes an unset time of a transcribe as `null`, where the spec says "string"
 * (TRANSCRIBE-WS.md A.2 is read from the code, which wins): validate the rest against the spec.
 */
function transcribeSpecErrors(body: Record<string, unknown>): string {
	const set = Object.fromEntries(Object.entries(body).filter(([, value]) => value !== null));
	return specErrors('TranscribeManagerTranscribe', set);
}

describe('fake VoIPBIN transcription of recordings', () => {
	let s: Setup;
	beforeEach(async () => {
		s = await setup({ transcribeMs: 50, transcribeTimeoutMs: 300 });
		s.fake.faults.set({ rateLimit: 'off' });
	});
	afterEach(() => s.fake.close());

	const transcribe = (recordingId: string, language = 'en-US', extra: object = {}) =>
		s.post('/v1.0/transcribes', {
			reference_type: 'recording',
			reference_id: recordingId,
			language,
			...extra,
		});
	const json = async (response: Response) => (await response.json()) as Record<string, unknown>;
	const transcripts = async (transcribeId: string, query: Record<string, string> = {}) =>
		(await (
			await s.get('/v1.0/transcripts', { query: { transcribe_id: transcribeId, ...query } })
		).json()) as { result: Record<string, string>[]; next_page_token: string };

	it('transcribes an ended recording in the request and answers done, in the spec shapes', async () => {
		const recording = s.fake.createRecording(s.account.customerId, { durationSeconds: 20 });
		const response = await transcribe(recording.id, 'en-us', { direction: 'IN', provider: 'aws' });
		expect(response.status).toBe(200);
		const body = await json(response);
		expect(transcribeSpecErrors(body)).toBe('');
		expect(body).toMatchObject({
			reference_type: 'recording',
			reference_id: recording.id,
			status: 'done',
			language: 'en-US',
			// Stored as sent (wrong case becomes both), and ignored for recordings.
			direction: 'both',
			provider: 'aws',
			tm_delete: null,
		});
		expect(body.tm_update).not.toBeNull();
		// The validator can fail.
		expect(transcribeSpecErrors({ ...body, status: 'failed' })).not.toBe('');

		const list = await transcripts(body.id as string);
		expect(specErrors('CommonPagination', list)).toBe('');
		for (const item of list.result)
			expect(specErrors('TranscribeManagerTranscript', item)).toBe('');
		// 20 s of a call: in at 0.4, 6.4, 12.4, 18.4 s; out at 3.4, 9.4, 15.4 s. Newest first.
		expect(list.result.map((t) => t.direction)).toEqual([
			'in',
			'out',
			'in',
			'out',
			'in',
			'out',
			'in',
		]);
		expect(list.result.map((t) => t.tm_transcript).reverse()).toEqual([
			'0001-01-01T00:00:00.4Z',
			'0001-01-01T00:00:03.4Z',
			'0001-01-01T00:00:06.40116Z',
			'0001-01-01T00:00:09.40116Z',
			'0001-01-01T00:00:12.40232Z',
			'0001-01-01T00:00:15.40232Z',
			'0001-01-01T00:00:18.40348Z',
		]);
		expect(list.result[6].message).toBe('Hello, I am calling about my last invoice.');
	});

	it('returns the existing transcribe for the same recording and language, whatever its state', async () => {
		const recording = s.fake.createRecording(s.account.customerId);
		const first = await json(await transcribe(recording.id, 'de-de'));
		const again = await json(await transcribe(recording.id, 'de-DE'));
		expect(again.id).toBe(first.id);
		const french = await json(await transcribe(recording.id, 'fr-FR'));
		expect(french.id).not.toBe(first.id);
		expect(s.fake.transcribesOf(recording.id)).toHaveLength(2);
	});

	it('asked before the files are stored: an empty done transcribe, returned until deleted', async () => {
		const recording = s.fake.createRecording(s.account.customerId, { filesReady: false });
		const early = await json(await transcribe(recording.id));
		expect(early.status).toBe('done');
		expect((await transcripts(early.id as string)).result).toEqual([]);

		s.fake.clock.advance(5000);
		const stale = await json(await transcribe(recording.id));
		expect(stale.id).toBe(early.id);
		expect((await transcripts(stale.id as string)).result).toEqual([]);

		const deleted = await s.get(`/v1.0/transcribes/${early.id}`, { method: 'DELETE' });
		expect(deleted.status).toBe(200);
		expect((await json(deleted)).tm_delete).not.toBeNull();
		// A deleted transcribe is still shown by id.
		expect((await json(await s.get(`/v1.0/transcribes/${early.id}`))).tm_delete).not.toBeNull();
		const fresh = await json(await transcribe(recording.id));
		expect(fresh.id).not.toBe(early.id);
		expect((await transcripts(fresh.id as string)).result.length).toBeGreaterThan(0);
	});

	it('transcribes only the direction whose file is stored when it starts', async () => {
		const recording = s.fake.createRecording(s.account.customerId, {
			durationSeconds: 20,
			directions: ['in'],
		});
		const body = await json(await transcribe(recording.id));
		const list = await transcripts(body.id as string);
		expect(new Set(list.result.map((t) => t.direction))).toEqual(new Set(['in']));
	});

	it('gives up after the RPC timeout with 503 REQUEST_TIMEOUT while the work goes on', async () => {
		s.fake.faults.set({ transcribeDelayMs: 600 });
		const recording = s.fake.createRecording(s.account.customerId);
		const started = performance.now();
		const response = await transcribe(recording.id);
		expect(response.status).toBe(503);
		expect(performance.now() - started).toBeGreaterThanOrEqual(290);
		const body = (await response.json()) as { error: Record<string, string> };
		expect(specErrors('ErrorResponse', body)).toBe('');
		expect(body.error).toMatchObject({ status: 'UNAVAILABLE', reason: 'REQUEST_TIMEOUT' });

		const query = { reference_type: 'recording', reference_id: recording.id };
		const listed = (await (await s.get('/v1.0/transcribes', { query })).json()) as {
			result: Record<string, unknown>[];
		};
		expect(listed.result).toHaveLength(1);
		expect(listed.result[0].status).toBe('progressing');
		expect(listed.result[0].tm_update).toBeNull();
		await new Promise((resolve) => setTimeout(resolve, 400));
		const done = await json(await s.get(`/v1.0/transcribes/${listed.result[0].id}`));
		expect(done.status).toBe('done');
		expect((await transcripts(done.id as string)).result.length).toBeGreaterThan(0);
	});

	it('a failed speech-to-text: 500, then progressing for good, and it cannot be stopped or deleted', async () => {
		s.fake.faults.set({ transcribeStuck: { count: 1 } });
		const recording = s.fake.createRecording(s.account.customerId);
		const failed = await transcribe(recording.id);
		expect(failed.status).toBe(500);
		expect(((await failed.json()) as { error: { status: string } }).error.status).toBe('INTERNAL');
		const [stuck] = s.fake.transcribesOf(recording.id);
		expect(stuck.status).toBe('progressing');
		expect((await s.get(`/v1.0/transcribes/${stuck.id}`, { method: 'DELETE' })).status).toBe(500);
		expect((await s.post(`/v1.0/transcribes/${stuck.id}/stop`)).status).toBe(500);
		s.fake.clock.advance(3600_000);
		const again = await json(await transcribe(recording.id));
		expect(again).toMatchObject({ id: stuck.id, status: 'progressing' });
	});

	it.each([
		['not a UUID', 'abc'],
		['unknown', 'e5f6a7b8-c9d0-1234-5678-90abcdef0123'],
		['missing', undefined],
	])('crashes with a bare 500 on a %s recording id', async (_label, id) => {
		const response = await s.post('/v1.0/transcribes', {
			reference_type: 'recording',
			reference_id: id,
			language: 'en-US',
		});
		expect(response.status).toBe(500);
		expect(await response.text()).toBe('');
	});

	it('crashes on a deleted recording too, and refuses another customer’s', async () => {
		const recording = s.fake.createRecording(s.account.customerId);
		s.fake.deleteRecording(recording.id);
		expect((await transcribe(recording.id)).status).toBe(500);
		const other = s.fake.createAccount();
		const theirs = s.fake.createRecording(other.customerId);
		expect((await transcribe(theirs.id)).status).toBe(403);
	});

	it('rejects a reference type it does not know', async () => {
		const response = await s.post('/v1.0/transcribes', {
			reference_type: 'confbridge',
			reference_id: 'e5f6a7b8-c9d0-1234-5678-90abcdef0123',
			language: 'en-US',
		});
		expect(response.status).toBe(400);
		expect(((await response.json()) as { error: { reason: string } }).error.reason).toBe(
			'INVALID_ARGUMENT',
		);
	});

	it('turns a language it cannot parse into en-US, silently', async () => {
		expect(normalizeLanguage('english please')).toBe('en-US');
		expect(normalizeLanguage('')).toBe('en-US');
		expect(normalizeLanguage('und')).toBe('en-US');
		expect(normalizeLanguage('zh-hant-tw')).toBe('zh-Hant-TW');
		expect(normalizeLanguage('ko')).toBe('ko');
		const recording = s.fake.createRecording(s.account.customerId);
		expect((await json(await transcribe(recording.id, 'klingon!'))).language).toBe('en-US');
	});

	it('GET /transcripts gives the newest 100 whatever the paging, and its token gives them again', async () => {
		// 400 s of a call: 67 sentences each way.
		const recording = s.fake.createRecording(s.account.customerId, { durationSeconds: 400 });
		const body = await json(await transcribe(recording.id));
		const first = await transcripts(body.id as string, { page_size: '10' });
		expect(first.result).toHaveLength(100);
		const again = await transcripts(body.id as string, { page_token: first.next_page_token });
		expect(again.result.map((t) => t.id)).toEqual(first.result.map((t) => t.id));
		// The window is the END of the conversation: the last sentence is there, the first is not.
		const offsets = first.result.map((t) => t.tm_transcript);
		const lastOffset = Math.max(
			...(['in', 'out'] as const).map((d) => sentencesOf(d, 400).at(-1)!.offset),
		);
		expect(offsets[0]).toBe(formatOffsetTime(lastOffset));
		expect(offsets).not.toContain('0001-01-01T00:00:00.4Z');
	});

	it('GET /transcripts: 400 without transcribe_id, 404 for an unknown or malformed one', async () => {
		expect((await s.get('/v1.0/transcripts')).status).toBe(400);
		const unknown = await s.get('/v1.0/transcripts', { query: { transcribe_id: 'nope' } });
		expect(unknown.status).toBe(404);
		expect(((await unknown.json()) as { error: { reason: string } }).error.reason).toBe(
			'TRANSCRIBE_NOT_FOUND',
		);
	});

	it('GET /transcribes filters by reference only with both fields, and pages newest first', async () => {
		const recording = s.fake.createRecording(s.account.customerId);
		for (const language of ['en-US', 'de-DE', 'ja-JP']) await transcribe(recording.id, language);
		const half = await s.get('/v1.0/transcribes', { query: { reference_type: 'recording' } });
		expect(half.status).toBe(400);
		expect(((await half.json()) as { error: { reason: string } }).error.reason).toBe(
			'INVALID_REFERENCE_FILTER',
		);
		const query = { reference_type: 'recording', reference_id: recording.id, page_size: '2' };
		const page = (await (await s.get('/v1.0/transcribes', { query })).json()) as {
			result: Record<string, string>[];
			next_page_token: string;
		};
		expect(page.result.map((t) => t.language)).toEqual(['ja-JP', 'de-DE']);
		const next = (await (
			await s.get('/v1.0/transcribes', { query: { ...query, page_token: page.next_page_token } })
		).json()) as { result: Record<string, string>[] };
		expect(next.result.map((t) => t.language)).toEqual(['en-US']);
		const bad = await s.get('/v1.0/transcribes', {
			query: { reference_type: 'recording', reference_id: 'x' },
		});
		expect(bad.status).toBe(400);
	});

	it('GET /transcribes/{id}: 400 for a non-UUID, 404 TRANSCRIBE_NOT_FOUND when unknown', async () => {
		expect((await s.get('/v1.0/transcribes/abc')).status).toBe(400);
		const unknown = await s.get('/v1.0/transcribes/e5f6a7b8-c9d0-1234-5678-90abcdef0123');
		expect(unknown.status).toBe(404);
	});
});
