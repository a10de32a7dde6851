/**
 * Deterministic test audio: the WAV files the fake VoIPBIN server puts into its ZIPs.
 *
 * Each direction is a recognisable tone (in: a steady tone near 440 Hz, out: beeps near 554 Hz,
 * conference: a two-note chord) plus low-level noise, so that deflate compresses it about as badly
 * as real speech instead of collapsing a pure periodic tone. Tones are loud enough that in + out
 * overflows int16, which exercises the mixer's clipping protection.
 *
 * Samples come from two precomputed tables: the tone repeats every second (integer frequencies),
 * the noise every NOISE_PERIOD samples, longer than deflate's 32 KiB window so that the
 * compressor cannot simply refer back to an earlier copy.
 */
import { createHash } from 'node:crypto';

export const SAMPLE_RATE = 8000;

type Direction = 'in' | 'out' | 'conference';

const HEADER_BYTES = 44;
const CHUNK_BYTES = 64 * 1024;
const TONE_PERIOD = SAMPLE_RATE;
const NOISE_PERIOD = 20011;
const NOISE_AMPLITUDE = 1024;

interface Tables {
	tone: Int16Array;
	noise: Int16Array;
}

const tableCache = new Map<string, Tables>();

function tablesFor(seed: string, direction: Direction): Tables {
	const key = `${direction}\u0000${seed}`;
	const cached = tableCache.get(key);
	if (cached) return cached;
	const digest = createHash('sha256').update(key).digest();
	const shift = digest[0] % 40;
	const phase = (digest[1] / 256) * 2 * Math.PI;
	const tone = new Int16Array(TONE_PERIOD);
	for (let i = 0; i < TONE_PERIOD; i++) {
		const t = (2 * Math.PI * i) / SAMPLE_RATE;
		let value: number;
		if (direction === 'in') {
			value = 22000 * Math.sin((440 + shift) * t + phase);
		} else if (direction === 'out') {
			// Half a second of tone, then a quiet half: beeps, easy to tell from the steady "in".
			const loud = i < SAMPLE_RATE / 2 ? 22000 : 2000;
			value = loud * Math.sin((554 + shift) * t + phase);
		} else {
			value = 14000 * (Math.sin((440 + shift) * t + phase) + Math.sin((659 + shift) * t));
		}
		tone[i] = Math.round(value);
	}
	const noise = new Int16Array(NOISE_PERIOD);
	let state = digest.readUInt32LE(4) || 1;
	for (let i = 0; i < NOISE_PERIOD; i++) {
		// xorshift32: cheap and fully determined by the seed.
		state ^= state << 13;
		state ^= state >>> 17;
		state ^= state << 5;
		noise[i] = ((state >>> 0) % (2 * NOISE_AMPLITUDE + 1)) - NOISE_AMPLITUDE;
	}
	const tables = { tone, noise };
	if (tableCache.size >= 256) tableCache.clear();
	tableCache.set(key, tables);
	return tables;
}

function sampleCount(seconds: number): number {
	return Math.round(seconds * SAMPLE_RATE);
}

export function wavFileSize(seconds: number): number {
	return HEADER_BYTES + 2 * sampleCount(seconds);
}

/** The int16 value of sample `index` of the file that `wavFileChunks` makes for seed+direction. */
export function expectedSample(seed: string, direction: Direction, index: number): number {
	const { tone, noise } = tablesFor(seed, direction);
	return tone[index % TONE_PERIOD] + noise[index % NOISE_PERIOD];
}

function header(dataBytes: number, declaredDataBytes: number): Buffer {
	const b = Buffer.alloc(HEADER_BYTES);
	b.write('RIFF', 0, 'latin1');
	b.writeUInt32LE(36 + dataBytes, 4);
	b.write('WAVE', 8, 'latin1');
	b.write('fmt ', 12, 'latin1');
	b.writeUInt32LE(16, 16);
	b.writeUInt16LE(1, 20);
	b.writeUInt16LE(1, 22);
	b.writeUInt32LE(SAMPLE_RATE, 24);
	b.writeUInt32LE(SAMPLE_RATE * 2, 28);
	b.writeUInt16LE(2, 32);
	b.writeUInt16LE(16, 34);
	b.write('data', 36, 'latin1');
	b.writeUInt32LE(declaredDataBytes, 40);
	return b;
}

/**
 * A whole 8 kHz 16-bit mono WAV in chunks of about 64 KiB (the first one holds the header).
 * `corruptHeader` declares one second more data than follows, as a file cut short would.
 */
export function* wavFileChunks(opts: {
	seed: string;
	direction: Direction;
	seconds: number;
	corruptHeader?: boolean;
}): Generator<Buffer> {
	const { tone, noise } = tablesFor(opts.seed, opts.direction);
	const samples = sampleCount(opts.seconds);
	const dataBytes = 2 * samples;
	const declared = opts.corruptHeader ? dataBytes + 2 * SAMPLE_RATE : dataBytes;
	let index = 0;
	let t = 0;
	let n = 0;
	let first = true;
	while (first || index < samples) {
		const headerBytes = first ? HEADER_BYTES : 0;
		const count = Math.min(samples - index, (CHUNK_BYTES - headerBytes) / 2);
		// Buffer.alloc is never pooled, so the Int16Array view below is 2-byte aligned.
		const chunk = Buffer.alloc(headerBytes + 2 * count);
		if (first) header(dataBytes, declared).copy(chunk);
		// Node runs on little-endian hosts only, so native Int16Array order is the WAV order.
		const out = new Int16Array(chunk.buffer, chunk.byteOffset + headerBytes, count);
		for (let k = 0; k < count; k++) {
			out[k] = tone[t] + noise[n];
			if (++t === TONE_PERIOD) t = 0;
			if (++n === NOISE_PERIOD) n = 0;
		}
		index += count;
		first = false;
		yield chunk;
	}
}
