import { readZip, setup, type Setup } from './testing';

describe('fake VoIPBIN faults', () => {
	let s: Setup;
	beforeEach(async () => {
		s = await setup();
	});
	afterEach(() => s.fake.close());

	const list = () => s.get('/v1.0/recordings', { query: { page_size: '1' } });

	it('rate-limits each customer at a burst of 33 with Retry-After, unless switched off', async () => {
		const started = performance.now();
		const responses = await Promise.all(Array.from({ length: 60 }, () => list()));
		const seconds = (performance.now() - started) / 1000;
		const limited = responses.filter((response) => response.status === 429);
		// The burst, plus whatever refilled while the requests were in flight.
		expect(60 - limited.length).toBeGreaterThanOrEqual(33);
		expect(60 - limited.length).toBeLessThanOrEqual(33 + Math.ceil(seconds * 16.7));
		expect(limited.length).toBeGreaterThan(0);
		const body = (await limited[0].json()) as { error: Record<string, unknown> };
		expect(body.error).toMatchObject({
			status: 'RESOURCE_EXHAUSTED',
			reason: 'RATE_LIMIT_EXCEEDED',
			details: [{ limited_by: 'customer' }],
		});
		expect(limited[0].headers.get('retry-after')).toBe('1');
		// Another customer has its own bucket.
		const other = s.fake.createAccount();
		const theirs = await fetch(`${s.fake.baseUrl}/v1.0/recordings?accesskey=${other.accessKey}`);
		expect(theirs.status).toBe(200);
		s.fake.faults.set({ rateLimit: 'off' });
		const free = await Promise.all(Array.from({ length: 50 }, () => list()));
		expect(free.every((response) => response.status === 200)).toBe(true);
	});

	it('cuts the next N API responses off mid-body, headers and status intact', async () => {
		s.fake.faults.set({ truncateApi: { count: 1 } });
		const cut = await list();
		expect(cut.status).toBe(200);
		const declared = Number(cut.headers.get('content-length'));
		await expect(cut.text()).rejects.toThrow();
		expect(declared).toBeGreaterThan(0);
		expect(s.fake.requests.at(-1)?.note).toBe('FAULT_TRUNCATED');
		expect(s.fake.faults.get().truncateApi).toBeNull();
		expect((await list()).status).toBe(200);
	});

	it('ignores page_token when asked, always answering the first page', async () => {
		s.fake.seedRecordings(s.account.customerId, 3);
		const page = async (token?: string) =>
			(await (
				await s.get('/v1.0/recordings', {
					query: { page_size: '2', ...(token === undefined ? {} : { page_token: token }) },
				})
			).json()) as { result: Array<{ id: string }>; next_page_token: string };
		const first = await page();
		expect((await page(first.next_page_token)).result).toHaveLength(1);
		s.fake.faults.set({ ignorePageToken: true });
		expect(await page(first.next_page_token)).toEqual(first);
	});

	it('answers the next N API requests with 429 or a 5xx', async () => {
		s.fake.faults.set({ status429: { count: 2, retryAfterSeconds: 7 } });
		const first = await list();
		expect(first.status).toBe(429);
		expect(first.headers.get('retry-after')).toBe('7');
		expect(s.fake.faults.get().status429).toEqual({ count: 1, retryAfterSeconds: 7 });
		expect((await list()).status).toBe(429);
		expect((await list()).status).toBe(200);

		s.fake.faults.set({ status5xx: { count: 1, status: 500 } });
		const internal = await list();
		expect(internal.status).toBe(500);
		expect(((await internal.json()) as { error: { status: string } }).error.status).toBe(
			'INTERNAL',
		);
		s.fake.faults.set({ status5xx: { count: 1, status: 503 } });
		expect(((await (await list()).json()) as { error: { status: string } }).error.status).toBe(
			'UNAVAILABLE',
		);
		// A gateway error comes from the load balancer, not the API: HTML.
		s.fake.faults.set({ status5xx: { count: 1, status: 502 } });
		const gateway = await list();
		expect(gateway.status).toBe(502);
		expect(gateway.headers.get('content-type')).toContain('text/html');
		expect((await list()).status).toBe(200);
	});

	it('drops the connection of the next N API requests', async () => {
		s.fake.faults.set({ reset: { count: 1 } });
		await expect(list()).rejects.toThrow();
		expect((await list()).status).toBe(200);
		expect(s.fake.requests.map((entry) => entry.status)).toEqual([0, 200]);
		expect(s.fake.requests[0].note).toBe('FAULT_RESET');
	});

	it('slows responses down', async () => {
		s.fake.faults.set({ delayMs: 150 });
		const started = Date.now();
		expect((await list()).status).toBe(200);
		expect(Date.now() - started).toBeGreaterThanOrEqual(140);
	});

	it('breaks storage responses as asked, for `count` responses', async () => {
		const recording = s.fake.createRecording(s.account.customerId, { durationSeconds: 1 });
		const link = async () =>
			(await s.get(`/v1.0/recordingfiles/${recording.id}`)).headers.get('location') as string;
		const url = await link();
		const bytes = async (from = url) => Buffer.from(await (await fetch(from)).arrayBuffer());
		const full = await bytes();

		s.fake.faults.set({ storage: { truncateAt: 1000, count: 1 } });
		const truncated = await bytes();
		expect(truncated).toEqual(full.subarray(0, 1000));
		expect(await bytes()).toEqual(full);

		s.fake.faults.set({ storage: { truncateAt: 1000, truncateMode: 'destroy', count: 1 } });
		await expect(fetch(url).then((response) => response.arrayBuffer())).rejects.toThrow();
	});

	it('gives links signed while a content fault is set a bad object of their own, for `count` links', async () => {
		const recording = s.fake.createRecording(s.account.customerId, { durationSeconds: 1 });
		const link = async () =>
			(await s.get(`/v1.0/recordingfiles/${recording.id}`)).headers.get('location') as string;
		const bytes = async (url: string) => Buffer.from(await (await fetch(url)).arrayBuffer());
		const url = await link();
		const full = await bytes(url);

		s.fake.faults.set({ storage: { onlyDirection: 'in', count: 1 } });
		const partial = await link();
		expect(readZip(await bytes(partial)).map((entry) => entry.name)).toEqual([
			expect.stringMatching(/_in\.wav$/),
		]);
		// Every request to that link sees the same bad object; the next link is whole again.
		expect(await bytes(partial)).toEqual(await bytes(partial));
		expect(await bytes(url)).toEqual(full);
		expect(await bytes(await link())).toEqual(full);

		s.fake.faults.set({ storage: { corruptWavHeader: true, count: 1 } });
		const [corrupt] = readZip(await bytes(await link()));
		expect(corrupt.data.readUInt32LE(40)).toBe(corrupt.data.length - 44 + 2 * 8000);

		s.fake.faults.set({ storage: { emptyZip: true } });
		expect(await bytes(await link())).toHaveLength(22);
		expect(await bytes(await link())).toHaveLength(22);
		s.fake.faults.reset();
		expect(await bytes(await link())).toEqual(full);
	});

	it('refuses unknown or malformed fault settings', () => {
		expect(() => s.fake.faults.set({ status5xx: { count: 1, status: 418 as 500 } })).toThrow(
			/status5xx/,
		);
		expect(() => s.fake.faults.set({ nonsense: 1 } as never)).toThrow(/unknown fault/);
	});
});
