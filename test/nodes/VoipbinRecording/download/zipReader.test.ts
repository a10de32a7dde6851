import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 as zlibCrc32, deflateRawSync } from 'node:zlib';

import { commandWorks } from '../../../helpers/commands';
import { ZipFormatError } from '../../../../nodes/VoipbinRecording/download/zipFormat';
import { readZipEntries } from '../../../../nodes/VoipbinRecording/download/zipReader';
import { wavFileChunks } from '../../../fake-voipbin/audio';
import { zipStream } from '../../../fake-voipbin/zip-writer';
import type { ZipSourceEntry } from '../../../fake-voipbin/zip-writer';
import { chunked, collect, randomBytes, randomSizes } from './streams';

interface ReadEntry {
	name: string;
	method: number;
	data: Buffer;
}

async function readAll(source: AsyncIterable<Uint8Array>): Promise<ReadEntry[]> {
	const entries: ReadEntry[] = [];
	for await (const entry of readZipEntries(source)) {
		entries.push({
			name: entry.name,
			method: entry.compressedMethod,
			data: await collect(entry.data),
		});
	}
	return entries;
}

/** Reads the whole ZIP, data included unless `skipData`, and returns the ZipFormatError problem. */
async function problemOf(zip: Uint8Array, opts: { skipData?: boolean; chunk?: number } = {}) {
	try {
		for await (const entry of readZipEntries(chunked(zip, opts.chunk ?? 4096))) {
			if (!opts.skipData) await collect(entry.data);
		}
	} catch (error) {
		if (error instanceof ZipFormatError) return error.problem;
		throw error;
	}
	return 'valid';
}

async function zipBuffer(entries: ZipSourceEntry[], opts?: { zip64?: boolean }): Promise<Buffer> {
	return await collect(zipStream(entries, opts));
}

function bufferEntry(name: string, data: Buffer): ZipSourceEntry {
	return { name, chunks: () => [data] };
}

type DescriptorForm = 'none' | 'signed' | 'unsigned' | 'signed64' | 'unsigned64';

interface HandEntry {
	name: string;
	data: Buffer;
	method: 0 | 8;
	descriptor: DescriptorForm;
}

/**
 * Builds a ZIP byte by byte, independently of zip-writer.ts, for the layouts Go never writes:
 * stored entries, sizes in the local header, descriptors without signature. Returns where each
 * record starts, so that tests can damage specific fields.
 */
function handZip(entries: HandEntry[]) {
	const parts: Buffer[] = [];
	const central: Buffer[] = [];
	const layout: Array<{ local: number; data: number; descriptor: number }> = [];
	let offset = 0;
	const push = (b: Buffer) => {
		parts.push(b);
		offset += b.length;
	};
	for (const entry of entries) {
		const name = Buffer.from(entry.name);
		const payload = entry.method === 8 ? deflateRawSync(entry.data) : entry.data;
		const crc = zlibCrc32(entry.data);
		const streamed = entry.descriptor !== 'none';
		const local = Buffer.alloc(30 + name.length);
		local.writeUInt32LE(0x04034b50, 0);
		local.writeUInt16LE(20, 4);
		local.writeUInt16LE(streamed ? 8 : 0, 6);
		local.writeUInt16LE(entry.method, 8);
		if (!streamed) {
			local.writeUInt32LE(crc, 14);
			local.writeUInt32LE(payload.length, 18);
			local.writeUInt32LE(entry.data.length, 22);
		}
		local.writeUInt16LE(name.length, 26);
		name.copy(local, 30);
		const start = offset;
		push(local);
		const dataStart = offset;
		push(payload);
		const descriptorStart = offset;
		if (streamed) {
			const signed = entry.descriptor.startsWith('signed');
			const wide = entry.descriptor.endsWith('64');
			const d = Buffer.alloc((signed ? 4 : 0) + 4 + (wide ? 16 : 8));
			let at = 0;
			if (signed) at = d.writeUInt32LE(0x08074b50, 0);
			at = d.writeUInt32LE(crc, at);
			if (wide) {
				at = d.writeBigUInt64LE(BigInt(payload.length), at);
				d.writeBigUInt64LE(BigInt(entry.data.length), at);
			} else {
				at = d.writeUInt32LE(payload.length, at);
				d.writeUInt32LE(entry.data.length, at);
			}
			push(d);
		}
		layout.push({ local: start, data: dataStart, descriptor: descriptorStart });
		const c = Buffer.alloc(46 + name.length);
		c.writeUInt32LE(0x02014b50, 0);
		c.writeUInt16LE(20, 4);
		c.writeUInt16LE(20, 6);
		c.writeUInt16LE(streamed ? 8 : 0, 8);
		c.writeUInt16LE(entry.method, 10);
		c.writeUInt32LE(crc, 16);
		c.writeUInt32LE(payload.length, 20);
		c.writeUInt32LE(entry.data.length, 24);
		c.writeUInt16LE(name.length, 28);
		c.writeUInt32LE(start, 42);
		name.copy(c, 46);
		central.push(c);
	}
	const centralStart = offset;
	central.forEach(push);
	const end = Buffer.alloc(22);
	end.writeUInt32LE(0x06054b50, 0);
	end.writeUInt16LE(entries.length, 8);
	end.writeUInt16LE(entries.length, 10);
	end.writeUInt32LE(offset - centralStart, 12);
	end.writeUInt32LE(centralStart, 16);
	const endStart = offset;
	push(end);
	return { zip: Buffer.concat(parts), layout, centralStart, endStart };
}

const EMPTY_ZIP = Buffer.from('504b0506' + '00'.repeat(18), 'hex');

function wav(direction: 'in' | 'out', seconds: number): Buffer {
	return Buffer.concat([...wavFileChunks({ seed: 'zip-test', direction, seconds })]);
}

describe('readZipEntries', () => {
	describe('reads ZIPs laid out like Go archive/zip Writer.Create', () => {
		const inWav = wav('in', 10);
		const outWav = wav('out', 10);
		let goStyle: Buffer;
		beforeAll(async () => {
			goStyle = await zipBuffer([
				{
					name: 'rec_out.wav',
					chunks: () => wavFileChunks({ seed: 'zip-test', direction: 'out', seconds: 10 }),
				},
				{
					name: 'rec_in.wav',
					chunks: () => wavFileChunks({ seed: 'zip-test', direction: 'in', seconds: 10 }),
				},
			]);
		});

		it('yields both entries with their exact bytes', async () => {
			const entries = await readAll(chunked(goStyle, 65536));
			expect(entries.map((e) => [e.name, e.method])).toEqual([
				['rec_out.wav', 8],
				['rec_in.wav', 8],
			]);
			expect(entries[0].data.equals(outWav)).toBe(true);
			expect(entries[1].data.equals(inWav)).toBe(true);
		});

		it.each([
			['1-byte chunks', 1],
			['3-byte chunks', 3],
			['random chunks up to 100 bytes', randomSizes(100, 7)],
			['random chunks up to 200 KB', randomSizes(200_000, 8)],
			['one chunk', 1 << 30],
		])('with %s', async (_, size) => {
			const entries = await readAll(chunked(goStyle, size));
			expect(entries[0].data.equals(outWav)).toBe(true);
			expect(entries[1].data.equals(inWav)).toBe(true);
		});

		it('reads zip64 data descriptors, central directory and end records', async () => {
			const zip = await zipBuffer(
				[bufferEntry('a_in.wav', inWav), bufferEntry('a_out.wav', outWav)],
				{
					zip64: true,
				},
			);
			for (const size of [1, 13, 65536]) {
				const entries = await readAll(chunked(zip, size));
				expect(entries.map((e) => e.name)).toEqual(['a_in.wav', 'a_out.wav']);
				expect(entries[0].data.equals(inWav)).toBe(true);
				expect(entries[1].data.equals(outWav)).toBe(true);
			}
		});

		it('reads empty entries and a conference ZIP with one entry', async () => {
			const zip = await zipBuffer([
				bufferEntry('empty', Buffer.alloc(0)),
				bufferEntry('c_in.wav', inWav),
			]);
			const entries = await readAll(chunked(zip, 1000));
			expect(entries.map((e) => [e.name, e.data.length])).toEqual([
				['empty', 0],
				['c_in.wav', inWav.length],
			]);
		});

		it('decodes UTF-8 names', async () => {
			const entries = await readAll(
				chunked(await zipBuffer([bufferEntry('añé_in.wav', inWav)]), 999),
			);
			expect(entries[0].name).toBe('añé_in.wav');
		});
	});

	it('reads an empty ZIP (end record only) as no entries', async () => {
		expect(await readAll(chunked(EMPTY_ZIP, 5))).toEqual([]);
		expect(await readAll(chunked(await zipBuffer([]), 5))).toEqual([]);
	});

	describe('reads ZIPs made by others', () => {
		const data = [
			{ name: 'text.txt', data: Buffer.from('hello '.repeat(5000)) },
			{ name: 'noise.bin', data: randomBytes(30_000, 3) },
			{ name: 'empty.txt', data: Buffer.alloc(0) },
			{ name: 'rec_in.wav', data: wav('in', 3) },
		];

		it.each<[string, 0 | 8, DescriptorForm]>([
			['stored, sizes in the local header', 0, 'none'],
			['deflated, sizes in the local header', 8, 'none'],
			['stored, descriptor with signature', 0, 'signed'],
			['deflated, descriptor without signature', 8, 'unsigned'],
			['stored, descriptor without signature', 0, 'unsigned'],
			['deflated, zip64 descriptor without signature', 8, 'unsigned64'],
			['deflated, zip64 descriptor with signature', 8, 'signed64'],
		])('hand-built: %s', async (_, method, descriptor) => {
			const { zip } = handZip(data.map((d) => ({ ...d, method, descriptor })));
			for (const size of [1, 7, randomSizes(5000, 9), 1 << 20]) {
				const entries = await readAll(chunked(zip, size));
				expect(entries.map((e) => e.name)).toEqual(data.map((d) => d.name));
				entries.forEach((e, i) => {
					expect(e.method).toBe(method);
					expect(e.data.equals(data[i].data)).toBe(true);
				});
			}
		});

		const zipCommand = commandWorks('zip', ['-v']);
		(zipCommand ? it.each : it.skip.each)([
			['to a file (sizes in the local header)', [] as string[], false],
			['to a pipe (data descriptors)', [], true],
			['stored, to a pipe', ['-0'], true],
			['level 9, to a pipe', ['-9'], true],
		])('by Info-ZIP zip %s', async (_, flags, pipe) => {
			const dir = mkdtempSync(join(tmpdir(), 'zip-test-'));
			try {
				for (const d of data) writeFileSync(join(dir, d.name), d.data);
				const names = data.map((d) => d.name);
				const zip = pipe
					? execFileSync('sh', ['-c', `zip -q ${flags.join(' ')} - ${names.join(' ')} | cat`], {
							cwd: dir,
						})
					: (execFileSync('zip', ['-q', ...flags, 'out.zip', ...names], { cwd: dir }),
						readFileSync(join(dir, 'out.zip')));
				if (pipe) expect(zip.readUInt16LE(6) & 8).toBe(8);
				const entries = await readAll(chunked(zip, randomSizes(3000, 10)));
				expect(entries.map((e) => e.name)).toEqual(names);
				entries.forEach((e, i) => expect(e.data.equals(data[i].data)).toBe(true));
			} finally {
				rmSync(dir, { recursive: true, force: true });
			}
		});
	});

	describe("reads ZIPs made by Python's zipfile, streaming to a pipe", () => {
		// Streaming makes zipfile use data descriptors; force_zip64 makes them (and more) zip64.
		const script = [
			'import sys, zipfile, io',
			'class Pipe(io.RawIOBase):',
			'    def writable(self): return True',
			'    def write(self, b): return sys.stdout.buffer.write(b)',
			'with zipfile.ZipFile(Pipe(), "w", compression=zipfile.ZIP_DEFLATED) as z:',
			'    for name in sys.argv[2:]:',
			'        with open(name, "rb") as src, z.open(name, "w", force_zip64=sys.argv[1] == "64") as dst:',
			'            dst.write(src.read())',
		].join('\n');
		const hasPython = commandWorks('python3', ['-c', 'import zipfile']);
		(hasPython ? it.each : it.skip.each)(['32', '64'])('with %s-bit sizes', async (bits) => {
			const dir = mkdtempSync(join(tmpdir(), 'zip-test-'));
			try {
				const files = { 'rec_out.wav': wav('out', 2), 'noise.bin': randomBytes(10_000, 12) };
				for (const [name, data] of Object.entries(files)) writeFileSync(join(dir, name), data);
				const zip = execFileSync('python3', ['-c', script, bits, ...Object.keys(files)], {
					cwd: dir,
				});
				expect(zip.readUInt16LE(6) & 8).toBe(8);
				const entries = await readAll(chunked(zip, randomSizes(5000, 13)));
				expect(entries.map((e) => e.name)).toEqual(Object.keys(files));
				entries.forEach((e) =>
					expect(e.data.equals(files[e.name as keyof typeof files])).toBe(true),
				);
			} finally {
				rmSync(dir, { recursive: true, force: true });
			}
		});
	});

	describe('skipping', () => {
		const first = randomBytes(50_000, 4);
		const second = Buffer.from('second entry '.repeat(1000));
		let zip: Buffer;
		beforeAll(async () => {
			zip = await zipBuffer([bufferEntry('first', first), bufferEntry('second', second)]);
		});

		it('skips an entry whose data is not read and still checks the ZIP to its end', async () => {
			const names: string[] = [];
			let secondData: Buffer | undefined;
			for await (const entry of readZipEntries(chunked(zip, 1000))) {
				names.push(entry.name);
				if (entry.name === 'second') secondData = await collect(entry.data);
			}
			expect(names).toEqual(['first', 'second']);
			expect(secondData?.equals(second)).toBe(true);
		});

		it('skips the rest of an entry that was read only in part', async () => {
			let secondData: Buffer | undefined;
			for await (const entry of readZipEntries(chunked(zip, 1000))) {
				if (entry.name === 'first') {
					for await (const chunk of entry.data) {
						expect(chunk.length).toBeGreaterThan(0);
						break;
					}
				} else {
					secondData = await collect(entry.data);
				}
			}
			expect(secondData?.equals(second)).toBe(true);
		});

		it('refuses to read an entry after the next one was requested', async () => {
			const entries = readZipEntries(chunked(zip, 1000));
			const firstEntry = (await entries.next()).value;
			await entries.next();
			await expect(collect(firstEntry.data)).rejects.toThrow(/after the next entry/);
		});

		it('closes the source when the reader is left early', async () => {
			let closed = false;
			async function* source() {
				try {
					yield* chunked(zip, 1000);
				} finally {
					closed = true;
				}
			}
			for await (const entry of readZipEntries(source())) {
				expect(entry.name).toBe('first');
				break;
			}
			expect(closed).toBe(true);
		});
	});

	describe('broken input', () => {
		let goStyle: Buffer;
		beforeAll(async () => {
			goStyle = await zipBuffer([
				bufferEntry('rec_out.wav', Buffer.concat([randomBytes(300, 5), Buffer.alloc(300, 1)])),
				bufferEntry('rec_in.wav', Buffer.from('in side '.repeat(80))),
			]);
		});

		it('reports a ZIP cut at every offset as truncated, data read or skipped', async () => {
			for (let cut = 0; cut < goStyle.length; cut++) {
				const prefix = goStyle.subarray(0, cut);
				expect([cut, await problemOf(prefix, { chunk: 97 })]).toEqual([cut, 'truncated']);
				expect([cut, await problemOf(prefix, { skipData: true, chunk: 97 })]).toEqual([
					cut,
					'truncated',
				]);
			}
			expect(await problemOf(goStyle)).toBe('valid');
		});

		it('reports a ZIP with sizes in the headers cut at every offset as truncated', async () => {
			const { zip } = handZip([
				{ name: 'a', data: randomBytes(200, 6), method: 8, descriptor: 'none' },
				{ name: 'b', data: randomBytes(100, 7), method: 0, descriptor: 'none' },
			]);
			for (let cut = 0; cut < zip.length; cut++) {
				expect([cut, await problemOf(zip.subarray(0, cut), { chunk: 50 })]).toEqual([
					cut,
					'truncated',
				]);
			}
		});

		const entry = (descriptor: DescriptorForm, method: 0 | 8 = 8): HandEntry => ({
			name: 'rec_in.wav',
			data: Buffer.from('some audio, or so '.repeat(300)),
			method,
			descriptor,
		});

		it('reports a wrong CRC in descriptor and central directory as crc-mismatch', async () => {
			const { zip, layout, centralStart } = handZip([entry('signed')]);
			zip.writeUInt32LE(zip.readUInt32LE(layout[0].descriptor + 4) ^ 1, layout[0].descriptor + 4);
			zip.writeUInt32LE(zip.readUInt32LE(centralStart + 16) ^ 1, centralStart + 16);
			expect(await problemOf(zip)).toBe('crc-mismatch');
		});

		it('reports a descriptor that disagrees with the central directory', async () => {
			const { zip, layout } = handZip([entry('signed')]);
			zip.writeUInt32LE(zip.readUInt32LE(layout[0].descriptor + 4) ^ 1, layout[0].descriptor + 4);
			expect(await problemOf(zip, { skipData: true })).toBe('bad-central-directory');
			expect(await problemOf(zip)).toBe('crc-mismatch');
		});

		it('reports a wrong CRC in the local header of a stored entry', async () => {
			const { zip, layout, centralStart } = handZip([entry('none', 0)]);
			zip.writeUInt32LE(0x12345678, layout[0].local + 14);
			zip.writeUInt32LE(0x12345678, centralStart + 16);
			expect(await problemOf(zip)).toBe('crc-mismatch');
		});

		it('reports damaged deflate data', async () => {
			const { zip, layout } = handZip([entry('signed')]);
			zip[layout[0].data + 20] ^= 0x55;
			expect(['crc-mismatch', 'size-mismatch']).toContain(await problemOf(zip));
		});

		it('reports a wrong uncompressed size as size-mismatch', async () => {
			const { zip, layout, centralStart } = handZip([entry('signed')]);
			const at = layout[0].descriptor + 12;
			zip.writeUInt32LE(zip.readUInt32LE(at) + 1, at);
			zip.writeUInt32LE(zip.readUInt32LE(centralStart + 24) + 1, centralStart + 24);
			expect(await problemOf(zip)).toBe('size-mismatch');
		});

		it('finds no descriptor whose compressed size is wrong, so reports truncation', async () => {
			const { zip, layout } = handZip([entry('signed')]);
			const at = layout[0].descriptor + 8;
			zip.writeUInt32LE(zip.readUInt32LE(at) + 1, at);
			expect(await problemOf(zip)).toBe('truncated');
		});

		it('reports a wrong compressed size in a local header as a bad signature', async () => {
			const { zip, layout } = handZip([entry('none', 0), entry('none', 0)]);
			zip.writeUInt32LE(zip.readUInt32LE(layout[0].local + 18) - 1, layout[0].local + 18);
			expect(await problemOf(zip, { skipData: true })).toBe('bad-signature');
		});

		it('is not fooled by descriptor-like bytes inside stored data', async () => {
			const decoy = Buffer.alloc(40);
			decoy.writeUInt32LE(0x08074b50, 0);
			decoy.writeUInt32LE(1234, 8); // a compressed size that is not this position
			decoy.writeUInt32LE(0x02014b50, 16);
			decoy.writeUInt32LE(0x04034b50, 20);
			const data = Buffer.concat([randomBytes(100, 8), decoy, randomBytes(100, 9)]);
			const { zip } = handZip([{ name: 'x', data, method: 0, descriptor: 'signed' }]);
			const entries = await readAll(chunked(zip, 33));
			expect(entries[0].data.equals(data)).toBe(true);
		});

		it.each([
			[
				'a wrong entry count',
				(z: ReturnType<typeof handZip>) => z.zip.writeUInt16LE(2, z.endStart + 10),
			],
			[
				'a wrong directory offset',
				(z: ReturnType<typeof handZip>) => z.zip.writeUInt32LE(1, z.endStart + 16),
			],
			[
				'a wrong directory size',
				(z: ReturnType<typeof handZip>) => z.zip.writeUInt32LE(9, z.endStart + 12),
			],
			['a renamed entry', (z: ReturnType<typeof handZip>) => z.zip.write('X', z.centralStart + 46)],
			[
				'a wrong local header offset',
				(z: ReturnType<typeof handZip>) => z.zip.writeUInt32LE(5, z.centralStart + 42),
			],
			[
				'a wrong method',
				(z: ReturnType<typeof handZip>) => z.zip.writeUInt16LE(0, z.centralStart + 10),
			],
		])('reports a central directory with %s', async (_, damage) => {
			const built = handZip([entry('signed')]);
			damage(built);
			expect(await problemOf(built.zip)).toBe('bad-central-directory');
		});

		it('reports a central directory that leaves out an entry', async () => {
			const two = handZip([entry('signed'), { ...entry('signed'), name: 'other' }]);
			const oneRecord = two.zip.subarray(two.centralStart, two.centralStart + 46 + 10);
			const end = Buffer.from(two.zip.subarray(two.endStart));
			end.writeUInt16LE(1, 8);
			end.writeUInt16LE(1, 10);
			end.writeUInt32LE(oneRecord.length, 12);
			const zip = Buffer.concat([two.zip.subarray(0, two.centralStart), oneRecord, end]);
			expect(await problemOf(zip)).toBe('bad-central-directory');
		});

		it('reports a missing central directory', async () => {
			const built = handZip([entry('signed')]);
			const end = Buffer.from(built.zip.subarray(built.endStart));
			end.writeUInt32LE(built.centralStart, 16);
			end.writeUInt32LE(0, 12);
			const zip = Buffer.concat([built.zip.subarray(0, built.centralStart), end]);
			expect(await problemOf(zip)).toBe('bad-central-directory');
		});

		it('rejects a zip64 end record whose length would make it buffer the stream', async () => {
			const zip = Buffer.concat([
				Buffer.from('504b0606', 'hex'),
				Buffer.from('0000000001000000', 'hex'),
				Buffer.alloc(100_000),
			]);
			expect(await problemOf(zip)).toBe('bad-central-directory');
		});

		it('rejects unsupported methods and encryption', async () => {
			const method = handZip([entry('none', 0)]);
			method.zip.writeUInt16LE(12, 8);
			expect(await problemOf(method.zip)).toBe('unsupported');
			const encrypted = handZip([entry('none', 0)]);
			encrypted.zip.writeUInt16LE(1, 6);
			expect(await problemOf(encrypted.zip)).toBe('unsupported');
		});

		it('rejects garbage', async () => {
			expect(await problemOf(Buffer.from('<html>Not Found</html>'))).toBe('bad-signature');
			expect(await problemOf(Buffer.alloc(0))).toBe('truncated');
			for (let seed = 0; seed < 20; seed++) {
				expect(await problemOf(randomBytes(5000, seed))).toBe('bad-signature');
				// A valid start followed by garbage must fail as a format error, never hang or crash.
				const start = goStyle.subarray(0, 41 + seed * 10);
				const problem = await problemOf(Buffer.concat([start, randomBytes(3000, seed)]));
				expect(problem).not.toBe('valid');
			}
		});

		it('reports an end record that promises a zip64 record which is missing', async () => {
			const zip = Buffer.from(EMPTY_ZIP);
			zip.writeUInt32LE(0xffffffff, 16);
			expect(await problemOf(zip)).toBe('bad-central-directory');
		});
	});

	it('inflates like Node zlib at every compression level', async () => {
		const text = Buffer.concat([
			wav('out', 1),
			Buffer.from('abc'.repeat(10_000)),
			randomBytes(5000, 11),
		]);
		for (let level = 0; level <= 9; level++) {
			const zip = await collect(zipStream([bufferEntry('x', text)], { level }));
			const [entry] = await readAll(chunked(zip, randomSizes(9000, level)));
			expect(entry.data.equals(text)).toBe(true);
		}
	});

	it('reads a 30-minute call ZIP with bounded memory', async () => {
		const seconds = 30 * 60;
		const source = zipStream(
			(['out', 'in'] as const).map((direction) => ({
				name: `call_${direction}.wav`,
				chunks: () => wavFileChunks({ seed: 'long', direction, seconds }),
			})),
		);
		const before = process.memoryUsage().rss;
		let peak = before;
		let bytes = 0;
		for await (const entry of readZipEntries(source)) {
			for await (const chunk of entry.data) {
				bytes += chunk.length;
				if (bytes % 64 === 0) peak = Math.max(peak, process.memoryUsage().rss);
			}
		}
		expect(bytes).toBe(2 * (44 + seconds * 8000 * 2));
		// 2 × 28.8 MB went through, compressed and inflated; holding an entry would show here.
		expect(peak - before).toBeLessThan(40 * 1024 * 1024);
	});

	it('streams: entry data arrives long before the source is read to its end', async () => {
		let pulled = 0;
		let pulledAtFirstData = -1;
		async function* source() {
			const entries = [
				{
					name: 'big_in.wav',
					chunks: () => wavFileChunks({ seed: 's', direction: 'in', seconds: 120 }),
				},
			];
			for await (const piece of zipStream(entries)) {
				pulled += piece.length;
				yield piece;
			}
		}
		for await (const entry of readZipEntries(source())) {
			for await (const chunk of entry.data) {
				expect(chunk.length).toBeGreaterThan(0);
				if (pulledAtFirstData < 0) pulledAtFirstData = pulled;
			}
		}
		expect(pulled).toBeGreaterThan(1_800_000);
		expect(pulledAtFirstData).toBeGreaterThan(0);
		expect(pulledAtFirstData).toBeLessThan(200_000);
	});
});
