/**
 * Streaming RIFF/WAVE reading and writing for PCM recordings.
 *
 * Tolerated, as real recorders do it: extra chunks (LIST, fact, JUNK, ...) before or after the
 * data, `fmt ` chunks of 16, 18 or 40 bytes, WAVE_FORMAT_EXTENSIBLE holding PCM, wrong byte-rate
 * and block-align fields (recomputed), and a missing pad byte after an odd-sized last chunk. Not
 * tolerated: a data chunk whose declared size differs from the bytes that follow, or a RIFF size
 * that disagrees with the file, since that is how a cut or corrupt recording shows.
 */
import { ByteReader } from './byteReader';

export class WavFormatError extends Error {
	constructor(message: string) {
		super(`Invalid WAV: ${message}`);
		this.name = 'WavFormatError';
	}
}

export interface WavFormat {
	audioFormat: number;
	channels: number;
	sampleRate: number;
	bitsPerSample: number;
	dataBytes: number;
}

const FORMAT_PCM = 1;
const FORMAT_EXTENSIBLE = 0xfffe;
const HEADER_BYTES = 44;

function cutShort(what: string): never {
	throw new WavFormatError(`the file ends inside ${what}`);
}

/** Chunk ids are four printable ASCII characters; anything else means the bytes are not a chunk. */
function isFourCC(id: Buffer): boolean {
	return id.every((byte) => byte >= 0x20 && byte <= 0x7e);
}

function parseFormat(body: Buffer): Omit<WavFormat, 'dataBytes'> {
	if (body.length < 16) throw new WavFormatError('the fmt chunk is too short');
	let audioFormat = body.readUInt16LE(0);
	if (audioFormat === FORMAT_EXTENSIBLE && body.length >= 26) {
		// The sub-format GUID starts with the plain format code.
		audioFormat = body.readUInt16LE(24);
	}
	const format = {
		audioFormat,
		channels: body.readUInt16LE(2),
		sampleRate: body.readUInt32LE(4),
		bitsPerSample: body.readUInt16LE(14),
	};
	if (audioFormat !== FORMAT_PCM) {
		throw new WavFormatError(`audio format ${audioFormat} is not PCM`);
	}
	if (
		format.channels === 0 ||
		format.sampleRate === 0 ||
		format.bitsPerSample === 0 ||
		format.bitsPerSample % 8 !== 0
	) {
		throw new WavFormatError(
			`unusable PCM format (${format.channels} channels, ${format.sampleRate} Hz, ` +
				`${format.bitsPerSample} bits)`,
		);
	}
	return format;
}

/** Reads chunk headers from the reader, skipping chunk bodies without holding them. */
class Chunks {
	/** Bytes read after the 8-byte RIFF header: what the RIFF size must count. */
	counted = 4;

	/** Set when the last chunk read has an odd size, so a pad byte may (or may not) follow. */
	private padPending = false;

	constructor(private readonly reader: ByteReader) {}

	/** The next chunk's id and size, or null at a clean end of the stream. */
	async header(): Promise<{ id: string; size: number } | null> {
		if (this.padPending) {
			const pad = await this.reader.readExact(1);
			if (pad === null) return null;
			this.counted++;
			this.padPending = false;
		}
		const first = await this.reader.next();
		if (first === null) return null;
		this.reader.unread(first);
		const header = (await this.reader.readExact(8)) ?? cutShort('a chunk header');
		const id = header.subarray(0, 4);
		if (!isFourCC(id)) throw new WavFormatError('bytes that are not a chunk follow the header');
		this.counted += 8;
		return { id: id.toString('latin1'), size: header.readUInt32LE(4) };
	}

	async body(size: number, what: string): Promise<Buffer> {
		const body = (await this.reader.readExact(size)) ?? cutShort(what);
		this.ended(size);
		return body;
	}

	async skip(size: number, what: string): Promise<void> {
		for (let left = size; left > 0; ) {
			const chunk = (await this.reader.next()) ?? cutShort(what);
			if (chunk.length > left) this.reader.unread(chunk.subarray(left));
			left -= Math.min(left, chunk.length);
		}
		this.ended(size);
	}

	/** Notes that a chunk body of `size` bytes has been read in full. */
	ended(size: number): void {
		this.counted += size;
		this.padPending = size % 2 === 1;
	}

	/** Whether the last chunk's pad byte is missing (tolerated; the RIFF size may count it). */
	get padMissing(): boolean {
		return this.padPending;
	}
}

/**
 * Parses a RIFF/WAVE header from the front of a PCM WAV stream (skipping unknown chunks such as
 * LIST), and returns the format and the PCM bytes that follow. Iterating `pcm` to the end throws
 * WavFormatError when the data does not match the header (fewer or more bytes than the data chunk
 * declares, RIFF size inconsistent). Rejects non-PCM, headers cut short, wrong magic.
 */
export async function readWav(
	source: AsyncIterable<Uint8Array>,
): Promise<{ format: WavFormat; pcm: AsyncIterable<Uint8Array> }> {
	const reader = new ByteReader(source[Symbol.asyncIterator]());
	let handedOver = false;
	try {
		const result = await readHeader(reader);
		handedOver = true;
		return result;
	} finally {
		if (!handedOver) await reader.close();
	}
}

async function readHeader(
	reader: ByteReader,
): Promise<{ format: WavFormat; pcm: AsyncIterable<Uint8Array> }> {
	const riff = (await reader.readExact(12)) ?? cutShort('the RIFF header');
	if (riff.toString('latin1', 0, 4) !== 'RIFF' || riff.toString('latin1', 8, 12) !== 'WAVE') {
		throw new WavFormatError('not a RIFF/WAVE file');
	}
	const riffSize = riff.readUInt32LE(4);
	const chunks = new Chunks(reader);
	let format: Omit<WavFormat, 'dataBytes'> | undefined;
	for (;;) {
		const chunk = (await chunks.header()) ?? cutShort('the header (no data chunk)');
		if (chunk.id === 'fmt ') {
			// Real fmt chunks are 16 to 40 bytes; a huge size must not make the reader buffer the file.
			if (chunk.size > 1024) throw new WavFormatError(`the fmt chunk claims ${chunk.size} bytes`);
			format = parseFormat(await chunks.body(chunk.size, 'the fmt chunk'));
		} else if (chunk.id === 'data') {
			if (!format) throw new WavFormatError('the data chunk comes before the fmt chunk');
			const frame = (format.channels * format.bitsPerSample) / 8;
			if (chunk.size % frame !== 0) {
				throw new WavFormatError(`the data size ${chunk.size} is not a whole number of samples`);
			}
			const full = { ...format, dataBytes: chunk.size };
			return { format: full, pcm: checkedPcm(reader, chunks, chunk.size, riffSize) };
		} else {
			await chunks.skip(chunk.size, `the ${chunk.id.trim()} chunk`);
		}
	}
}

/** The data chunk's bytes, then a check that what follows agrees with the data and RIFF sizes. */
async function* checkedPcm(
	reader: ByteReader,
	chunks: Chunks,
	declared: number,
	riffSize: number,
): AsyncGenerator<Uint8Array> {
	try {
		yield* pcmBytes(reader, declared);
		chunks.ended(declared);
		// What follows the data must be whole chunks; stray bytes mean the data size is wrong.
		for (let chunk = await chunks.header(); chunk !== null; chunk = await chunks.header()) {
			if (chunk.id === 'data') throw new WavFormatError('a second data chunk follows the first');
			await chunks.skip(chunk.size, `the ${chunk.id.trim()} chunk after the data`);
		}
		const counted = chunks.counted;
		if (riffSize !== counted && !(chunks.padMissing && riffSize === counted + 1)) {
			throw new WavFormatError(
				`the RIFF size ${riffSize} does not match the ${counted} bytes present`,
			);
		}
	} finally {
		await reader.close();
	}
}

async function* pcmBytes(reader: ByteReader, declared: number): AsyncGenerator<Uint8Array> {
	let left = declared;
	while (left > 0) {
		const chunk = await reader.next();
		if (chunk === null) {
			throw new WavFormatError(
				`the data chunk declares ${declared} bytes but only ${declared - left} follow`,
			);
		}
		if (chunk.length > left) reader.unread(chunk.subarray(left));
		const piece = chunk.subarray(0, left);
		left -= piece.length;
		yield piece;
	}
}

/** A canonical 44-byte PCM header. */
export function wavHeader(
	format: { channels: number; sampleRate: number; bitsPerSample: number },
	dataBytes: number,
): Uint8Array {
	const header = Buffer.alloc(HEADER_BYTES);
	const blockAlign = (format.channels * format.bitsPerSample) / 8;
	header.write('RIFF', 0, 'latin1');
	header.writeUInt32LE(HEADER_BYTES - 8 + dataBytes, 4);
	header.write('WAVEfmt ', 8, 'latin1');
	header.writeUInt32LE(16, 16);
	header.writeUInt16LE(FORMAT_PCM, 20);
	header.writeUInt16LE(format.channels, 22);
	header.writeUInt32LE(format.sampleRate, 24);
	header.writeUInt32LE(format.sampleRate * blockAlign, 28);
	header.writeUInt16LE(blockAlign, 32);
	header.writeUInt16LE(format.bitsPerSample, 34);
	header.write('data', 36, 'latin1');
	header.writeUInt32LE(dataBytes, 40);
	return header;
}
