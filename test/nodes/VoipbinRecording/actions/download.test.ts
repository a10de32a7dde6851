/**
 * Download, every output mode, through n8n's real ExecuteContext and its filesystem binary-data
 * store, against the fake VoIPBIN (a 307 to a storage host that rejects any credential).
 */
import { VoipbinRecording } from '../../../../nodes/VoipbinRecording/VoipbinRecording.node';
import { expectedSample } from '../../../fake-voipbin/audio';
import { startFakeVoipbin } from '../../../fake-voipbin';
import type { FakeAccount, FakeVoipbin } from '../../../fake-voipbin';
import {
	accessKeyCredential,
	readBinary,
	runNode,
	useFilesystemBinaryData,
} from '../../../helpers/n8n';
import type { StoredCredential } from '../../../helpers/n8n';

const node = new VoipbinRecording();
let fake: FakeVoipbin;
let account: FakeAccount;
let credential: StoredCredential;

beforeAll(async () => {
	await useFilesystemBinaryData();
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
