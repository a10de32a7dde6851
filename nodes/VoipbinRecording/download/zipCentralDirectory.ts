/**
 * A ZIP's central directory and end records: every entry's name, local-header offset, method,
 * sizes and CRC, read either front to back after the entries or from the end of the file first
 * (one small ranged request), and checked against the end record.
 */
import { ByteReader } from './byteReader';
import type { EntryRecord } from './zipEntryData';
import {
	FLAG_UTF8,
	SIG_CENTRAL,
	SIG_END,
	SIG_ZIP64_END,
	SIG_ZIP64_LOCATOR,
	UINT16_MAX,
	UINT32_MAX,
	ZipFormatError,
	readUInt64,
	truncated,
	zip64Extra,
} from './zipFormat';

export interface CentralDirectory {
	entries: EntryRecord[];
	/** Offset of the directory's first record: where the entries' data ends. */
	start: number;
}

const END_RECORD_BYTES = 22;
const ZIP64_LOCATOR_BYTES = 20;
/** Longest end-record comment a ZIP may carry. */
const MAX_COMMENT = 0xffff;
/**
 * Bytes of a ZIP's end fetched first: the end records with room for a central directory of dozens
 * of entries (VoIPBIN's hold one or two). A longer directory costs one more request.
 */
export const DIRECTORY_TAIL_BYTES = 16 * 1024;

function bad(message: string): ZipFormatError {
	return new ZipFormatError('bad-central-directory', message);
}

/**
 * Reads the central directory (its first signature already read, at `input.position - 4`) and the
 * end records, and checks that they agree.
 */
export async function readCentralDirectory(
	input: ByteReader,
	firstSignature: number,
): Promise<CentralDirectory> {
	const start = input.position - 4;
	const entries: EntryRecord[] = [];
	let signature = firstSignature;
	for (
		;
		signature === SIG_CENTRAL;
		signature = ((await input.readExact(4)) ?? truncated('the central directory')).readUInt32LE(0)
	) {
		const fixed = (await input.readExact(42)) ?? truncated('the central directory');
		const nameLength = fixed.readUInt16LE(24);
		const extraLength = fixed.readUInt16LE(26);
		const variable =
			(await input.readExact(nameLength + extraLength + fixed.readUInt16LE(28))) ??
			truncated('the central directory');
		const flags = fixed.readUInt16LE(4);
		const wide = zip64Extra(
			variable.subarray(nameLength, nameLength + extraLength),
			'bad-central-directory',
			fixed.readUInt32LE(20),
			fixed.readUInt32LE(16),
			fixed.readUInt32LE(38),
		);
		const uncompressed = wide.next(fixed.readUInt32LE(20));
		const compressed = wide.next(fixed.readUInt32LE(16));
		const nameBytes = Buffer.from(variable.subarray(0, nameLength));
		entries.push({
			name: nameBytes.toString(flags & FLAG_UTF8 ? 'utf8' : 'latin1'),
			nameBytes,
			offset: wide.next(fixed.readUInt32LE(38)),
			method: fixed.readUInt16LE(6) as 0 | 8,
			flags,
			sizes: { crc: fixed.readUInt32LE(12), compressed, uncompressed },
		});
	}
	const size = input.position - 4 - start;
	await readEndRecords(input, signature, { count: entries.length, start, size });
	return { entries, start };
}

/** Checks that the directory lists exactly the entries read front to back, as they were. */
export function checkListedEntries(seen: EntryRecord[], listed: EntryRecord[]): void {
	const byOffset = new Map(seen.map((entry) => [entry.offset, entry]));
	for (const record of listed) {
		const entry = byOffset.get(record.offset);
		byOffset.delete(record.offset);
		if (
			!entry ||
			!entry.nameBytes.equals(record.nameBytes) ||
			entry.method !== record.method ||
			entry.sizes.crc !== record.sizes.crc ||
			entry.sizes.compressed !== record.sizes.compressed ||
			entry.sizes.uncompressed !== record.sizes.uncompressed
		) {
			throw bad(
				`its record of ${entry?.name ?? `an entry at offset ${record.offset}`} does not match the entry`,
			);
		}
	}
	if (byOffset.size > 0) throw bad(`it does not list ${[...byOffset.values()][0].name}`);
}

/** Reads the end record (after the zip64 end record and locator, if present) and checks it. */
async function readEndRecords(
	input: ByteReader,
	firstSignature: number,
	actual: { count: number; start: number; size: number },
): Promise<void> {
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
		pick(end.readUInt32LE(8), UINT32_MAX, zip64?.size) !== actual.size ||
		pick(end.readUInt32LE(12), UINT32_MAX, zip64?.offset) !== actual.start
	) {
		throw bad('the end record does not match the central directory');
	}
}

/**
 * Where the central directory of a ZIP of `objectSize` bytes starts, from the last bytes of the file
 * (`tail`, which begins at `tailStart`): the end record is found from the back (its comment must
 * reach exactly to the end), then the zip64 end record when the end record points to one.
 */
export function locateCentralDirectory(
	tail: Buffer,
	tailStart: number,
	objectSize: number,
): number {
	if (tailStart + tail.length !== objectSize)
		throw new Error('the tail must reach the end of the ZIP');
	const lowest = Math.max(0, tail.length - END_RECORD_BYTES - MAX_COMMENT);
	for (let at = tail.length - END_RECORD_BYTES; at >= lowest; at--) {
		if (tail.readUInt32LE(at) !== SIG_END) continue;
		if (at + END_RECORD_BYTES + tail.readUInt16LE(at + 20) !== tail.length) continue;
		const offset = tail.readUInt32LE(at + 16);
		if (offset !== UINT32_MAX) return offset;
		const locator = at - ZIP64_LOCATOR_BYTES;
		if (locator < 0 || tail.readUInt32LE(locator) !== SIG_ZIP64_LOCATOR) {
			throw bad('the end record points to a zip64 end record that is missing');
		}
		const record = readUInt64(tail, locator + 8) - tailStart;
		if (record < 0 || record + 56 > tail.length || tail.readUInt32LE(record) !== SIG_ZIP64_END) {
			throw bad('the zip64 end locator is missing or wrong');
		}
		return readUInt64(tail, record + 48);
	}
	if (tailStart > 0 || objectSize >= END_RECORD_BYTES)
		throw bad('there is no end record at the end of the file');
	truncated('the end record');
}

/** Reads the central directory out of `bytes`, which start at the directory (`start`) and reach the end. */
export async function parseCentralDirectory(
	bytes: Buffer,
	start: number,
): Promise<CentralDirectory> {
	const input = new ByteReader(
		(async function* () {
			yield bytes;
		})(),
	);
	input.position = start;
	const signature = ((await input.readExact(4)) ?? truncated('the central directory')).readUInt32LE(
		0,
	);
	if (signature !== SIG_CENTRAL && signature !== SIG_END && signature !== SIG_ZIP64_END) {
		throw bad(`the end record points to ${start}, where no directory starts`);
	}
	return await readCentralDirectory(input, signature);
}
