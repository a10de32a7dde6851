/** Small stream helpers shared by the download module tests. */
import { seeded } from '../../../helpers/random';

export async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
	const parts: Buffer[] = [];
	for await (const chunk of source) parts.push(Buffer.from(chunk));
	return Buffer.concat(parts);
}

export function randomBytes(length: number, seed: number): Buffer {
	const random = seeded(seed);
	const bytes = Buffer.alloc(length);
	for (let i = 0; i < length; i++) bytes[i] = Math.floor(random() * 256);
	return bytes;
}

/** Streams `data` in pieces of `size` bytes (a number, or a function giving each piece's size). */
export async function* chunked(
	data: Uint8Array,
	size: number | (() => number),
): AsyncGenerator<Uint8Array> {
	const next = typeof size === 'number' ? () => size : size;
	for (let at = 0; at < data.length; ) {
		const piece = Math.max(1, next());
		yield data.subarray(at, at + piece);
		at += piece;
	}
}

/** Piece sizes drawn uniformly from 1..max, reproducibly. */
export function randomSizes(max: number, seed: number): () => number {
	const random = seeded(seed);
	return () => 1 + Math.floor(random() * max);
}

export async function* fromIterable<T>(items: Iterable<T>): AsyncGenerator<T> {
	yield* items;
}
