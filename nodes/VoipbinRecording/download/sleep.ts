import { sleep } from 'n8n-workflow';

/**
 * Waits `ms`, or rejects with the signal's reason as soon as it aborts (the execution was
 * cancelled). n8n-workflow 2.40 exports `sleep` but no abortable form; the timer itself is left
 * to run out, so callers wait in short steps where that matters.
 */
export async function sleepUnlessAborted(ms: number, signal?: AbortSignal): Promise<void> {
	if (!signal) return await sleep(ms);
	signal.throwIfAborted();
	await new Promise<void>((resolve, reject) => {
		const onAbort = () => reject(signal.reason);
		signal.addEventListener('abort', onAbort, { once: true });
		void sleep(ms).then(() => {
			signal.removeEventListener('abort', onAbort);
			resolve();
		});
	});
}
