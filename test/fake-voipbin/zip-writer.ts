/**
 * A streaming ZIP writer that lays bytes out the way Go's `archive/zip` `Writer.Create` does, which
 * is how VoIPBIN's storage manager builds recording ZIPs: every entry deflated, local header with
 * flag bit 3 (sizes and CRC zero), the data descriptor with its signature after the data (zip64
 * form with 8-byte sizes once an entry reaches 4 GiB), then the central directory and end record
 * (zip64 end record and locator when offsets or counts overflow). No timestamps, as Create leaves
 * them zero.
 */
import { Readable } from 'node:stream';
import { crc32, createDeflateRaw } from 'node:zlib';

export interface ZipSourceEntry {
	name: string;
	chunks: () => Iterable<Buffer> | AsyncIterable<Buffer>;
}

const UINT16_MAX = 0xffff;
const UINT32_MAX = 0xffffffff;
const FLAG_DATA_DESCRIPTOR = 0x8;
const FLAG_UTF8 = 0x800;
const METHOD_DEFLATE = 8;
const VERSION_20 = 20;
const VERSION_45 = 45;

interface Written {
	name: Buffer;
	flags: number;
	offset: number;
	crc: number;
	compressed: number;
	uncompressed: number;
}

function localHeader(entry: Written): Buffer {
	const b = Buffer.alloc(30 + entry.name.length);
	b.writeUInt32LE(0x04034b50, 0);
	b.writeUInt16LE(VERSION_20, 4);
	b.writeUInt16LE(entry.flags, 6);
	b.writeUInt16LE(METHOD_DEFLATE, 8);
	// time, date, crc, sizes, extra length: all zero
	b.writeUInt16LE(entry.name.length, 26);
	entry.name.copy(b, 30);
	return b;
}

function dataDescriptor(entry: Written, zip64: boolean): Buffer {
	const b = Buffer.alloc(zip64 ? 24 : 16);
	b.writeUInt32LE(0x08074b50, 0);
	b.writeUInt32LE(entry.crc, 4);
	if (zip64) {
		b.writeBigUInt64LE(BigInt(entry.compressed), 8);
		b.writeBigUInt64LE(BigInt(entry.uncompressed), 16);
	} else {
		b.writeUInt32LE(entry.compressed, 8);
		b.writeUInt32LE(entry.uncompressed, 12);
	}
	return b;
}

function centralHeader(entry: Written, zip64: boolean): Buffer {
	const extraLength = zip64 ? 28 : 0;
	const b = Buffer.alloc(46 + entry.name.length + extraLength);
	b.writeUInt32LE(0x02014b50, 0);
	b.writeUInt16LE(VERSION_20, 4);
	b.writeUInt16LE(zip64 ? VERSION_45 : VERSION_20, 6);
	b.writeUInt16LE(entry.flags, 8);
	b.writeUInt16LE(METHOD_DEFLATE, 10);
	b.writeUInt32LE(entry.crc, 16);
	b.writeUInt32LE(zip64 ? UINT32_MAX : entry.compressed, 20);
	b.writeUInt32LE(zip64 ? UINT32_MAX : entry.uncompressed, 24);
	b.writeUInt16LE(entry.name.length, 28);
	b.writeUInt16LE(extraLength, 30);
	b.writeUInt32LE(Math.min(entry.offset, UINT32_MAX), 42);
	entry.name.copy(b, 46);
	if (zip64) {
		const extra = 46 + entry.name.length;
		b.writeUInt16LE(0x0001, extra);
		b.writeUInt16LE(24, extra + 2);
		b.writeBigUInt64LE(BigInt(entry.uncompressed), extra + 4);
		b.writeBigUInt64LE(BigInt(entry.compressed), extra + 12);
		b.writeBigUInt64LE(BigInt(entry.offset), extra + 20);
	}
	return b;
}

function endRecords(count: number, size: number, offset: number, zip64: boolean): Buffer {
	const end = Buffer.alloc(22);
	end.writeUInt32LE(0x06054b50, 0);
	end.writeUInt16LE(zip64 ? UINT16_MAX : count, 8);
	end.writeUInt16LE(zip64 ? UINT16_MAX : count, 10);
	end.writeUInt32LE(zip64 ? UINT32_MAX : size, 12);
	end.writeUInt32LE(zip64 ? UINT32_MAX : offset, 16);
	if (!zip64) return end;
	const record = Buffer.alloc(56);
	record.writeUInt32LE(0x06064b50, 0);
	record.writeBigUInt64LE(44n, 4);
	record.writeUInt16LE(VERSION_45, 12);
	record.writeUInt16LE(VERSION_45, 14);
	record.writeBigUInt64LE(BigInt(count), 24);
	record.writeBigUInt64LE(BigInt(count), 32);
	record.writeBigUInt64LE(BigInt(size), 40);
	record.writeBigUInt64LE(BigInt(offset), 48);
	const locator = Buffer.alloc(20);
	locator.writeUInt32LE(0x07064b50, 0);
	locator.writeBigUInt64LE(BigInt(offset + size), 8);
	locator.writeUInt32LE(1, 16);
	return Buffer.concat([record, locator, end]);
}

async function* deflated(
	chunks: Iterable<Buffer> | AsyncIterable<Buffer>,
	level: number,
	entry: Written,
): AsyncGenerator<Buffer> {
	async function* counted() {
		for await (const chunk of chunks) {
			entry.crc = crc32(chunk, entry.crc);
			entry.uncompressed += chunk.length;
			yield chunk;
		}
	}
	const input = Readable.from(counted());
	const deflater = createDeflateRaw({ level });
	input.on('error', (error) => deflater.destroy(error));
	input.pipe(deflater);
	try {
		for await (const piece of deflater) yield piece as Buffer;
	} finally {
		input.destroy();
	}
}

/**
 * Streams a ZIP the way Go's archive/zip Writer.Create does: local header with flag bit 3 and
 * zero CRC/sizes, deflate data, data descriptor with signature, central directory, end record
 * (zip64 records when needed). `zip64` forces the zip64 forms even for small entries (Go writes
 * them only past 4 GiB), so that readers' zip64 paths can be tested without 4 GiB fixtures.
 */
export async function* zipStream(
	entries: ZipSourceEntry[],
	opts: { level?: number; zip64?: boolean } = {},
): AsyncGenerator<Buffer> {
	const level = opts.level ?? 1;
	const written: Written[] = [];
	let offset = 0;
	for (const source of entries) {
		const name = Buffer.from(source.name, 'utf8');
		const ascii = name.length === source.name.length;
		const entry: Written = {
			name,
			flags: FLAG_DATA_DESCRIPTOR | (ascii ? 0 : FLAG_UTF8),
			offset,
			crc: 0,
			compressed: 0,
			uncompressed: 0,
		};
		const local = localHeader(entry);
		yield local;
		offset += local.length;
		for await (const piece of deflated(source.chunks(), level, entry)) {
			entry.compressed += piece.length;
			yield piece;
		}
		offset += entry.compressed;
		const large = entry.compressed >= UINT32_MAX || entry.uncompressed >= UINT32_MAX;
		const descriptor = dataDescriptor(entry, large || opts.zip64 === true);
		yield descriptor;
		offset += descriptor.length;
		written.push(entry);
	}
	const directoryOffset = offset;
	for (const entry of written) {
		const large = entry.compressed >= UINT32_MAX || entry.uncompressed >= UINT32_MAX;
		const header = centralHeader(entry, large || entry.offset >= UINT32_MAX || opts.zip64 === true);
		yield header;
		offset += header.length;
	}
	const size = offset - directoryOffset;
	const zip64 =
		opts.zip64 === true ||
		written.length >= UINT16_MAX ||
		size >= UINT32_MAX ||
		directoryOffset >= UINT32_MAX;
	yield endRecords(written.length, size, directoryOffset, zip64);
}
