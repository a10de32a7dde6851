/**
 * The bodies of ZIP entries: the compressed bytes of one entry, found either by scanning for its
 * data descriptor (reading front to back, sizes unknown) or from the sizes the central directory
 * gives (a byte range starting at the entry's local header), then inflated and checked against
 * their CRC-32 and sizes.
 */
import { ByteReader } from './byteReader';
import { crc32 } from './crc32';
import {
	FLAG_DESCRIPTOR,
	FLAG_ENCRYPTED,
	FLAG_STRONG_ENCRYPTION,
	FLAG_UTF8,
	SIG_CENTRAL,
	SIG_DESCRIPTOR,
	SIG_END,
	SIG_LOCAL,
	SIG_ZIP64_END,
	ZipFormatError,
	truncated,
	zip64Extra,
} from './zipFormat';

export interface ZipEntry {
	name: string;
	compressedMethod: 0 | 8;
	/**
	 * Decompressed bytes. Iterating to the end verifies CRC-32 and sizes, throwing ZipFormatError.
	 */
	data: AsyncIterable<Uint8Array>;
}

/** Records that can follow a data descriptor: where a scan for the descriptor looks. */
const SIGS_AFTER_DATA = new Set([SIG_LOCAL, SIG_CENTRAL, SIG_END, SIG_ZIP64_END]);
const PK = Buffer.from('PK', 'latin1');
/** Descriptor layouts, most likely first: with signature (Go), then without; 32-bit, then zip64. */
const DESCRIPTOR_FORMS = [
	{ length: 16, signed: true, wide: false },
	{ length: 24, signed: true, wide: true },
	{ length: 12, signed: false, wide: false },
	{ length: 20, signed: false, wide: true },
];
/**
 * Bytes held back from the inflater while scanning: the longest descriptor plus the first three
 * bytes of a signature not yet complete.
 */
const HOLD_BACK = 24 + 3;
/**
 * Compressed bytes gathered before they are handed on: a write to the DecompressionStream costs
 * far more than copying 64 KiB, so small pieces (16 KiB TLS records, tiny chunks, the bytes held
 * back while scanning) are merged.
 */
const MIN_PIECE = 65536;
const EMPTY = Buffer.alloc(0);

interface Sizes {
	crc: number;
	compressed: number;
	uncompressed: number;
}

/** An entry as its local header (or the central directory) describes it. */
export interface EntryRecord {
	name: string;
	nameBytes: Buffer;
	offset: number;
	method: 0 | 8;
	flags: number;
	/** For flag-bit-3 entries read front to back: filled in from the data descriptor. */
	sizes: Sizes;
}

/** The compressed bytes of one entry, read off the input as they are asked for. */
export class EntryBody {
	private done = false;

	/** Set once the reader has moved past this entry; later reads by the consumer must fail. */
	private abandoned = false;

	/** Serialises reads, so a late consumer and the reader draining the entry never interleave. */
	private queue: Promise<unknown> = Promise.resolve();

	private remaining: number;

	private readonly dataStart: number;

	/** Compressed bytes released for the consumer, and their total length. */
	private readonly ready: Buffer[] = [];

	private readyBytes = 0;

	/** Trailing bytes since the data start that may still belong to the descriptor. */
	private held: Buffer = EMPTY;

	private heldStart: number;

	constructor(
		private readonly input: ByteReader,
		readonly entry: EntryRecord,
	) {
		this.dataStart = input.position;
		this.heldStart = input.position;
		this.remaining = entry.sizes.compressed;
		this.done = !(entry.flags & FLAG_DESCRIPTOR) && this.remaining === 0;
	}

	/** The next run of compressed bytes, null after the last (descriptor read by then). */
	next(): Promise<Buffer | null> {
		const result = this.queue.then(async () => {
			if (this.abandoned)
				throw new Error(`ZIP entry ${this.entry.name} was read after the next entry was requested`);
			return await this.read(true);
		});
		this.queue = result.catch(() => undefined);
		return result;
	}

	/** Reads and discards what the consumer left, so the reader can go on to the next record. */
	async skip(): Promise<void> {
		this.abandoned = true;
		await this.queue;
		while ((await this.read(false)) !== null);
	}

	/** `merge`: join small pieces into one (worth it for the inflater, not when discarding). */
	private async read(merge: boolean): Promise<Buffer | null> {
		while (!this.done && this.readyBytes < MIN_PIECE) {
			const chunk = (await this.input.next()) ?? truncated(`the data of ${this.entry.name}`);
			if (this.entry.flags & FLAG_DESCRIPTOR) this.scan(chunk);
			else this.take(chunk);
		}
		if (this.ready.length === 0) return null;
		let count = 0;
		let bytes = 0;
		while (
			merge &&
			count < this.ready.length &&
			this.ready[count].length < MIN_PIECE &&
			bytes < MIN_PIECE
		) {
			bytes += this.ready[count++].length;
		}
		const piece =
			count > 1
				? Buffer.concat(this.ready.splice(0, count), bytes)
				: (this.ready.shift() as Buffer);
		this.readyBytes -= piece.length;
		return piece;
	}

	private release(piece: Buffer): void {
		if (piece.length === 0) return;
		this.ready.push(piece);
		this.readyBytes += piece.length;
	}

	/** Data of known size: the chunk up to what the header says is left. */
	private take(chunk: Buffer): void {
		const piece = chunk.subarray(0, this.remaining);
		this.input.unread(chunk.subarray(piece.length));
		this.remaining -= piece.length;
		this.done = this.remaining === 0;
		this.release(piece);
	}

	/**
	 * Looks for the data descriptor in `held` + `chunk`: a descriptor whose compressed size equals
	 * the bytes since the data start, directly followed by a record signature. Bytes that can no
	 * longer be part of such a descriptor go to `ready`; the rest is held back.
	 */
	private scan(chunk: Buffer): void {
		const held = this.held;
		const h = held.length;
		const total = h + chunk.length;
		// Virtual positions: [0, h) are in `held`, [h, total) in `chunk`.
		const byteAt = (v: number) => (v < h ? held[v] : chunk[v - h]);
		const u32 = (v: number) =>
			(byteAt(v) | (byteAt(v + 1) << 8) | (byteAt(v + 2) << 16) | (byteAt(v + 3) << 24)) >>> 0;
		const u64 = (v: number) => u32(v) + u32(v + 4) * 0x100000000;
		const descriptorEndingAt = (q: number) => {
			if (!SIGS_AFTER_DATA.has(u32(q))) return undefined;
			for (const form of DESCRIPTOR_FORMS) {
				const start = q - form.length;
				const compressed = this.heldStart + start - this.dataStart;
				if (start < 0 || compressed < 0) continue;
				if (form.signed && u32(start) !== SIG_DESCRIPTOR) continue;
				const fields = start + (form.signed ? 4 : 0);
				if ((form.wide ? u64(fields + 4) : u32(fields + 4)) !== compressed) continue;
				const uncompressed = form.wide ? u64(fields + 12) : u32(fields + 8);
				return { start, sizes: { crc: u32(fields), compressed, uncompressed } };
			}
			return undefined;
		};

		let found: ReturnType<typeof descriptorEndingAt>;
		let foundAt = 0;
		// Signatures that start in `held` (its last three bytes were not checked yet).
		const edgeStart = Math.max(0, h - 3);
		const edge = h ? Buffer.concat([held.subarray(edgeStart), chunk.subarray(0, 3)]) : EMPTY;
		for (let e = edge.indexOf(PK); e !== -1 && e + 4 <= edge.length; e = edge.indexOf(PK, e + 1)) {
			found = descriptorEndingAt(edgeStart + e);
			if (found) {
				foundAt = edgeStart + e;
				break;
			}
		}
		for (let q = found ? -1 : chunk.indexOf(PK); q !== -1 && q + 4 <= chunk.length; ) {
			found = descriptorEndingAt(h + q);
			if (found) {
				foundAt = h + q;
				break;
			}
			q = chunk.indexOf(PK, q + 1);
		}

		const release = (end: number) => {
			if (h > 0) this.release(held.subarray(0, Math.min(end, h)));
			if (end > h) this.release(chunk.subarray(0, end - h));
		};
		if (found) {
			release(found.start);
			this.input.unread(
				foundAt >= h ? chunk.subarray(foundAt - h) : Buffer.concat([held.subarray(foundAt), chunk]),
			);
			this.entry.sizes = found.sizes;
			this.held = EMPTY;
			this.done = true;
			return;
		}
		const keepFrom = Math.max(0, total - HOLD_BACK);
		release(keepFrom);
		this.held =
			keepFrom >= h
				? chunk.subarray(keepFrom - h)
				: Buffer.concat([held.subarray(keepFrom), chunk]);
		this.heldStart += keepFrom;
	}
}

function checkSizes(entry: EntryRecord, crc: number, size: number): void {
	const expected = entry.sizes;
	if (size !== expected.uncompressed) {
		throw new ZipFormatError(
			'size-mismatch',
			`${entry.name} holds ${size} bytes, its header says ${expected.uncompressed}`,
		);
	}
	if (entry.method === 0 && expected.compressed !== expected.uncompressed) {
		throw new ZipFormatError('size-mismatch', `${entry.name} is stored but its two sizes differ`);
	}
	if (crc !== expected.crc)
		throw new ZipFormatError('crc-mismatch', `${entry.name} is corrupt (CRC-32)`);
}

/** zlib's complaints about the deflate data mean a corrupt entry; other errors pass through. */
function inflateFailure(entry: EntryRecord, error: Error & { code?: string }): Error {
	if (error instanceof ZipFormatError || !error.code?.startsWith('Z_')) return error;
	return new ZipFormatError('crc-mismatch', `${entry.name} is corrupt (${error.message})`);
}

async function* inflate(body: EntryBody): AsyncGenerator<Uint8Array> {
	const stream = new DecompressionStream('deflate-raw');
	const writer = stream.writable.getWriter();
	const reader = stream.readable.getReader();
	const pump = (async () => {
		try {
			for (let chunk = await body.next(); chunk !== null; chunk = await body.next()) {
				await writer.write(chunk as Uint8Array<ArrayBuffer>);
			}
			await writer.close();
		} catch (error) {
			await writer.abort(error).catch(() => undefined);
		}
	})();
	let finished = false;
	try {
		for (;;) {
			const result = await reader.read();
			if (result.done) break;
			yield result.value;
		}
		finished = true;
	} catch (error) {
		throw inflateFailure(body.entry, error);
	} finally {
		// Stops the pump when the consumer left early; it must be idle before the entry is skipped.
		if (!finished) await reader.cancel().catch(() => undefined);
		await pump;
	}
}

export async function* entryData(body: EntryBody): AsyncGenerator<Uint8Array> {
	let crc = 0;
	let size = 0;
	const chunks = body.entry.method === 8 ? inflate(body) : rawChunks(body);
	for await (const chunk of chunks) {
		crc = crc32(chunk, crc);
		size += chunk.length;
		yield chunk;
	}
	checkSizes(body.entry, crc, size);
}

async function* rawChunks(body: EntryBody): AsyncGenerator<Uint8Array> {
	for (let chunk = await body.next(); chunk !== null; chunk = await body.next()) yield chunk;
}

export async function readLocalHeader(input: ByteReader): Promise<EntryRecord> {
	const offset = input.position - 4;
	const fixed = (await input.readExact(26)) ?? truncated('a local file header');
	const flags = fixed.readUInt16LE(2);
	const method = fixed.readUInt16LE(4);
	const variable =
		(await input.readExact(fixed.readUInt16LE(22) + fixed.readUInt16LE(24))) ??
		truncated('a local file header');
	const nameBytes = Buffer.from(variable.subarray(0, fixed.readUInt16LE(22)));
	const name = nameBytes.toString(flags & FLAG_UTF8 ? 'utf8' : 'latin1');
	if (flags & (FLAG_ENCRYPTED | FLAG_STRONG_ENCRYPTION)) {
		throw new ZipFormatError('unsupported', `${name} is encrypted`);
	}
	if (method !== 0 && method !== 8) {
		throw new ZipFormatError('unsupported', `${name} uses compression method ${method}`);
	}
	const sizes = {
		crc: fixed.readUInt32LE(10),
		compressed: fixed.readUInt32LE(14),
		uncompressed: fixed.readUInt32LE(18),
	};
	if (!(flags & FLAG_DESCRIPTOR)) {
		const wide = zip64Extra(
			variable.subarray(nameBytes.length),
			'bad-signature',
			sizes.uncompressed,
			sizes.compressed,
		);
		sizes.uncompressed = wide.next(sizes.uncompressed);
		sizes.compressed = wide.next(sizes.compressed);
	}
	return { name, nameBytes, offset, method, flags, sizes };
}

/**
 * The data of an entry the central directory lists, read from a byte range that starts at its
 * local header. The sizes and CRC come from the directory, so the data ends where it says and no
 * descriptor scan is needed; bytes after the data (its descriptor) are left unread.
 */
export async function* listedEntryData(
	source: AsyncIterable<Uint8Array>,
	listed: EntryRecord,
): AsyncGenerator<Uint8Array> {
	const input = new ByteReader(source[Symbol.asyncIterator]());
	try {
		const signature = (
			(await input.readExact(4)) ?? truncated(`the local header of ${listed.name}`)
		).readUInt32LE(0);
		if (signature !== SIG_LOCAL) {
			throw new ZipFormatError(
				'bad-central-directory',
				`there is no local header where the central directory puts ${listed.name}`,
			);
		}
		const local = await readLocalHeader(input);
		if (!local.nameBytes.equals(listed.nameBytes) || local.method !== listed.method) {
			throw new ZipFormatError(
				'bad-central-directory',
				`its record of ${listed.name} does not match the entry`,
			);
		}
		const known = { ...local, flags: local.flags & ~FLAG_DESCRIPTOR, sizes: { ...listed.sizes } };
		yield* entryData(new EntryBody(input, known));
	} finally {
		await input.close();
	}
}
