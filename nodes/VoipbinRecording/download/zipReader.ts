/**
 * A streaming ZIP reader, front to back, for the recording ZIPs VoIPBIN builds with Go's
 * `archive/zip` `Writer.Create`: deflate entries whose sizes and CRC follow the data in a data
 * descriptor (flag bit 3), so the end of an entry's data is found by scanning for that descriptor.
 * Memory stays bounded by the chunk size: entries are never buffered. Used where the ZIP is read
 * as one stream: the original ZIP checked as it is stored, and a storage that ignores `Range`.
 */
import { ByteReader } from './byteReader';
import { checkListedEntries, readCentralDirectory } from './zipCentralDirectory';
import { EntryBody, entryData, readLocalHeader } from './zipEntryData';
import type { EntryRecord, ZipEntry } from './zipEntryData';
import {
	SIG_CENTRAL,
	SIG_END,
	SIG_LOCAL,
	SIG_ZIP64_END,
	ZipFormatError,
	truncated,
} from './zipFormat';

/**
 * Reads a ZIP from a byte stream front to back. An entry whose data is not consumed before the
 * next one is requested is skipped (without inflating). The generator ends only after the central
 * directory and end record were read and agree with the entries seen; a ZIP cut anywhere throws
 * ZipFormatError('truncated'). An empty ZIP (end record only) yields nothing and ends normally.
 */
export async function* readZipEntries(source: AsyncIterable<Uint8Array>): AsyncGenerator<ZipEntry> {
	const input = new ByteReader(source[Symbol.asyncIterator]());
	const seen: EntryRecord[] = [];
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
				checkListedEntries(seen, (await readCentralDirectory(input, signature)).entries);
				return;
			} else if (signature === SIG_END || signature === SIG_ZIP64_END) {
				if (seen.length > 0) {
					throw new ZipFormatError('bad-central-directory', 'the central directory is missing');
				}
				await readCentralDirectory(input, signature);
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
