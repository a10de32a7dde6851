import { teeWithCheck } from '../../../../nodes/VoipbinRecording/download/tee';
import { collect } from './streams';

function chunksOf(count: number, size = 10): Uint8Array[] {
	return Array.from({ length: count }, (_, i) => new Uint8Array(size).fill(i));
}

/** A source that records how far it has been read. */
function counted(chunks: Uint8Array[]) {
	const state = { pulled: 0 };
	const source = (async function* () {
		for (const chunk of chunks) {
			state.pulled++;
			yield chunk;
		}
	})();
	return { source, state };
}

describe('teeWithCheck', () => {
	it('passes every chunk through and gives the check the same bytes', async () => {
		const input = chunksOf(50);
		const { chunks, result } = teeWithCheck(
			counted(input).source,
			async (copy) => await collect(copy),
		);
		const passed = await collect(chunks);
		expect(passed).toEqual(Buffer.concat(input));
		expect(await result).toEqual(passed);
	});

	it('ends only after the check has finished', async () => {
		let checkDone = false;
		const { chunks } = teeWithCheck(counted(chunksOf(3)).source, async (copy) => {
			await collect(copy);
			await new Promise((resolve) => setTimeout(resolve, 50));
			checkDone = true;
		});
		await collect(chunks);
		expect(checkDone).toBe(true);
	});

	it('fails the pass-through when the check fails, so the store drops the file', async () => {
		const { chunks, result } = teeWithCheck(counted(chunksOf(20)).source, async (copy) => {
			let seen = 0;
			for await (const _chunk of copy) if (++seen === 3) throw new Error('bad CRC');
		});
		await expect(collect(chunks)).rejects.toThrow('bad CRC');
		await expect(result).rejects.toThrow('bad CRC');
	});

	it('holds the source back while the check lags (bounded memory)', async () => {
		const { source, state } = counted(chunksOf(100));
		let release: () => void = () => undefined;
		const gate = new Promise<void>((resolve) => (release = resolve));
		const { chunks } = teeWithCheck(source, async (copy) => {
			await gate; // a check that has not started reading yet
			await collect(copy);
		});
		const iterator = chunks[Symbol.asyncIterator]();
		const reading = (async () => {
			while (!(await iterator.next()).done);
		})();
		await new Promise((resolve) => setTimeout(resolve, 50));
		expect(state.pulled).toBeLessThanOrEqual(5);
		release();
		await reading;
		expect(state.pulled).toBe(100);
	});

	it('keeps passing data through when the check stops reading early', async () => {
		const input = chunksOf(30);
		const { chunks, result } = teeWithCheck(counted(input).source, async (copy) => {
			for await (const _chunk of copy) break; // e.g. it has seen all it needs
			return 'seen enough';
		});
		expect(await collect(chunks)).toEqual(Buffer.concat(input));
		expect(await result).toBe('seen enough');
	});
});
