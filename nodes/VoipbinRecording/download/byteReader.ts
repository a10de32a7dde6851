/** A byte stream read by exact lengths, with what was read too far pushed back (ZIP and WAV). */

const EMPTY = Buffer.alloc(0);

function toBuffer(chunk: Uint8Array): Buffer {
	return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
}

/** A byte stream that can be read by exact lengths and pushed back into. */
export class ByteReader {
	/** Absolute offset of the next byte that `next`/`readExact` will return. */
	position = 0;

	private leftover: Buffer = EMPTY;

	private ended = false;

	constructor(private readonly iterator: AsyncIterator<Uint8Array>) {}

	/** The next non-empty run of bytes, or null at the end of the source. */
	async next(): Promise<Buffer | null> {
		let chunk = this.leftover;
		this.leftover = EMPTY;
		while (chunk.length === 0) {
			if (this.ended) return null;
			const result = await this.iterator.next();
			if (result.done) {
				this.ended = true;
				return null;
			}
			chunk = toBuffer(result.value);
		}
		this.position += chunk.length;
		return chunk;
	}

	/** Gives back the tail of what `next` returned. */
	unread(bytes: Buffer): void {
		if (bytes.length === 0) return;
		this.leftover = this.leftover.length ? Buffer.concat([bytes, this.leftover]) : bytes;
		this.position -= bytes.length;
	}

	/** The next `length` bytes (copied only if they span chunks); null if the stream ends first. */
	async readExact(length: number): Promise<Buffer | null> {
		const first = length === 0 ? EMPTY : await this.next();
		if (first === null) return null;
		if (first.length >= length) {
			this.unread(first.subarray(length));
			return first.subarray(0, length);
		}
		const parts = [first];
		let have = first.length;
		while (have < length) {
			const chunk = await this.next();
			if (chunk === null) {
				this.unread(Buffer.concat(parts));
				return null;
			}
			parts.push(chunk);
			have += chunk.length;
		}
		const joined = Buffer.concat(parts);
		this.unread(joined.subarray(length));
		return joined.subarray(0, length);
	}

	async close(): Promise<void> {
		if (!this.ended) await this.iterator.return?.();
	}
}
