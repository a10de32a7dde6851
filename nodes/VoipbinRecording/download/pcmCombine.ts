/**
 * Combinators over two streams of 16-bit little-endian mono PCM. The streams are read in
 * lock-step (each is pulled only when it has less than a sample buffered), so memory stays at a
 * chunk or two per side however long the recording. Chunks may split anywhere, even inside a
 * sample: bytes are copied into aligned scratch arrays before being read as Int16Array (native
 * order is little-endian on every host Node runs on).
 */

/** Samples per output block: bounds the scratch arrays and the size of each yielded chunk. */
const BLOCK_SAMPLES = 16384;

/** The bytes of one input that have arrived but not been combined yet. */
class Side {
	ended = false;

	available = 0;

	private readonly queue: Uint8Array[] = [];

	private offset = 0;

	constructor(private readonly iterator: AsyncIterator<Uint8Array>) {}

	async pull(): Promise<void> {
		const result = await this.iterator.next();
		if (result.done) {
			this.ended = true;
		} else if (result.value.length > 0) {
			this.queue.push(result.value);
			this.available += result.value.length;
		}
	}

	/** Copies the next `bytes` bytes into `target`, zero-filling what the stream does not have. */
	take(target: Uint8Array, bytes: number): void {
		let filled = 0;
		while (filled < bytes && this.queue.length > 0) {
			const head = this.queue[0];
			const count = Math.min(bytes - filled, head.length - this.offset);
			target.set(head.subarray(this.offset, this.offset + count), filled);
			filled += count;
			this.offset += count;
			if (this.offset === head.length) {
				this.queue.shift();
				this.offset = 0;
			}
		}
		target.fill(0, filled, bytes);
		this.available -= filled;
	}

	async close(): Promise<void> {
		if (!this.ended) await this.iterator.return?.();
	}
}

/**
 * Yields `combine(a, b, samples)` over aligned blocks of both streams until both end; the shorter
 * stream reads as silence. A lone byte at the very end of a stream counts as a sample's low byte.
 */
async function* pairwise(
	first: AsyncIterable<Uint8Array>,
	second: AsyncIterable<Uint8Array>,
	combine: (a: Int16Array, b: Int16Array, samples: number) => Uint8Array,
): AsyncGenerator<Uint8Array> {
	const sides = [first, second].map((source) => new Side(source[Symbol.asyncIterator]()));
	const scratch = sides.map(() => new Int16Array(BLOCK_SAMPLES));
	const scratchBytes = scratch.map((array) => new Uint8Array(array.buffer));
	try {
		for (;;) {
			await Promise.all(sides.filter((s) => !s.ended && s.available < 2).map((s) => s.pull()));
			if (sides.some((s) => !s.ended && s.available < 2)) continue;
			if (sides.every((s) => s.ended && s.available === 0)) return;
			// Live streams limit the block to what both have; once both ended, the longer leftover does.
			const live = sides.filter((s) => !s.ended);
			const samples = Math.min(
				BLOCK_SAMPLES,
				live.length > 0
					? Math.min(...live.map((s) => s.available >> 1))
					: Math.max(...sides.map((s) => Math.ceil(s.available / 2))),
			);
			sides.forEach((side, i) => side.take(scratchBytes[i], samples * 2));
			yield combine(scratch[0], scratch[1], samples);
		}
	} finally {
		await Promise.all(sides.map(async (side) => await side.close()));
	}
}

/**
 * Sums two mono streams sample by sample, saturating at the int16 range (clipping protection);
 * the shorter one is padded with silence.
 */
export function mixToMono(
	a: AsyncIterable<Uint8Array>,
	b: AsyncIterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
	return pairwise(a, b, (left, right, samples) => {
		const out = new Int16Array(samples);
		for (let i = 0; i < samples; i++) {
			const sum = left[i] + right[i];
			out[i] = sum > 32767 ? 32767 : sum < -32768 ? -32768 : sum;
		}
		return new Uint8Array(out.buffer);
	});
}

/**
 * Interleaves two mono streams into stereo (a = left, b = right); the shorter is padded with
 * silence.
 */
export function interleaveStereo(
	left: AsyncIterable<Uint8Array>,
	right: AsyncIterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
	return pairwise(left, right, (l, r, samples) => {
		const out = new Int16Array(samples * 2);
		for (let i = 0; i < samples; i++) {
			out[2 * i] = l[i];
			out[2 * i + 1] = r[i];
		}
		return new Uint8Array(out.buffer);
	});
}
