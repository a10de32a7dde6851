import { expectedSample } from './audio';
import { readZip, setup, zipOf, type Setup } from './testing';

describe('fake VoIPBIN recording files and the storage host', () => {
	let s: Setup;
	beforeEach(async () => {
		s = await setup();
	});
	afterEach(() => s.fake.close());

	async function signedUrl(recordingId: string): Promise<string> {
		const response = await s.get(`/v1.0/recordingfiles/${recordingId}`);
		expect(response.status).toBe(307);
		const location = response.headers.get('location') as string;
		expect(await response.json()).toBe(location);
		return location;
	}

	it('redirects to a signed URL on the storage host, valid 24 hours', async () => {
		const [recording] = s.fake.seedRecordings(s.account.customerId, 1);
		const url = new URL(await signedUrl(recording.id));
		expect(url.origin).toBe(s.fake.storageUrl);
		expect(url.searchParams.get('X-Goog-Expires')).toBe('86400');
		expect(url.searchParams.get('X-Goog-Date')).toBe('20260115T093000Z');
		expect(url.searchParams.get('X-Goog-Signature')).toMatch(/^[0-9a-f]{64}$/);
		expect(url.searchParams.has('accesskey')).toBe(false);

		s.fake.clock.advance(24 * 3600 * 1000);
		expect((await fetch(url)).status).toBe(200);
		s.fake.clock.advance(1000);
		const expired = await fetch(url);
		expect(expired.status).toBe(400);
		expect(await expired.text()).toContain('<Code>ExpiredToken</Code>');
	});

	it('refuses a bad or tampered signature', async () => {
		const [recording] = s.fake.seedRecordings(s.account.customerId, 1);
		const url = new URL(await signedUrl(recording.id));
		url.searchParams.set('X-Goog-Expires', '604800');
		const tampered = await fetch(url);
		expect(tampered.status).toBe(403);
		expect(await tampered.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
		url.searchParams.delete('X-Goog-Signature');
		expect((await fetch(url)).status).toBe(403);
	});

	it('rejects and records any request that carries VoIPBIN credentials', async () => {
		const [recording] = s.fake.seedRecordings(s.account.customerId, 1);
		const url = await signedUrl(recording.id);
		s.fake.resetRequests();
		const attempts: Array<[string, RequestInit]> = [
			[`${url}&accesskey=${s.account.accessKey}`, {}],
			[`${url}&token=abc`, {}],
			[url, { headers: { authorization: 'Bearer abc' } }],
			[url, { headers: { cookie: `accesskey=${s.account.accessKey}` } }],
		];
		for (const [target, init] of attempts) {
			const response = await fetch(target, init);
			expect(response.status).toBe(403);
			expect(await response.text()).toContain('<Code>AccessDenied</Code>');
		}
		expect(s.fake.requests.map((entry) => [entry.host, entry.status, entry.note])).toEqual(
			attempts.map(() => ['storage', 403, 'CREDENTIALS_SENT_TO_STORAGE']),
		);
		expect(s.fake.requests[0].query.accesskey).toBe('***');
		expect(s.fake.requests[2].headers.authorization).toBe('Bearer ***');
		expect(s.fake.requests[3].headers.cookie).toBe('accesskey=***');
		expect(JSON.stringify(s.fake.requests)).not.toContain(s.account.accessKey);
		expect((await fetch(url)).status).toBe(200);
	});

	it('streams a Go-style ZIP of deterministic WAVs, out first', async () => {
		const recording = s.fake.createRecording(s.account.customerId, { durationSeconds: 3 });
		const response = await fetch(await signedUrl(recording.id));
		expect(response.headers.get('content-type')).toBe('application/zip');
		const zip = Buffer.from(await response.arrayBuffer());
		expect(response.headers.get('content-length')).toBe(String(zip.length));
		const entries = readZip(zip);
		expect(entries.map((entry) => entry.name.replace(/^.*_/, ''))).toEqual(['out.wav', 'in.wav']);
		for (const entry of entries) {
			expect(entry.flags & 0x8).toBe(0x8);
			const wav = entry.data;
			expect(wav.toString('latin1', 0, 4)).toBe('RIFF');
			expect(wav.readUInt32LE(24)).toBe(8000);
			expect(wav.readUInt32LE(40)).toBe(3 * 8000 * 2);
			const direction = entry.name.endsWith('_in.wav') ? 'in' : 'out';
			for (const index of [0, 1, 12345, 23999]) {
				expect(wav.readInt16LE(44 + 2 * index)).toBe(
					expectedSample(recording.id, direction, index),
				);
			}
		}
	});

	it('serves a ZIP built once per set of files and kept, with byte ranges as GCS does', async () => {
		const recording = s.fake.createRecording(s.account.customerId, { durationSeconds: 2 });
		const first = await signedUrl(recording.id);
		const whole = Buffer.from(await (await fetch(first)).arrayBuffer());
		// Another link to the same files: the same stored object, byte for byte.
		const second = await signedUrl(recording.id);
		expect(new URL(second).pathname).toBe(new URL(first).pathname);
		expect(Buffer.from(await (await fetch(second)).arrayBuffer())).toEqual(whole);

		const ranged = async (range: string) => {
			const response = await fetch(first, { headers: { range } });
			return {
				status: response.status,
				contentRange: response.headers.get('content-range'),
				body: Buffer.from(await response.arrayBuffer()),
			};
		};
		const size = whole.length;
		expect(await ranged('bytes=10-109')).toEqual({
			status: 206,
			contentRange: `bytes 10-109/${size}`,
			body: whole.subarray(10, 110),
		});
		expect(await ranged('bytes=-22')).toEqual({
			status: 206,
			contentRange: `bytes ${size - 22}-${size - 1}/${size}`,
			body: whole.subarray(size - 22),
		});
		expect(await ranged(`bytes=${size - 5}-`)).toMatchObject({
			status: 206,
			body: whole.subarray(size - 5),
		});
		// A suffix longer than the object is the whole object; a start past its end is unsatisfiable.
		expect(await ranged(`bytes=-${size + 100}`)).toMatchObject({ status: 206, body: whole });
		expect(await ranged(`bytes=${size}-`)).toMatchObject({
			status: 416,
			contentRange: `bytes */${size}`,
		});
		expect(await ranged('bytes=-0')).toMatchObject({ status: 416 });
		expect(await ranged('items=0-5')).toMatchObject({ status: 200, body: whole });
	});

	it('can ignore Range, stall a body, and limit the link to a rate', async () => {
		const recording = s.fake.createRecording(s.account.customerId, { durationSeconds: 10 });
		const url = await signedUrl(recording.id);
		const whole = Buffer.from(await (await fetch(url)).arrayBuffer());

		s.fake.faults.set({ storage: { ignoreRange: true, count: 1 } });
		const ignored = await fetch(url, { headers: { range: 'bytes=0-9' } });
		expect(ignored.status).toBe(200);
		expect(Buffer.from(await ignored.arrayBuffer())).toEqual(whole);
		expect((await fetch(url, { headers: { range: 'bytes=0-9' } })).status).toBe(206);

		s.fake.faults.set({ storage: { stallAfter: 1000, count: 1 } });
		const stalled = await fetch(url);
		const reader = stalled.body!.getReader();
		let received = 0;
		const timeout = new Promise<'stalled'>((resolve) => setTimeout(() => resolve('stalled'), 500));
		for (;;) {
			const next = await Promise.race([reader.read(), timeout]);
			if (next === 'stalled' || next.done) {
				expect(next).toBe('stalled');
				break;
			}
			received += next.value.length;
		}
		expect(received).toBe(1000);
		await reader.cancel();

		s.fake.faults.set({ storageBytesPerSecond: whole.length * 4 });
		const started = Date.now();
		const [a, b] = await Promise.all(
			[fetch(url), fetch(url)].map(async (r) => (await r).arrayBuffer()),
		);
		expect(Buffer.from(a)).toEqual(whole);
		expect(Buffer.from(b)).toEqual(whole);
		// Two bodies share the link: half a second at four bodies per second.
		expect(Date.now() - started).toBeGreaterThanOrEqual(450);
	});

	it('fills a conference file with the conference audio', async () => {
		const recording = s.fake.createRecording(s.account.customerId, {
			referenceType: 'confbridge',
			durationSeconds: 1,
		});
		const [entry] = await zipOf(s, recording.id);
		expect(entry.name).toMatch(new RegExp(`^confbridge_${recording.referenceId}_.*_in\\.wav$`));
		expect(entry.data.readInt16LE(44 + 200)).toBe(expectedSample(recording.id, 'conference', 100));
	});

	it('keeps serving the ZIP a URL was made for, like the real cache', async () => {
		const recording = s.fake.createRecording(s.account.customerId, { filesReady: false });
		s.fake.clock.advance(2000);
		const partialUrl = await signedUrl(recording.id);
		s.fake.clock.advance(1000);
		const fullUrl = await signedUrl(recording.id);
		expect(fullUrl).not.toBe(partialUrl);
		const partial = readZip(Buffer.from(await (await fetch(partialUrl)).arrayBuffer()));
		expect(partial.map((entry) => entry.name)).toEqual([expect.stringMatching(/_in\.wav$/)]);
		expect(readZip(Buffer.from(await (await fetch(fullUrl)).arrayBuffer()))).toHaveLength(2);
	});
});
