/**
 * A streaming ZIP reader, front to back, for the recording ZIPs VoIPBIN builds with Go's
 * `archive/zip` `Writer.Create`: deflate entries whose sizes and CRC follow the data in a data
 * descriptor (flag bit 3), so the end of an entry's data is found by scanning for that descriptor.
 * Memory stays bounded by the chunk size: entries are never buffered.
 */
import { crc32 } from './crc32';

export type ZipProblem =
	| 'truncated'
	| 'bad-signature'
	| 'crc-mismatch'
	| 'size-mismatch'
	| 'unsupported'
	| 'bad-central-directory';

export class ZipFormatError extends Error {
	readonly problem: ZipProblem;

	constructor(problem: ZipProblem, message: string) {
		super(`Invalid ZIP (${problem}): ${message}`);
		this.name = 'ZipFormatError';
		this.problem = problem;
	}
}

export interface ZipEntry {
	name: string;
	compressedMethod: 0 | 8;
	/**
	 * Decompressed bytes. Iterating to the end verifies CRC-32 and sizes, throwing ZipFormatError.
	 */
	data: AsyncIterable<Uint8Array>;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_DESCRIPTOR = 0x08074b50;
const SIG_END = 0x06054b50;
const SIG_ZIP64_END = 0x06064b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
/** Records that can follow a data descriptor: where a scan for the descriptor looks. */
const SIGS_AFTER_DATA = new Set([SIG_LOCAL, SIG_CENTRAL, SIG_END, SIG_ZIP64_END]);
const PK = Buffer.from('PK', 'latin1');
const UINT16_MAX = 0xffff;
const UINT32_MAX = 0xffffffff;
const FLAG_ENCRYPTED = 0x1;
const FLAG_DESCRIPTOR = 0x8;
const FLAG_STRONG_ENCRYPTION = 0x40;
const FLAG_UTF8 = 0x800;
const EMPTY = Buffer.alloc(0);

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

function truncated(what: string): never {
	throw new ZipFormatError('truncated', `the file ends inside ${what}`);
}

function toBuffer(chunk: Uint8Array): Buffer {
	return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
}

function readUInt64(b: Buffer, offset: number): number {
	return b.readUInt32LE(offset) + b.readUInt32LE(offset + 4) * 0x100000000;
}

/** A byte stream that can be read by exact lengths and pushed back into (also used for WAV). */
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

interface Sizes {
	crc: number;
	compressed: number;
	uncompressed: number;
}

interface LocalEntry {
	name: string;
	nameBytes: Buffer;
	offset: number;
	method: 0 | 8;
	flags: number;
	/** From the local header; for flag-bit-3 entries filled in from the data descriptor. */
	sizes: Sizes;
}

/** The compressed bytes of one entry, read off the input as they are asked for. */
class EntryBody {
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
		readonly entry: LocalEntry,
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

function checkSizes(entry: LocalEntry, crc: number, size: number): void {
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
function inflateFailure(entry: LocalEntry, error: Error & { code?: string }): Error {
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

async function* entryData(body: EntryBody): AsyncGenerator<Uint8Array> {
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

async function readLocalHeader(input: ByteReader): Promise<LocalEntry> {
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
 * Reads the zip64 extended-information extra field: it holds, in this order, exactly those of the
 * 32-bit fields that are set to their maximum (`next(value)` returns the field's true value).
 */
function zip64Extra(
	extra: Buffer,
	problem: ZipProblem,
	...fields: number[]
): { next(value: number): number } {
	let at = -1;
	for (let i = 0; i + 4 <= extra.length; i += 4 + extra.readUInt16LE(i + 2)) {
		if (extra.readUInt16LE(i) === 0x0001) at = i + 4;
	}
	const needed = fields.filter((value) => value === UINT32_MAX).length;
	if (needed > 0 && (at < 0 || at + 8 * needed > extra.length)) {
		throw new ZipFormatError(problem, 'a zip64 size is missing its extra field');
	}
	return {
		next(value: number) {
			if (value !== UINT32_MAX) return value;
			const wide = readUInt64(extra, at);
			at += 8;
			return wide;
		},
	};
}

/**
 * Reads the central directory (its signature already read) and the end records, and checks them
 * against the entries seen.
 */
async function readCentralDirectory(
	input: ByteReader,
	seen: LocalEntry[],
	firstSignature: number,
): Promise<void> {
	const bad = (message: string) => new ZipFormatError('bad-central-directory', message);
	const directoryStart = input.position - 4;
	const byOffset = new Map(seen.map((entry) => [entry.offset, entry]));
	let count = 0;
	let signature = firstSignature;
	for (
		;
		signature === SIG_CENTRAL;
		signature = ((await input.readExact(4)) ?? truncated('the central directory')).readUInt32LE(0)
	) {
		const fixed = (await input.readExact(42)) ?? truncated('the central directory');
		const nameLength = fixed.readUInt16LE(24);
		const variable =
			(await input.readExact(nameLength + fixed.readUInt16LE(26) + fixed.readUInt16LE(28))) ??
			truncated('the central directory');
		const extra = variable.subarray(nameLength, nameLength + fixed.readUInt16LE(26));
		const crc = fixed.readUInt32LE(12);
		const wide = zip64Extra(
			extra,
			'bad-central-directory',
			fixed.readUInt32LE(20),
			fixed.readUInt32LE(16),
			fixed.readUInt32LE(38),
		);
		const uncompressed = wide.next(fixed.readUInt32LE(20));
		const compressed = wide.next(fixed.readUInt32LE(16));
		const offset = wide.next(fixed.readUInt32LE(38));
		const entry = byOffset.get(offset);
		byOffset.delete(offset);
		if (
			!entry ||
			!entry.nameBytes.equals(variable.subarray(0, nameLength)) ||
			entry.method !== fixed.readUInt16LE(6) ||
			entry.sizes.crc !== crc ||
			entry.sizes.compressed !== compressed ||
			entry.sizes.uncompressed !== uncompressed
		) {
			throw bad(
				`its record of ${entry?.name ?? `an entry at offset ${offset}`} does not match the entry`,
			);
		}
		count++;
	}
	const directorySize = input.position - 4 - directoryStart;
	if (byOffset.size > 0) throw bad(`it does not list ${[...byOffset.values()][0].name}`);
	await readEndRecords(input, signature, { count, directoryStart, directorySize });
}

/** Reads the end record (after the zip64 end record and locator, if present) and checks it. */
async function readEndRecords(
	input: ByteReader,
	firstSignature: number,
	actual: { count: number; directoryStart: number; directorySize: number },
): Promise<void> {
	const bad = (message: string) => new ZipFormatError('bad-central-directory', message);
	let signature = firstSignature;
	let zip64: { count: number; size: number; offset: number } | undefined;
	if (signature === SIG_ZIP64_END) {
		const recordStart = input.position - 4;
		const length = readUInt64((await input.readExact(8)) ?? truncated('the zip64 end record'), 0);
		// Bounded, so that a corrupt length cannot make the reader buffer the rest of the stream.
		if (length < 44 || length > 65536) throw bad(`the zip64 end record has a length of ${length}`);
		const record = (await input.readExact(length)) ?? truncated('the zip64 end record');
		if (record.readUInt32LE(4) !== 0 || record.readUInt32LE(8) !== 0) {
			throw new ZipFormatError('unsupported', 'multi-part ZIPs are not supported');
		}
		zip64 = {
			count: readUInt64(record, 20),
			size: readUInt64(record, 28),
			offset: readUInt64(record, 36),
		};
		const locator = (await input.readExact(20)) ?? truncated('the zip64 end locator');
		if (locator.readUInt32LE(0) !== SIG_ZIP64_LOCATOR || readUInt64(locator, 8) !== recordStart) {
			throw bad('the zip64 end locator is missing or wrong');
		}
		signature = ((await input.readExact(4)) ?? truncated('the end record')).readUInt32LE(0);
	}
	if (signature !== SIG_END) {
		throw new ZipFormatError(
			'bad-signature',
			`expected the end record, found 0x${signature.toString(16)}`,
		);
	}
	const end = (await input.readExact(18)) ?? truncated('the end record');
	if ((await input.readExact(end.readUInt16LE(16))) === null) truncated('the end record comment');
	if (end.readUInt16LE(0) !== 0 || end.readUInt16LE(2) !== 0) {
		throw new ZipFormatError('unsupported', 'multi-part ZIPs are not supported');
	}
	const pick = (value: number, max: number, wide: number | undefined) => {
		if (value !== max) return value;
		if (wide === undefined)
			throw bad('the end record points to a zip64 end record that is missing');
		return wide;
	};
	const count = pick(end.readUInt16LE(6), UINT16_MAX, zip64?.count);
	if (
		end.readUInt16LE(4) !== end.readUInt16LE(6) ||
		count !== actual.count ||
		pick(end.readUInt32LE(8), UINT32_MAX, zip64?.size) !== actual.directorySize ||
		pick(end.readUInt32LE(12), UINT32_MAX, zip64?.offset) !== actual.directoryStart
	) {
		throw bad('the end record does not match the central directory');
	}
}

/**
 * Reads a ZIP from a byte stream front to back. An entry whose data is not consumed before the
 * next one is requested is skipped (without inflating). The generator ends only after the central
 * directory and end record were read and agree with the entries seen; a ZIP cut anywhere throws
 * ZipFormatError('truncated'). An empty ZIP (end record only) yields nothing and ends normally.
 */
export async function* readZipEntries(source: AsyncIterable<Uint8Array>): AsyncGenerator<ZipEntry> {
	const input = new ByteReader(source[Symbol.asyncIterator]());
	const seen: LocalEntry[] = [];
	try {
		for (;;) {
			const signature = (
				(await input.readExact(4)) ?? truncated('a record signature')
			).readUInt32LE(0);
			if (signature === SIG_LOCAL) {
				const entry = await readLocalHeader(input);
				const body = new EntryBody(input, entry);
				yield { name: entry.name, compressedMethod: entry.method, data: entryData(body) };
				await body.skip();
				seen.push(entry);
			} else if (signature === SIG_CENTRAL) {
				await readCentralDirectory(input, seen, signature);
				return;
			} else if (signature === SIG_END || signature === SIG_ZIP64_END) {
				if (seen.length > 0) {
					throw new ZipFormatError('bad-central-directory', 'the central directory is missing');
				}
				await readEndRecords(input, signature, {
					count: 0,
					directoryStart: input.position - 4,
					directorySize: 0,
				});
				return;
			} else {
				throw new ZipFormatError(
					'bad-signature',
					`unexpected record 0x${signature.toString(16)} at ${input.position - 4}`,
				);
			}
		}
	} finally {
		await input.close();
	}
}
