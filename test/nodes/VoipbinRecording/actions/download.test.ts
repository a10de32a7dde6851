/**
 * Download, every output mode, through n8n's real ExecuteContext and its filesystem binary-data
 * store, against the fake VoIPBIN (a 307 to a storage host that rejects any credential).
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { VoipbinRecording } from '../../../../nodes/VoipbinRecording/VoipbinRecording.node';
import { expectedSample } from '../../../fake-voipbin/audio';
import { startFakeVoipbin } from '../../../fake-voipbin';
import type { FakeAccount, FakeVoipbin } from '../../../fake-voipbin';
import {
	accessKeyCredential,
	executeContext,
	readBinary,
	runNode,
	useFilesystemBinaryData,
} from '../../../helpers/n8n';
import type { StoredCredential } from '../../../helpers/n8n';

const node = new VoipbinRecording();
let fake: FakeVoipbin;
let account: FakeAccount;
let credential: StoredCredential;
let store: string;

beforeAll(async () => {
	store = await useFilesystemBinaryData();
	fake = await startFakeVoipbin({ filesDelayMs: 3000 });
	account = fake.createAccount({ accessKey: 'download-key-0042' });
	credential = accessKeyCredential(fake.baseUrl, account.accessKey);
	fake.faults.set({ rateLimit: 'off' });
});
afterAll(async () => await fake.close());
beforeEach(() => {
	fake.faults.reset();
	fake.faults.set({ rateLimit: 'off' });
	fake.resetRequests();
});

const download = async (
	recordingId: string,
	parameters: Record<string, unknown> = {},
	continueOnFail = false,
) =>
	(
		await runNode(
			node,
			{ operation: 'download', recordingId, ...parameters },
			{ credential, continueOnFail },
		)
	)[0];

function wavInfo(wav: Buffer) {
	expect(wav.subarray(0, 4).toString()).toBe('RIFF');
	expect(wav.subarray(8, 12).toString()).toBe('WAVE');
	return {
		channels: wav.readUInt16LE(22),
		sampleRate: wav.readUInt32LE(24),
		bits: wav.readUInt16LE(34),
		dataBytes: wav.readUInt32LE(40),
		riffSize: wav.readUInt32LE(4),
	};
}

const clip = (v: number) => Math.max(-32768, Math.min(32767, v));

describe('a call recording', () => {
	let id: string;
	beforeAll(() => {
		id = fake.createRecording(account.customerId, { durationSeconds: 2 }).id;
	});

	it('mono mix (default): one WAV, both directions summed with clipping protection', async () => {
		const [item] = await download(id);
		const binary = item.binary!.data;
		expect(binary).toMatchObject({ mimeType: 'audio/wav', fileExtension: 'wav' });
		expect(binary.fileName).toMatch(new RegExp(`^recording_\\d{8}T\\d{6}Z_${id}\\.wav$`));
		expect(binary.id).toMatch(/^filesystem-v2:/);
		const wav = await readBinary(binary);
		expect(wavInfo(wav)).toEqual({
			channels: 1,
			sampleRate: 8000,
			bits: 16,
			dataBytes: 32000,
			riffSize: 32036,
		});
		for (const i of [0, 1, 999, 8000, 15999]) {
			expect(wav.readInt16LE(44 + 2 * i)).toBe(
				clip(expectedSample(id, 'in', i) + expectedSample(id, 'out', i)),
			);
		}
		expect(item.json).toMatchObject({
			id,
			status: 'ended',
			audio: { part: 'mix', missingDirections: [] },
		});
	});

	it('stereo: in on the left, out on the right', async () => {
		const [item] = await download(id, { outputAs: 'stereo' });
		const wav = await readBinary(item.binary!.data);
		expect(wavInfo(wav)).toMatchObject({ channels: 2, dataBytes: 64000 });
		expect(item.binary!.data.fileName).toMatch(/_stereo\.wav$/);
		for (const i of [0, 7, 15999]) {
			expect(wav.readInt16LE(44 + 4 * i)).toBe(expectedSample(id, 'in', i));
			expect(wav.readInt16LE(46 + 4 * i)).toBe(expectedSample(id, 'out', i));
		}
	});

	it('separate: one item per direction, each its own WAV', async () => {
		const items = await download(id, { outputAs: 'separate', binaryPropertyName: 'audio' });
		expect(items.map((i) => i.json.audio)).toMatchObject([{ part: 'in' }, { part: 'out' }]);
		expect(items.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 0 }]);
		for (const [index, direction] of (['in', 'out'] as const).entries()) {
			const binary = items[index].binary!.audio;
			expect(binary.fileName).toMatch(new RegExp(`_${direction}\\.wav$`));
			const wav = await readBinary(binary);
			expect(wavInfo(wav)).toMatchObject({ channels: 1, dataBytes: 32000 });
			expect(wav.readInt16LE(44 + 2 * 123)).toBe(expectedSample(id, direction, 123));
		}
	});

	it('original ZIP: the bytes as served', async () => {
		const [item] = await download(id, { outputAs: 'zip' });
		const binary = item.binary!.data;
		expect(binary).toMatchObject({ mimeType: 'application/zip' });
		const zip = await readBinary(binary);
		expect(zip.readUInt32LE(0)).toBe(0x04034b50);
		expect(zip.includes(Buffer.from('_in.wav'))).toBe(true);
		expect(zip.includes(Buffer.from('_out.wav'))).toBe(true);
	});

	it('fetches the signed URL without any credential (the storage host rejects them)', async () => {
		await download(id);
		const storage = fake.requests.filter((r) => r.host === 'storage');
		expect(storage.length).toBeGreaterThan(0);
		for (const request of storage) {
			expect([200, 206]).toContain(request.status);
			expect(request.query.accesskey).toBeUndefined();
			expect(request.query.token).toBeUndefined();
			expect(request.headers.authorization).toBeUndefined();
		}
	});

	it('keeps input binaries and refuses to overwrite one', async () => {
		const input = {
			json: {},
			binary: { data: { data: Buffer.from('x').toString('base64'), mimeType: 'text/plain' } },
		};
		const [kept] = (
			await runNode(
				node,
				{ operation: 'download', recordingId: id, binaryPropertyName: 'audio' },
				{ credential, items: [input] },
			)
		)[0];
		expect(Object.keys(kept.binary!).sort()).toEqual(['audio', 'data']);
		await expect(
			runNode(node, { operation: 'download', recordingId: id }, { credential, items: [input] }),
		).rejects.toThrow('The input item already has a binary field "data"');
	});
});

describe('a conference recording', () => {
	it.each(['monoMix', 'stereo', 'separate'])('gives its one WAV in %s mode', async (outputAs) => {
		const id = fake.createRecording(account.customerId, {
			referenceType: 'confbridge',
			durationSeconds: 1,
		}).id;
		const items = await download(id, { outputAs });
		expect(items).toHaveLength(1);
		const wav = await readBinary(items[0].binary!.data);
		expect(wavInfo(wav)).toMatchObject({ channels: 1, dataBytes: 16000 });
		expect(wav.readInt16LE(44 + 2 * 500)).toBe(expectedSample(id, 'conference', 500));
	});
});

describe('readiness: never hands over an incomplete file', () => {
	it('waits while the ZIP is empty after "ended", then returns the audio', async () => {
		const id = fake.createRecording(account.customerId, {
			durationSeconds: 1,
			filesReady: false,
		}).id;
		const [item] = await download(id);
		expect((item.json.audio as { attempts: number }).attempts).toBeGreaterThan(1);
		expect(wavInfo(await readBinary(item.binary!.data)).dataBytes).toBe(16000);
	});

	it.each([
		['a truncated ZIP', { truncateAt: 3000 }],
		['a ZIP cut by a dropped connection', { truncateAt: 3000, truncateMode: 'destroy' as const }],
		['a WAV whose header does not match its data', { corruptWavHeader: true }],
		['a call with one direction', { onlyDirection: 'in' as const }],
		['an empty ZIP', { emptyZip: true }],
	])('retries %s and succeeds once the file is whole', async (_, storage) => {
		const id = fake.createRecording(account.customerId, { durationSeconds: 1 }).id;
		// The first attempt's link (a bad ZIP object), or its first storage response, gets the fault.
		fake.faults.set({ storage: { ...storage, count: 1 } });
		const [item] = await download(id);
		expect((item.json.audio as { attempts: number }).attempts).toBe(2);
		expect(wavInfo(await readBinary(item.binary!.data)).dataBytes).toBe(16000);
	});

	it.each([
		['a truncated ZIP', { truncateAt: 3000 }, 'zip'],
		['a corrupt WAV', { corruptWavHeader: true }, 'monoMix'],
		['a corrupt WAV', { corruptWavHeader: true }, 'zip'],
		['a missing direction', { onlyDirection: 'out' as const }, 'separate'],
	])('fails clearly on %s that never gets better (%s)', async (_, storage, outputAs) => {
		const id = fake.createRecording(account.customerId, { durationSeconds: 1 }).id;
		fake.faults.set({ storage });
		await expect(
			download(id, { outputAs, downloadOptions: { maxWaitSeconds: 3 } }),
		).rejects.toThrow(`The audio of recording ${id} is not ready`);
	});

	it('accepts a call with one direction when asked, and says which is missing', async () => {
		const id = fake.createRecording(account.customerId, {
			durationSeconds: 1,
			directions: ['out'],
		}).id;
		const [item] = await download(id, {
			downloadOptions: { allowMissingDirection: true, maxWaitSeconds: 3 },
		});
		expect(item.json.audio).toMatchObject({ part: 'out', missingDirections: ['in'] });
		const wav = await readBinary(item.binary!.data);
		expect(wav.readInt16LE(44 + 2 * 10)).toBe(expectedSample(id, 'out', 10));
	});

	it('refuses a recording that has not ended, or waits for it when asked', async () => {
		const id = fake.createRecording(account.customerId, {
			status: 'recording',
			durationSeconds: 1,
		}).id;
		await expect(download(id)).rejects.toThrow(
			`Recording ${id} has not ended yet (status: recording)`,
		);
		const waiting = download(id, { downloadOptions: { waitForEnd: true, maxWaitSeconds: 30 } });
		await new Promise((resolve) => setTimeout(resolve, 500));
		fake.setStatus(id, 'ended');
		const [item] = await waiting;
		expect(item.json.status).toBe('ended');
	});

	it('waits out a 429 on /recordingfiles', async () => {
		const id = fake.createRecording(account.customerId, { durationSeconds: 1 }).id;
		fake.faults.set({ status429: { count: 2, retryAfterSeconds: 1 } });
		const [item] = await download(id);
		expect(item.binary!.data.mimeType).toBe('audio/wav');
	});

	it('keeps the access key out of errors and error items', async () => {
		const id = fake.createRecording(account.customerId, { durationSeconds: 1 }).id;
		fake.faults.set({ storage: { truncateAt: 100 } });
		const [item] = await download(id, { downloadOptions: { maxWaitSeconds: 1 } }, true);
		expect(item.json.error).toMatch(/not ready/);
		expect(JSON.stringify(item)).not.toContain(account.accessKey);
		expect(JSON.stringify(item)).not.toMatch(/Signature=[^*]/i);
	});
});

const FILE_ROUTE = 'GET /v1.0/recordingfiles/{id}';
const attemptsOf = (item: { json: Record<string, unknown> }) =>
	(item.json.audio as { attempts: number }).attempts;

describe('reading the ZIP by byte ranges', () => {
	let id: string;
	let zipBytes: number;
	beforeAll(async () => {
		fake.faults.reset();
		fake.faults.set({ rateLimit: 'off' });
		id = fake.createRecording(account.customerId, { durationSeconds: 20 }).id;
		const [item] = await download(id, { outputAs: 'zip' });
		zipBytes = item.binary!.data.bytes as number;
	});

	it.each(['monoMix', 'stereo', 'separate'])(
		'%s: the directory first with one small ranged request, then each entry once, both at once',
		async (outputAs) => {
			await download(id, { outputAs });
			const storage = fake.requests.filter((r) => r.host === 'storage');
			expect(storage.map((r) => r.status)).toEqual([206, 206, 206]);
			const [tail, ...entries] = storage.map((r) => r.headers.range);
			expect(tail).toBe('bytes=-16384');
			// The entries' ranges cover the ZIP from its start to the directory, each byte once.
			const ranges = entries
				.map((range) => /^bytes=(\d+)-(\d+)$/.exec(range)!.slice(1).map(Number))
				.sort((a, b) => a[0] - b[0]);
			expect(ranges[0][0]).toBe(0);
			expect(ranges[1][0]).toBe(ranges[0][1] + 1);
			expect(ranges[1][1]).toBeLessThan(zipBytes - 22);
			expect(ranges[1][1]).toBeGreaterThan(zipBytes - 400);
		},
	);

	it('the original ZIP stays one plain GET', async () => {
		await download(id, { outputAs: 'zip' });
		const storage = fake.requests.filter((r) => r.host === 'storage');
		expect(storage.map((r) => [r.status, r.headers.range])).toEqual([[200, undefined]]);
	});

	it('falls back to the whole ZIP, in every mode, when the storage ignores Range', async () => {
		const short = fake.createRecording(account.customerId, { durationSeconds: 2 }).id;
		fake.faults.set({ storage: { ignoreRange: true } });
		const [mix] = await download(short);
		const mixed = await readBinary(mix.binary!.data);
		expect(wavInfo(mixed).dataBytes).toBe(32000);
		for (const i of [0, 5000, 15999]) {
			expect(mixed.readInt16LE(44 + 2 * i)).toBe(
				clip(expectedSample(short, 'in', i) + expectedSample(short, 'out', i)),
			);
		}
		const [stereo] = await download(short, { outputAs: 'stereo' });
		const both = await readBinary(stereo.binary!.data);
		expect(both.readInt16LE(44 + 4 * 777)).toBe(expectedSample(short, 'in', 777));
		expect(both.readInt16LE(46 + 4 * 777)).toBe(expectedSample(short, 'out', 777));
		const separate = await download(short, { outputAs: 'separate' });
		expect(separate.map((item) => item.json.audio)).toMatchObject([
			{ part: 'in' },
			{ part: 'out' },
		]);
		const out = await readBinary(separate[1].binary!.data);
		expect(out.readInt16LE(44 + 2 * 999)).toBe(expectedSample(short, 'out', 999));
		const storage = fake.requests.filter((r) => r.host === 'storage');
		expect(storage.length).toBeGreaterThan(3);
		expect(storage.every((r) => r.status === 200)).toBe(true);
	});

	it('asks for the recording and its file link at the same time', async () => {
		fake.faults.set({ delayMs: 300 });
		await download(id, { outputAs: 'separate' });
		const [first, second] = fake.requests.filter((r) => r.host === 'api');
		expect([first.route, second.route].sort()).toEqual([FILE_ROUTE, 'GET /v1.0/recordings/{id}']);
		// One after the other they would arrive at least the 300 ms delay apart.
		expect(Math.abs(second.time - first.time)).toBeLessThan(150);
	});
});

describe('faults of the storage and the file link', () => {
	/** Files (data and metadata) in n8n's filesystem binary store. */
	const storedFiles = () =>
		(readdirSync(store, { recursive: true }) as string[]).filter((path) =>
			statSync(join(store, path)).isFile(),
		).length;

	it.each([
		['an original ZIP lacking a direction', 'zip', { onlyDirection: 'in' as const }],
		['separate WAVs lacking a direction', 'separate', { onlyDirection: 'in' as const }],
		[
			'separate WAVs lacking a direction, from a storage without Range',
			'separate',
			{ onlyDirection: 'in' as const, ignoreRange: true },
		],
		['a truncated original ZIP', 'zip', { truncateAt: 20000 }],
	])('a failed attempt leaves no binary file behind: %s', async (_, outputAs, storage) => {
		const id = fake.createRecording(account.customerId, { durationSeconds: 2 }).id;
		let before = storedFiles();
		const [clean] = await download(id, { outputAs });
		const perDownload = storedFiles() - before;
		expect(attemptsOf(clean)).toBe(1);

		fake.faults.set({ storage: { ...storage, count: 1 } });
		before = storedFiles();
		const [retried] = await download(id, { outputAs });
		expect(attemptsOf(retried)).toBe(2);
		expect(storedFiles() - before).toBe(perDownload);
	});

	it.each(['monoMix', 'zip'])(
		'%s: aborts a storage body that stops sending and tries again',
		async (outputAs) => {
			const id = fake.createRecording(account.customerId, { durationSeconds: 2 }).id;
			fake.faults.set({ storage: { stallAfter: 1000, count: 1 } });
			const [item] = await download(id, {
				outputAs,
				downloadOptions: { stallTimeoutSeconds: 1 },
			});
			expect(attemptsOf(item)).toBe(2);
			expect(fake.requests.some((r) => r.note === 'STALLED')).toBe(true);
		},
		20_000,
	);

	it('retries a 500 from /recordingfiles within the wait', async () => {
		const id = fake.createRecording(account.customerId, { durationSeconds: 1 }).id;
		fake.faults.set({ status5xx: { count: 1, status: 500, route: FILE_ROUTE } });
		const [item] = await download(id);
		expect(attemptsOf(item)).toBe(2);
		expect(wavInfo(await readBinary(item.binary!.data)).dataBytes).toBe(16000);
	});

	it('says so when /recordingfiles keeps answering 500 until the wait is over', async () => {
		const id = fake.createRecording(account.customerId, { durationSeconds: 1 }).id;
		fake.faults.set({ status5xx: { count: 100, status: 500, route: FILE_ROUTE } });
		await expect(download(id, { downloadOptions: { maxWaitSeconds: 3 } })).rejects.toThrow(
			`The audio of recording ${id} is not ready: VoIPBIN answered 500`,
		);
		expect(fake.requests.filter((r) => r.route === FILE_ROUTE).length).toBeGreaterThan(1);
	});

	it.each([
		['missing', 'answered 307 without a Location header'],
		['relative', 'redirected to a relative or malformed address'],
		['not-http', 'redirected to a ftp: address'],
	] as const)('a %s Location is a clear error at once', async (kind, message) => {
		const id = fake.createRecording(account.customerId, { durationSeconds: 1 }).id;
		fake.faults.set({ fileLocation: { count: 100, kind } });
		await expect(download(id, { downloadOptions: { maxWaitSeconds: 30 } })).rejects.toThrow(
			`VoIPBIN ${message} for the file of recording ${id}`,
		);
		expect(fake.requests.filter((r) => r.route === FILE_ROUTE)).toHaveLength(1);
		expect(fake.requests.filter((r) => r.host === 'storage')).toHaveLength(0);
	});

	it('applies Max Wait once to waiting for the end and for the files together', async () => {
		const id = fake.createRecording(account.customerId, {
			status: 'recording',
			durationSeconds: 1,
		}).id;
		fake.faults.set({ storage: { emptyZip: true } });
		const started = Date.now();
		const waiting = download(id, { downloadOptions: { waitForEnd: true, maxWaitSeconds: 4 } });
		setTimeout(() => fake.setStatus(id, 'ended'), 2000);
		await expect(waiting).rejects.toThrow(`The audio of recording ${id} is not ready`);
		// It ends where the 4 s limit ends (a last attempt may run past it), not 4 s after the end.
		expect(Date.now() - started).toBeLessThan(5500);
	});
});

describe('cancelling the execution', () => {
	/** A download whose execution is cancelled `afterMs` after it started; resolves with how long it ran. */
	async function cancelledAfter(afterMs: number, parameters: Record<string, unknown>) {
		const cancel = new AbortController();
		const ctx = executeContext(node, { operation: 'download', ...parameters }, { credential });
		// n8n hands a node the execution's cancel signal through this method.
		Object.assign(ctx, { getExecutionCancelSignal: () => cancel.signal });
		const started = Date.now();
		setTimeout(() => cancel.abort(), afterMs);
		await expect(node.execute!.call(ctx)).rejects.toThrow('was cancelled');
		return Date.now() - started - afterMs;
	}

	it('stops waiting between attempts at once', async () => {
		const id = fake.createRecording(account.customerId, { durationSeconds: 1 }).id;
		fake.faults.set({ storage: { emptyZip: true } });
		expect(await cancelledAfter(500, { recordingId: id })).toBeLessThan(1000);
	});

	it('stops a transfer at once', async () => {
		const id = fake.createRecording(account.customerId, { durationSeconds: 1 }).id;
		fake.faults.set({ storage: { stallAfter: 100 } });
		expect(await cancelledAfter(500, { recordingId: id, outputAs: 'zip' })).toBeLessThan(1000);
	});
});

describe('a long recording', () => {
	it('streams 30 minutes into the filesystem store with bounded memory', async () => {
		const id = fake.createRecording(account.customerId, { durationSeconds: 30 * 60 }).id;
		global.gc?.();
		const before = process.memoryUsage().rss;
		let peak = before;
		const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
		try {
			const [item] = await download(id, { outputAs: 'stereo' });
			const wav = item.binary!.data;
			expect(wav.bytes).toBe(44 + 30 * 60 * 8000 * 2 * 2);
		} finally {
			clearInterval(timer);
		}
		// 57.6 MB of audio per direction went through; memory must not hold it.
		expect(peak - before).toBeLessThan(64 * 1024 * 1024);
	}, 120_000);
});
