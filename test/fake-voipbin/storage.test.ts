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
		expect(response.headers.get('transfer-encoding')).toBe('chunked');
		const entries = readZip(Buffer.from(await response.arrayBuffer()));
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
