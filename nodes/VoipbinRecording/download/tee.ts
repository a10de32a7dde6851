/**
 * A tee with backpressure for async byte streams: the chunks of one download go on to n8n's store
 * while a check reads the same chunks, with no second download and no read-back afterwards.
 */

/** Chunks the checker may be behind the store by: bounds memory when the check is the slower. */
const CHECK_BACKLOG = 4;

/**
 * Passes `source` through unchanged while `check` reads the same chunks at the same time. The
 * pass-through waits whenever the check is CHECK_BACKLOG chunks behind, throws as soon as the
 * check has failed, and ends only after the check has finished.
 */
export function teeWithCheck<T>(
	source: AsyncIterable<Uint8Array>,
	check: (copy: AsyncIterable<Uint8Array>) => Promise<T>,
): { chunks: AsyncIterable<Uint8Array>; result: Promise<T> } {
	const backlog: Array<IteratorResult<Uint8Array>> = [];
	let checkerWaits: (() => void) | undefined;
	let sourceWaits: (() => void) | undefined;
	let checkDone = false;
	let failure: { error: unknown } | undefined;
	const wakeChecker = () => {
		checkerWaits?.();
		checkerWaits = undefined;
	};
	const wakeSource = () => {
		sourceWaits?.();
		sourceWaits = undefined;
	};
	const copy: AsyncIterable<Uint8Array> = {
		[Symbol.asyncIterator]: () => ({
			next: async () => {
				while (backlog.length === 0) await new Promise<void>((r) => (checkerWaits = r));
				const next = backlog.shift() as IteratorResult<Uint8Array>;
				wakeSource();
				return next;
			},
			return: async () => {
				// The check stopped reading (it ended or failed): stop feeding it.
				checkDone = true;
				backlog.length = 0;
				wakeSource();
				return { done: true, value: undefined };
			},
		}),
	};
	const result = check(copy);
	// Handled here too, so that a check failing while the store is still running is never unhandled.
	result.then(
		() => undefined,
		(error: unknown) => (failure = { error }),
	);
	void result
		.finally(() => {
			checkDone = true;
			wakeSource();
		})
		.catch(() => undefined);
	async function* chunks(): AsyncGenerator<Uint8Array> {
		try {
			for await (const chunk of source) {
				if (failure) throw failure.error;
				if (!checkDone) {
					backlog.push({ done: false, value: chunk });
					wakeChecker();
				}
				yield chunk;
				while (!checkDone && backlog.length >= CHECK_BACKLOG) {
					await new Promise<void>((r) => (sourceWaits = r));
				}
			}
		} finally {
			backlog.push({ done: true, value: undefined });
			wakeChecker();
		}
		await result;
	}
	return { chunks: chunks(), result };
}
