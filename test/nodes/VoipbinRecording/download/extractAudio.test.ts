/**
 * extractAudio over an in-memory storage: the central directory read from the end first, each
 * entry from its own byte range, the directions checked before anything is stored, and the
 * fallback for a storage that ignores `Range`.
 */
import type { IBinaryData } from 'n8n-workflow';

import type {
	AudioIo,
	ExtractRequest,
} from '../../../../nodes/VoipbinRecording/download/audioModel';
import { AudioNotReadyError } from '../../../../nodes/VoipbinRecording/download/audioModel';
import { extractAudio } from '../../../../nodes/VoipbinRecording/download/extractAudio';
import type { ByteRange } from '../../../../nodes/VoipbinRecording/download/storage';
import { ZipFormatError } from '../../../../nodes/VoipbinRecording/download/zipFormat';
import { expectedSample, wavFileChunks } from '../../../fake-voipbin/audio';
import { zipStream } from '../../../fake-voipbin/zip-writer';
import type { ZipSourceEntry } from '../../../fake-voipbin/zip-writer';
import { chunked, collect } from './streams';

const SEED = 'extract-test';

function wav(direction: 'in' | 'out', seconds: number): ZipSourceEntry {
	return {
		name: `call_${SEED}_${direction}.wav`,
		chunks: () => wavFileChunks({ seed: SEED, direction, seconds }),
	};
}

async function zipOf(entries: ZipSourceEntry[], zip64 = false): Promise<Buffer> {
	return await collect(zipStream(entries, { zip64 }));
}

/** A storage holding `zip`, logging the ranges asked for; the stored files end up in `stored`. */
function storageOf(zip: Buffer, options: { ignoreRange?: boolean } = {}) {
	const ranges: string[] = [];
	const stored = new Map<string, Buffer>();
	const failedStores: string[] = [];
	const io: AudioIo = {
		open: async () => chunked(zip, 4096),
		openRange: async (range: ByteRange) => {
			ranges.push('suffix' in range ? `-${range.suffix}` : `${range.start}-${range.end}`);
			if (options.ignoreRange) return { kind: 'whole', body: chunked(zip, 4096) };
			const start = 'suffix' in range ? Math.max(0, zip.length - range.suffix) : range.start;
			const end = 'suffix' in range ? zip.length - 1 : range.end;
			const body = chunked(zip.subarray(start, end + 1), 4096);
			return { kind: 'part', body, start, end, size: zip.length };
		},
		store: async (chunks, fileName) => {
			try {
				stored.set(fileName, await collect(chunks));
			} catch (error) {
				failedStores.push(fileName);
				throw error;
			}
			return { fileName } as IBinaryData;
		},
	};
	return { io, ranges, stored, failedStores };
}

const call = (outputAs: ExtractRequest['outputAs']): ExtractRequest => ({
	outputAs,
	expected: ['in', 'out'],
	allowMissingDirection: false,
	baseName: 'rec',
});

const clip = (v: number) => Math.max(-32768, Math.min(32767, v));

function checkMix(file: Buffer, samples: number): void {
	expect(file.readUInt32LE(40)).toBe(samples * 2);
	for (const i of [0, 1, samples >> 1, samples - 1]) {
		expect(file.readInt16LE(44 + 2 * i)).toBe(
			clip(expectedSample(SEED, 'in', i) + expectedSample(SEED, 'out', i)),
		);
	}
}

describe('extractAudio by byte ranges', () => {
	it.each([
		['a Go-style ZIP', false],
		['a ZIP with zip64 records', true],
	])('mixes %s from the directory and two entry ranges', async (_, zip64) => {
		const zip = await zipOf([wav('out', 3), wav('in', 3)], zip64);
		const { io, ranges, stored } = storageOf(zip);
		const result = await extractAudio(io, call('monoMix'));
		expect(result.files.map((f) => f.part)).toEqual(['mix']);
		checkMix(stored.get('rec.wav')!, 3 * 8000);
		expect(ranges[0]).toBe('-16384');
		expect(ranges).toHaveLength(3);
	});

	it('finds the directory behind an end-record comment, and reads a long directory with one more range', async () => {
		const extras = Array.from({ length: 200 }, (_, i) => ({
			name: `notes/${'x'.repeat(100)}_${i}.txt`,
			chunks: () => [Buffer.from(`note ${i}`)],
		}));
		const plain = await zipOf([wav('out', 1), ...extras, wav('in', 1)]);
		const comment = Buffer.from('recorded by a test');
		const zip = Buffer.concat([plain, comment]);
		zip.writeUInt16LE(comment.length, plain.length - 2);
		const { io, ranges, stored } = storageOf(zip);
		await extractAudio(io, call('stereo'));
		const stereo = stored.get('rec_stereo.wav')!;
		expect(stereo.readInt16LE(44 + 4 * 4000)).toBe(expectedSample(SEED, 'in', 4000));
		expect(stereo.readInt16LE(46 + 4 * 4000)).toBe(expectedSample(SEED, 'out', 4000));
		// The directory (200 records of 150 bytes) is longer than the first tail: one more range.
		expect(ranges).toHaveLength(4);
	});

	it('checks the directions from the directory before anything is stored', async () => {
		const zip = await zipOf([wav('in', 1)]);
		for (const outputAs of ['monoMix', 'stereo', 'separate'] as const) {
			const { io, ranges, stored, failedStores } = storageOf(zip);
			await expect(extractAudio(io, call(outputAs))).rejects.toThrow(AudioNotReadyError);
			expect(ranges).toEqual(['-16384']);
			expect([stored.size, failedStores.length]).toEqual([0, 0]);
		}
		const empty = await zipOf([]);
		await expect(extractAudio(storageOf(empty).io, call('monoMix'))).rejects.toThrow(
			'the recording file holds no audio yet',
		);
	});

	it('stores separate WAVs all or none: a corrupt second entry fails the first file too', async () => {
		const zip = await zipOf([wav('out', 2), wav('in', 2)]);
		// Flip a byte inside the second entry's deflate data: its CRC check fails at its end.
		zip[zip.length - 2000] ^= 0xff;
		const { io, stored, failedStores } = storageOf(zip);
		await expect(extractAudio(io, call('separate'))).rejects.toThrow(ZipFormatError);
		expect(stored.size).toBe(0);
		expect(failedStores.sort()).toEqual(['rec_in.wav', 'rec_out.wav']);
	});

	it('reads the whole ZIP instead when the storage ignores Range, in every mode', async () => {
		const zip = await zipOf([wav('out', 2), wav('in', 2)]);
		const mix = storageOf(zip, { ignoreRange: true });
		await extractAudio(mix.io, call('monoMix'));
		checkMix(mix.stored.get('rec.wav')!, 2 * 8000);
		const separate = storageOf(zip, { ignoreRange: true });
		const result = await extractAudio(separate.io, call('separate'));
		expect(result.files.map((f) => f.part)).toEqual(['in', 'out']);
		expect(separate.stored.get('rec_out.wav')!.readInt16LE(44 + 2 * 99)).toBe(
			expectedSample(SEED, 'out', 99),
		);
	});

	it('stores no separate WAV from a storage without Range when the ZIP lacks a direction', async () => {
		const zip = await zipOf([wav('in', 2)]);
		const { io, stored, failedStores } = storageOf(zip, { ignoreRange: true });
		await expect(extractAudio(io, call('separate'))).rejects.toThrow(AudioNotReadyError);
		expect(stored.size).toBe(0);
		expect(failedStores).toEqual(['rec_in.wav']);
	});
});

describe('extractAudio with nothing to keep (Transcribe waiting for the files)', () => {
	it('reads the whole ZIP through and stores nothing when it is whole', async () => {
		const zip = await zipOf([wav('out', 2), wav('in', 2)]);
		const { io, ranges, stored, failedStores } = storageOf(zip);
		const result = await extractAudio(io, call('none'));
		expect(result).toEqual({ files: [], missingDirections: [] });
		expect([ranges.length, stored.size, failedStores.length]).toEqual([0, 0, 0]);
	});

	it('fails as Download would on a corrupt entry or a missing direction', async () => {
		const corrupt = await zipOf([wav('out', 2), wav('in', 2)]);
		corrupt[corrupt.length - 2000] ^= 0xff;
		await expect(extractAudio(storageOf(corrupt).io, call('none'))).rejects.toThrow(ZipFormatError);
		const oneSide = await zipOf([wav('in', 2)]);
		await expect(extractAudio(storageOf(oneSide).io, call('none'))).rejects.toThrow(
			AudioNotReadyError,
		);
	});
});
