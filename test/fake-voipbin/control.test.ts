import { readZip, setup, START, type Setup } from './testing';

/** The `/_fake` routes that out-of-process users (demo, e2e, benchmarks) drive the fake with. */
describe('fake VoIPBIN control routes', () => {
	let s: Setup;
	beforeEach(async () => {
		s = await setup();
	});
	afterEach(() => s.fake.close());

	async function control(method: string, path: string, body?: unknown): Promise<any> {
		const response = await fetch(`${s.fake.baseUrl}/_fake${path}`, {
			method,
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		expect(response.status).toBe(200);
		return response.json();
	}

	it('shows a recording’s transcribes, and sets the transcription faults', async () => {
		const recording = s.fake.createRecording(s.account.customerId);
		expect(await control('GET', `/recordings/${recording.id}/transcribes`)).toEqual({
			transcribes: [],
		});
		const faults = await control('POST', '/faults', {
			rateLimit: 'off',
			transcribeDelayMs: 0,
			transcribeStuck: { count: 1 },
		});
		expect(faults).toMatchObject({ transcribeDelayMs: 0, transcribeStuck: { count: 1 } });
		await s.post('/v1.0/transcribes', {
			reference_type: 'recording',
			reference_id: recording.id,
			language: 'en-US',
		});
		const { transcribes } = await control('GET', `/recordings/${recording.id}/transcribes`);
		expect(transcribes).toMatchObject([{ reference_id: recording.id, status: 'progressing' }]);
	});

	it('drives accounts, calls, recordings, the clock, faults and the request log over HTTP', async () => {
		const account = await control('POST', '/accounts', {
			accessKey: 'k-1',
			username: 'u',
			password: 'p',
		});
		expect(account).toMatchObject({ accessKey: 'k-1', username: 'u', permission: 'CustomerAdmin' });
		const { customerId } = account;
		const seeded = await control('POST', '/recordings/seed', {
			customerId,
			count: 3,
			durationSeconds: 1,
		});
		expect(seeded.recordings).toHaveLength(3);
		const created = await control('POST', '/recordings', { customerId, status: 'recording' });
		expect(created.status).toBe('recording');
		const ended = await control('POST', `/recordings/${created.id}/status`, { status: 'ended' });
		expect(ended.status).toBe('ended');
		expect(
			(await control('DELETE', `/recordings/${seeded.recordings[0].id}`)).tm_delete,
		).toBeDefined();

		const call = await control('POST', '/calls', { customerId });
		const conference = await control('POST', '/conferences', { customerId });
		expect(conference.confbridgeId).toMatch(/^[0-9a-f-]{36}$/);
		const start = await fetch(
			`${s.fake.baseUrl}/v1.0/calls/${call.id}/recording_start?accesskey=k-1`,
			{
				method: 'POST',
				body: JSON.stringify({ format: 'wav', duration: 2 }),
			},
		);
		expect(start.status).toBe(200);

		expect(await control('POST', '/clock/advance', { ms: 5000 })).toEqual({ now: START + 5000 });
		const page = await fetch(`${s.fake.baseUrl}/v1.0/recordings?accesskey=k-1`);
		const { result } = (await page.json()) as { result: Array<{ status: string }> };
		expect(result.map((recording) => recording.status)).toEqual([
			'ended',
			'ended',
			'ended',
			'ended',
		]);

		await control('POST', '/faults', { status429: { count: 1 } });
		expect((await control('GET', '/faults')).status429).toEqual({ count: 1 });
		expect((await fetch(`${s.fake.baseUrl}/v1.0/recordings?accesskey=k-1`)).status).toBe(429);
		await control('POST', '/faults/reset');

		const { requests } = await control('GET', '/requests');
		expect(requests.map((entry: { route: string }) => entry.route)).toEqual([
			'POST /v1.0/calls/{id}/recording_start',
			'GET /v1.0/recordings',
			'GET /v1.0/recordings',
		]);
		expect(requests[0].query).toEqual({ accesskey: '***' });
		const stats = await control('GET', '/stats');
		expect(stats).toMatchObject({ api: 3, storage: 0, byStatus: { 200: 2, 429: 1 } });
		await control('POST', '/requests/reset');
		expect((await control('GET', '/requests')).requests).toEqual([]);
	});

	it('says what is wrong with a bad control request', async () => {
		const response = await fetch(`${s.fake.baseUrl}/_fake/recordings/seed`, {
			method: 'POST',
			body: JSON.stringify({ customerId: 'nobody', count: 1 }),
		});
		expect(response.status).toBe(400);
		const body = (await response.json()) as { error: { message: string } };
		expect(body.error.message).toMatch(/No fake account/);
	});

	it('lets a recording be seeded over HTTP and downloaded', async () => {
		const account = await control('POST', '/accounts', {});
		const { recordings } = await control('POST', '/recordings/seed', {
			customerId: account.customerId,
			count: 1,
			referenceType: 'confbridge',
			durationSeconds: 1,
		});
		const redirect = await fetch(
			`${s.fake.baseUrl}/v1.0/recordingfiles/${recordings[0].id}?accesskey=${account.accessKey}`,
			{ redirect: 'manual' },
		);
		const zip = await fetch(redirect.headers.get('location') as string);
		expect(readZip(Buffer.from(await zip.arrayBuffer())).map((entry) => entry.name)).toEqual([
			expect.stringMatching(/^confbridge_.*_in\.wav$/),
		]);
	});
});
