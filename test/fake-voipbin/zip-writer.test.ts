import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, inflateRawSync } from 'node:zlib';

import { commandWorks } from '../helpers/commands';
import { wavFileChunks } from './audio';
import { zipStream } from './zip-writer';
import type { ZipSourceEntry } from './zip-writer';

async function zipOf(entries: ZipSourceEntry[], opts?: { level?: number; zip64?: boolean }) {
	const parts: Buffer[] = [];
	for await (const part of zipStream(entries, opts)) parts.push(part);
	return Buffer.concat(parts);
}

const inWav = Buffer.concat([...wavFileChunks({ seed: 'w', direction: 'in', seconds: 2 })]);
const outWav = Buffer.concat([...wavFileChunks({ seed: 'w', direction: 'out', seconds: 3 })]);
const ENTRIES: ZipSourceEntry[] = [
	{ name: 'rec_out.wav', chunks: () => wavFileChunks({ seed: 'w', direction: 'out', seconds: 3 }) },
	{
		name: 'rec_in.wav',
		chunks: async function* () {
			yield* wavFileChunks({ seed: 'w', direction: 'in', seconds: 2 });
		},
	},
];

/** Walks the ZIP by local headers and descriptors, as a reader that trusts Go's layout would. */
function parseGoLayout(zip: Buffer, wide: boolean) {
	const entries = [];
	let at = 0;
	while (zip.readUInt32LE(at) === 0x04034b50) {
		const flags = zip.readUInt16LE(at + 6);
		const method = zip.readUInt16LE(at + 8);
		const headerZeros = [10, 12, 14, 18, 22, 28].map((o) => zip.readUInt16LE(at + o));
		const nameLength = zip.readUInt16LE(at + 26);
		const name = zip.toString('utf8', at + 30, at + 30 + nameLength);
		const dataStart = at + 30 + nameLength;
		// Data ends where a descriptor with a matching compressed size sits.
		let end = dataStart;
		for (; ; end++) {
			if (zip.readUInt32LE(end) !== 0x08074b50) continue;
			const size = wide ? Number(zip.readBigUInt64LE(end + 8)) : zip.readUInt32LE(end + 8);
			if (size === end - dataStart) break;
		}
		const descriptor = {
			crc: zip.readUInt32LE(end + 4),
			uncompressed: wide ? Number(zip.readBigUInt64LE(end + 16)) : zip.readUInt32LE(end + 12),
		};
		const data = inflateRawSync(zip.subarray(dataStart, end));
		entries.push({ name, flags, method, headerZeros, data, descriptor, offset: at });
		at = end + (wide ? 24 : 16);
	}
	return { entries, centralStart: at };
}

describe('zipStream', () => {
	it('lays entries out like Go archive/zip Writer.Create', async () => {
		const zip = await zipOf(ENTRIES);
		const { entries, centralStart } = parseGoLayout(zip, false);
		expect(entries.map((e) => [e.name, e.flags, e.method, e.headerZeros])).toEqual([
			['rec_out.wav', 0x8, 8, [0, 0, 0, 0, 0, 0]],
			['rec_in.wav', 0x8, 8, [0, 0, 0, 0, 0, 0]],
		]);
		expect(entries[0].data.equals(outWav)).toBe(true);
		expect(entries[1].data.equals(inWav)).toBe(true);
		for (const entry of entries) {
			expect(entry.descriptor).toEqual({ crc: crc32(entry.data), uncompressed: entry.data.length });
		}
		// Central directory: one record per entry pointing at its local header, then the end record.
		let at = centralStart;
		for (const entry of entries) {
			expect(zip.readUInt32LE(at)).toBe(0x02014b50);
			expect(zip.readUInt32LE(at + 16)).toBe(entry.descriptor.crc);
			expect(zip.readUInt32LE(at + 24)).toBe(entry.data.length);
			expect(zip.readUInt32LE(at + 42)).toBe(entry.offset);
			at += 46 + zip.readUInt16LE(at + 28) + zip.readUInt16LE(at + 30);
		}
		expect(zip.readUInt32LE(at)).toBe(0x06054b50);
		expect(zip.readUInt16LE(at + 10)).toBe(2);
		expect(zip.readUInt32LE(at + 12)).toBe(at - centralStart);
		expect(zip.readUInt32LE(at + 16)).toBe(centralStart);
		expect(zip.length).toBe(at + 22);
	});

	it('writes zip64 descriptors, extra fields and end records when asked', async () => {
		const zip = await zipOf(ENTRIES, { zip64: true });
		const { entries, centralStart } = parseGoLayout(zip, true);
		expect(entries[1].data.equals(inWav)).toBe(true);
		expect(zip.readUInt32LE(centralStart + 20)).toBe(0xffffffff);
		expect(zip.readUInt16LE(centralStart + 30)).toBe(28);
		const end = zip.length - 22;
		expect(zip.readUInt32LE(end - 20)).toBe(0x07064b50);
		expect(zip.readUInt32LE(end - 76)).toBe(0x06064b50);
		expect(zip.readUInt32LE(end + 16)).toBe(0xffffffff);
	});

	it('writes an empty ZIP as the 22-byte end record', async () => {
		const zip = await zipOf([]);
		expect(zip.toString('hex')).toBe('504b0506' + '00'.repeat(18));
	});

	it('marks UTF-8 names', async () => {
		const zip = await zipOf([{ name: 'ü_in.wav', chunks: () => [Buffer.from('x')] }]);
		expect(zip.readUInt16LE(6)).toBe(0x808);
	});

	it('compresses more at higher levels', async () => {
		const sizes = [];
		for (const level of [0, 1, 9]) sizes.push((await zipOf(ENTRIES, { level })).length);
		expect(sizes[0]).toBeGreaterThan(sizes[1]);
		expect(sizes[1]).toBeGreaterThanOrEqual(sizes[2]);
	});

	it('pulls its input lazily instead of buffering whole entries', async () => {
		// Incompressible (it repeats beyond deflate's window), so output follows input closely.
		const noise = randomBytes(65536);
		let pulled = 0;
		function* endless() {
			for (;;) {
				pulled++;
				yield noise;
			}
		}
		const stream = zipStream([{ name: 'endless', chunks: endless }]);
		let produced = 0;
		for await (const part of stream) {
			produced += part.length;
			if (produced > 100_000) break;
		}
		expect(pulled).toBeLessThan(20);
	});

	const hasUnzip = commandWorks('unzip', ['-v']);
	(hasUnzip ? it.each : it.skip.each)([
		['plain', false],
		['zip64', true],
	])('is accepted by Info-ZIP unzip (%s)', async (_, zip64) => {
		const dir = mkdtempSync(join(tmpdir(), 'zip-writer-'));
		try {
			writeFileSync(join(dir, 'a.zip'), await zipOf(ENTRIES, { zip64 }));
			const test = execFileSync('unzip', ['-t', 'a.zip'], { cwd: dir, encoding: 'utf8' });
			expect(test).toMatch(/No errors detected/);
			execFileSync('unzip', ['-q', 'a.zip', '-d', 'out'], { cwd: dir });
			expect(readFileSync(join(dir, 'out', 'rec_in.wav')).equals(inWav)).toBe(true);
			expect(readFileSync(join(dir, 'out', 'rec_out.wav')).equals(outWav)).toBe(true);
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});
});
