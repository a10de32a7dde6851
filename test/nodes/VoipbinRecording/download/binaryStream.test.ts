/**
 * BinaryStream through the two ways n8n-core's binary stores read a stream: `data`/`end` events
 * (`binaryToBuffer`, i.e. `streamToBuffer`: in-memory and database modes) and async iteration (`fs.writeFile`:
 * filesystem mode).
 */
import { streamToBuffer } from '@n8n/backend-network';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { BinaryStream } from '../../../../nodes/VoipbinRecording/download/binaryStream';
import { chunked, randomBytes } from './streams';

const data = randomBytes(300_000, 7);

async function* failing(): AsyncGenerator<Uint8Array> {
	yield data.subarray(0, 1000);
	throw new Error('the ZIP is corrupt');
}

describe('BinaryStream', () => {
	// The idle timeout binaryToBuffer passes from n8n's configuration (given here: no DI in a unit test).
	const toBuffer = async (stream: BinaryStream) => await streamToBuffer(stream as never, 60_000);

	it("is read whole by n8n's streamToBuffer (data and end events)", async () => {
		expect((await toBuffer(new BinaryStream(chunked(data, 7000)))).equals(data)).toBe(true);
	});

	it('makes streamToBuffer fail when its source throws', async () => {
		await expect(toBuffer(new BinaryStream(failing()))).rejects.toThrow('the ZIP is corrupt');
	});

	it('is written whole by fs.writeFile, and a source that throws fails the write', async () => {
		const folder = mkdtempSync(join(tmpdir(), 'binary-stream-'));
		try {
			const file = join(folder, 'out.bin');
			await writeFile(file, new BinaryStream(chunked(data, 5000)));
			expect(readFileSync(file).equals(data)).toBe(true);
			await expect(writeFile(file, new BinaryStream(failing()))).rejects.toThrow(
				'the ZIP is corrupt',
			);
		} finally {
			rmSync(folder, { recursive: true, force: true });
		}
	});

	it('closes its source when destroyed', async () => {
		let closed = false;
		async function* source(): AsyncGenerator<Uint8Array> {
			try {
				for (;;) yield data.subarray(0, 10);
			} finally {
				closed = true;
			}
		}
		const stream = new BinaryStream(source());
		await stream[Symbol.asyncIterator]().next();
		stream.destroy();
		await new Promise((resolve) => setImmediate(resolve));
		expect(closed).toBe(true);
	});
});
