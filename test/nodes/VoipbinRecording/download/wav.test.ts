import {
	WavFormatError,
	readWav,
	wavHeader,
} from '../../../../nodes/VoipbinRecording/download/wav';
import {
	SAMPLE_RATE,
	expectedSample,
	wavFileChunks,
	wavFileSize,
} from '../../../fake-voipbin/audio';
import { chunked, collect, fromIterable, randomSizes } from './streams';

const MONO_16 = { channels: 1, sampleRate: SAMPLE_RATE, bitsPerSample: 16 };

function fixture(seconds: number, corruptHeader = false): Buffer {
	return Buffer.concat([
		...wavFileChunks({ seed: 'wav', direction: 'in', seconds, corruptHeader }),
	]);
}

function chunk(id: string, body: Buffer): Buffer {
	const header = Buffer.alloc(8);
	header.write(id, 0, 'latin1');
	header.writeUInt32LE(body.length, 4);
	return Buffer.concat([header, body, Buffer.alloc(body.length % 2)]);
}

function fmt(audioFormat: number, extra = Buffer.alloc(0)): Buffer {
	const body = Buffer.alloc(16);
	body.writeUInt16LE(audioFormat, 0);
	body.writeUInt16LE(1, 2);
	body.writeUInt32LE(SAMPLE_RATE, 4);
	body.writeUInt32LE(SAMPLE_RATE * 2, 8);
	body.writeUInt16LE(2, 12);
	body.writeUInt16LE(16, 14);
	return chunk('fmt ', Buffer.concat([body, extra]));
}

/** A RIFF file of the given chunks, with a correct RIFF size unless one is given. */
function riff(chunks: Buffer[], riffSize?: number): Buffer {
	const body = Buffer.concat([Buffer.from('WAVE'), ...chunks]);
	const header = Buffer.alloc(8);
	header.write('RIFF', 0, 'latin1');
	header.writeUInt32LE(riffSize ?? body.length, 4);
	return Buffer.concat([header, body]);
}

const PCM = Buffer.from(Int16Array.from([1, -1, 32767, -32768, 1000, 0]).buffer);
const LIST = chunk('LIST', Buffer.from('INFOISFT\u0005\u0000\u0000\u0000Lavf\u0000\u0000'));

async function readAllWav(file: Uint8Array, size: number | (() => number) = 4096) {
	const { format, pcm } = await readWav(chunked(file, size));
	return { format, pcm: await collect(pcm) };
}

async function failure(file: Uint8Array, size: number | (() => number) = 4096): Promise<string> {
	try {
		await readAllWav(file, size);
	} catch (error) {
		if (error instanceof WavFormatError) return error.message;
		throw error;
	}
	return 'no error';
}

describe('readWav', () => {
	it('reads the fixture header and returns exactly its samples', async () => {
		const file = fixture(3);
		expect(file.length).toBe(wavFileSize(3));
		for (const size of [1, 45, randomSizes(5000, 1), 1 << 20]) {
			const { format, pcm } = await readAllWav(file, size);
			expect(format).toEqual({ audioFormat: 1, ...MONO_16, dataBytes: 3 * SAMPLE_RATE * 2 });
			expect(pcm.length).toBe(format.dataBytes);
			for (const i of [0, 1, 7999, 8000, 23999]) {
				expect(pcm.readInt16LE(2 * i)).toBe(expectedSample('wav', 'in', i));
			}
		}
	});

	it('skips LIST and other chunks before and after the data', async () => {
		const file = riff([LIST, fmt(1), chunk('fact', Buffer.alloc(4)), chunk('data', PCM), LIST]);
		for (const size of [1, 3, 100]) {
			const { format, pcm } = await readAllWav(file, size);
			expect(format.dataBytes).toBe(PCM.length);
			expect(pcm.equals(PCM)).toBe(true);
		}
	});

	it('accepts fmt chunks of 18 and 40 bytes, and WAVE_FORMAT_EXTENSIBLE holding PCM', async () => {
		const cbSize = Buffer.alloc(2);
		expect((await readAllWav(riff([fmt(1, cbSize), chunk('data', PCM)]))).pcm.equals(PCM)).toBe(
			true,
		);
		const extensible = Buffer.alloc(24);
		extensible.writeUInt16LE(22, 0);
		extensible.writeUInt16LE(1, 8); // sub-format GUID, starting with the PCM code
		const { format } = await readAllWav(riff([fmt(0xfffe, extensible), chunk('data', PCM)]));
		expect(format.audioFormat).toBe(1);
	});

	it('tolerates a missing pad byte after an odd last chunk', async () => {
		const withPad = riff([fmt(1), chunk('data', PCM), chunk('note', Buffer.from('odd'))]);
		const withoutPad = withPad.subarray(0, withPad.length - 1);
		expect((await readAllWav(withoutPad)).pcm.equals(PCM)).toBe(true);
		const sizeWithoutPad = Buffer.from(withoutPad);
		sizeWithoutPad.writeUInt32LE(withoutPad.length - 8, 4);
		expect((await readAllWav(sizeWithoutPad)).pcm.equals(PCM)).toBe(true);
	});

	it.each([
		['IEEE float', 3],
		['A-law', 6],
		['mu-law', 7],
	])('rejects %s', async (_, code) => {
		expect(await failure(riff([fmt(code), chunk('data', PCM)]))).toMatch(/not PCM/);
	});

	it('rejects a header cut anywhere', async () => {
		const file = riff([LIST, fmt(1), chunk('data', PCM)]);
		const dataStart = file.length - PCM.length;
		for (let cut = 0; cut < dataStart; cut++) {
			await expect(readWav(chunked(file.subarray(0, cut), 7))).rejects.toThrow(WavFormatError);
		}
	});

	it.each([
		['RIFX (big-endian)', (f: Buffer) => f.write('RIFX', 0, 'latin1')],
		['not WAVE', (f: Buffer) => f.write('AVI ', 8, 'latin1')],
		['a data chunk with no fmt chunk before it', (f: Buffer) => f.write('dat2', 12, 'latin1')],
		['a garbage chunk id', (f: Buffer) => f.writeUInt32LE(0x00ff0102, 12)],
	])('rejects %s', async (_, damage) => {
		const file = riff([fmt(1), chunk('data', PCM)]);
		damage(file);
		await expect(readAllWav(file)).rejects.toThrow(WavFormatError);
	});

	it('rejects data shorter than declared, when the PCM is read to its end', async () => {
		const file = riff([fmt(1), chunk('data', PCM)]);
		const short = file.subarray(0, file.length - 2);
		const { pcm } = await readWav(chunked(short, 5));
		await expect(collect(pcm)).rejects.toThrow(/declares 12 bytes but only 10 follow/);
	});

	it('rejects data longer than declared', async () => {
		const file = riff([fmt(1), chunk('data', PCM), Buffer.from([1, 2, 3, 4])]);
		expect(await failure(file)).toMatch(/not a chunk|ends inside/);
		const extraSamples = Buffer.concat([riff([fmt(1), chunk('data', PCM)]), PCM]);
		expect(await failure(extraSamples)).toMatch(/Invalid WAV/);
	});

	it('rejects a RIFF size that disagrees with the file', async () => {
		const file = riff([fmt(1), chunk('data', PCM)]);
		for (const wrong of [0, file.length - 9, file.length, file.length - 8 + 2, 0xffffffff]) {
			const damaged = Buffer.from(file);
			damaged.writeUInt32LE(wrong, 4);
			expect(await failure(damaged)).toMatch(/RIFF size/);
		}
	});

	it('rejects a data size that is not a whole number of samples', async () => {
		const odd = riff([fmt(1), chunk('data', PCM.subarray(0, 11))]);
		expect(await failure(odd)).toMatch(/whole number of samples/);
	});

	it('rejects an absurd fmt size instead of buffering the stream for it', async () => {
		const file = riff([fmt(1), chunk('data', PCM)]);
		file.writeUInt32LE(0x7fffffff, 16);
		expect(await failure(file)).toMatch(/fmt chunk claims/);
	});

	it('rejects the corruptHeader fixture', async () => {
		expect(await failure(fixture(2, true))).toMatch(/declares 48000 bytes but only 32000 follow/);
	});

	it('closes the source when the header is rejected', async () => {
		let closed = false;
		async function* source() {
			try {
				yield Buffer.from('RIFX0000WAVE');
				yield Buffer.alloc(100);
			} finally {
				closed = true;
			}
		}
		await expect(readWav(source())).rejects.toThrow(WavFormatError);
		expect(closed).toBe(true);
	});
});

describe('wavHeader', () => {
	it('writes the canonical 44-byte header, as the fixture has it', () => {
		const file = fixture(1);
		expect(Buffer.from(wavHeader(MONO_16, SAMPLE_RATE * 2)).equals(file.subarray(0, 44))).toBe(
			true,
		);
	});

	it('round-trips through readWav, stereo included', async () => {
		const stereo = { ...MONO_16, channels: 2 };
		const header = wavHeader(stereo, PCM.length);
		const { format, pcm } = await readWav(fromIterable([header, PCM]));
		expect(format).toEqual({ audioFormat: 1, ...stereo, dataBytes: PCM.length });
		expect((await collect(pcm)).equals(PCM)).toBe(true);
		expect(Buffer.from(header).readUInt32LE(28)).toBe(SAMPLE_RATE * 4);
		expect(Buffer.from(header).readUInt16LE(32)).toBe(4);
	});
});
