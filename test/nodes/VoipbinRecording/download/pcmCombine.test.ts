import {
	interleaveStereo,
	mixToMono,
} from '../../../../nodes/VoipbinRecording/download/pcmCombine';
import { readWav } from '../../../../nodes/VoipbinRecording/download/wav';
import { readZipEntries } from '../../../../nodes/VoipbinRecording/download/zipReader';
import { SAMPLE_RATE, expectedSample, wavFileChunks } from '../../../fake-voipbin/audio';
import { zipStream } from '../../../fake-voipbin/zip-writer';
import { chunked, collect, fromIterable, randomSizes } from './streams';

const SEED = 'audio-test';

/** The PCM of a fixture WAV, streamed as the download path streams it (through readWav). */
async function pcmOf(direction: 'in' | 'out', seconds: number) {
	return (await readWav(fromIterable(wavFileChunks({ seed: SEED, direction, seconds })))).pcm;
}

function pcm(samples: number[]): Buffer {
	return Buffer.from(Int16Array.from(samples).buffer);
}

function samplesOf(bytes: Buffer): number[] {
	return Array.from({ length: bytes.length / 2 }, (_, i) => bytes.readInt16LE(2 * i));
}

const clamp = (value: number) => Math.max(-32768, Math.min(32767, value));

describe('mixToMono', () => {
	it('sums the two directions sample by sample, clipping at the int16 range', async () => {
		const mixed = await collect(mixToMono(await pcmOf('in', 5), await pcmOf('out', 5)));
		expect(mixed.length).toBe(5 * SAMPLE_RATE * 2);
		let clipped = 0;
		const expected = Buffer.alloc(mixed.length);
		for (let i = 0; i < mixed.length / 2; i++) {
			const sum = expectedSample(SEED, 'in', i) + expectedSample(SEED, 'out', i);
			expected.writeInt16LE(clamp(sum), 2 * i);
			if (sum !== clamp(sum)) clipped++;
		}
		expect(mixed.equals(expected)).toBe(true);
		// The fixtures are loud enough that the clipping protection is really exercised.
		expect(clipped).toBeGreaterThan(1000);
	});

	it('saturates at +32767 and -32768 instead of wrapping', async () => {
		const a = pcm([32767, -32768, 20000, -20000, 32767, 100]);
		const b = pcm([1, -1, 20000, -20000, -32768, -100]);
		expect(samplesOf(await collect(mixToMono(fromIterable([a]), fromIterable([b]))))).toEqual([
			32767, -32768, 32767, -32768, -1, 0,
		]);
	});

	it('pads the shorter stream with silence, whichever it is, even an empty one', async () => {
		const short = pcm([1, 2, 3]);
		const long = pcm([10, 20, 30, 40, 50]);
		const expected = [11, 22, 33, 40, 50];
		expect(
			samplesOf(await collect(mixToMono(fromIterable([short]), fromIterable([long])))),
		).toEqual(expected);
		expect(
			samplesOf(await collect(mixToMono(fromIterable([long]), fromIterable([short])))),
		).toEqual(expected);
		expect(samplesOf(await collect(mixToMono(fromIterable([]), fromIterable([long]))))).toEqual([
			10, 20, 30, 40, 50,
		]);
		expect((await collect(mixToMono(fromIterable([]), fromIterable([])))).length).toBe(0);
	});

	it('gives the same result however the inputs are split, odd byte splits included', async () => {
		const a = Buffer.concat([
			...wavFileChunks({ seed: SEED, direction: 'in', seconds: 2 }),
		]).subarray(44);
		const b = Buffer.concat([
			...wavFileChunks({ seed: SEED, direction: 'out', seconds: 1.5 }),
		]).subarray(44);
		const whole = await collect(mixToMono(fromIterable([a]), fromIterable([b])));
		for (const [sa, sb] of [
			[1, 1],
			[1, 3],
			[3, 1],
			[randomSizes(7, 1), randomSizes(5000, 2)],
			[randomSizes(70_000, 3), randomSizes(3, 4)],
		] as const) {
			expect((await collect(mixToMono(chunked(a, sa), chunked(b, sb)))).equals(whole)).toBe(true);
		}
	});

	it('completes a lone trailing byte as a sample', async () => {
		const mixed = await collect(
			mixToMono(fromIterable([Buffer.from([5, 0, 7])]), fromIterable([])),
		);
		expect(samplesOf(mixed)).toEqual([5, 7]);
	});

	it('mixes the two directions streamed from two downloads of one call ZIP', async () => {
		const seconds = 4;
		const zip = await collect(
			zipStream(
				(['out', 'in'] as const).map((direction) => ({
					name: `call_${direction}.wav`,
					chunks: () => wavFileChunks({ seed: SEED, direction, seconds }),
				})),
			),
		);
		// As the node does it: one download per direction, each ZIP read on to its end afterwards.
		const open = async (direction: 'in' | 'out') => {
			const entries = readZipEntries(chunked(zip, randomSizes(20_000, direction.length)));
			for (let next = await entries.next(); !next.done; next = await entries.next()) {
				if (next.value.name === `call_${direction}.wav`) {
					return { pcm: (await readWav(next.value.data)).pcm, entries };
				}
			}
			throw new Error(`no ${direction} entry`);
		};
		const [inSide, outSide] = await Promise.all([open('in'), open('out')]);
		const mixed = await collect(mixToMono(inSide.pcm, outSide.pcm));
		// Reading on skips the other entry and checks the ZIP's central directory.
		for (const { entries } of [inSide, outSide]) {
			for (let rest = await entries.next(); !rest.done; rest = await entries.next()) {
				expect(rest.value.name).toBe('call_in.wav');
			}
		}
		const expected = Buffer.alloc(seconds * SAMPLE_RATE * 2);
		for (let i = 0; i < expected.length / 2; i++) {
			expected.writeInt16LE(
				clamp(expectedSample(SEED, 'in', i) + expectedSample(SEED, 'out', i)),
				2 * i,
			);
		}
		expect(mixed.equals(expected)).toBe(true);
	});

	it('passes on an error from either input and closes the other', async () => {
		let closed = false;
		async function* failing() {
			yield pcm([1, 2]);
			throw new Error('connection reset');
		}
		async function* endless() {
			try {
				for (;;) yield pcm([1, 2, 3, 4]);
			} finally {
				closed = true;
			}
		}
		await expect(collect(mixToMono(endless(), failing()))).rejects.toThrow('connection reset');
		expect(closed).toBe(true);
	});

	it('streams 60 minutes with bounded memory', async () => {
		const seconds = 60 * 60;
		const before = process.memoryUsage().rss;
		let peak = before;
		let bytes = 0;
		let index = 0;
		for await (const chunk of mixToMono(await pcmOf('in', seconds), await pcmOf('out', seconds))) {
			const view = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
			// Spot checks keep the test fast while still covering the whole stream.
			if (index % 20 === 0) {
				const i = bytes / 2;
				const sum = expectedSample(SEED, 'in', i) + expectedSample(SEED, 'out', i);
				expect(view.readInt16LE(0)).toBe(clamp(sum));
				peak = Math.max(peak, process.memoryUsage().rss);
			}
			bytes += chunk.length;
			index++;
		}
		expect(bytes).toBe(seconds * SAMPLE_RATE * 2);
		// 2 × 57.6 MB of input and 57.6 MB of output went through; holding them would show here.
		expect(peak - before).toBeLessThan(40 * 1024 * 1024);
	});
});

describe('interleaveStereo', () => {
	it('puts a on the left and b on the right', async () => {
		const stereo = await collect(interleaveStereo(await pcmOf('in', 2), await pcmOf('out', 2)));
		expect(stereo.length).toBe(2 * 2 * SAMPLE_RATE * 2);
		const expected = Buffer.alloc(stereo.length);
		for (let i = 0; i < stereo.length / 4; i++) {
			expected.writeInt16LE(expectedSample(SEED, 'in', i), 4 * i);
			expected.writeInt16LE(expectedSample(SEED, 'out', i), 4 * i + 2);
		}
		expect(stereo.equals(expected)).toBe(true);
	});

	it('pads the shorter side with silence and keeps extreme values', async () => {
		const left = pcm([32767, -32768]);
		const right = pcm([1, 2, 3]);
		const stereo = await collect(interleaveStereo(chunked(left, 1), chunked(right, 5)));
		expect(samplesOf(stereo)).toEqual([32767, 1, -32768, 2, 0, 3]);
		const swapped = await collect(interleaveStereo(chunked(right, 3), chunked(left, 3)));
		expect(samplesOf(swapped)).toEqual([1, 32767, 2, -32768, 3, 0]);
	});

	it('gives the same result however the inputs are split', async () => {
		const a = pcm(Array.from({ length: 5000 }, (_, i) => ((i * 37) % 65536) - 32768));
		const b = pcm(Array.from({ length: 4001 }, (_, i) => 32767 - ((i * 91) % 65536)));
		const whole = await collect(interleaveStereo(fromIterable([a]), fromIterable([b])));
		const split = await collect(interleaveStereo(chunked(a, randomSizes(9, 5)), chunked(b, 1)));
		expect(split.equals(whole)).toBe(true);
		expect(whole.length).toBe(4 * 5000);
	});
});
