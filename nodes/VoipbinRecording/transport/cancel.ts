import { NodeOperationError, sleep } from 'n8n-workflow';

import type { VoipbinContext } from './request';

/**
 * The execution's cancel signal: n8n fires it when the user stops the workflow. Action node runs
 * have one; polls do not (n8n ends a poll by its budget instead).
 */
export function cancelSignalOf(ctx: VoipbinContext): AbortSignal | undefined {
	return 'getExecutionCancelSignal' in ctx ? ctx.getExecutionCancelSignal() : undefined;
}

/** Whether the execution has been cancelled. */
export function isCancelled(ctx: VoipbinContext): boolean {
	return cancelSignalOf(ctx)?.aborted === true;
}

/** The error every wait ends with once the execution is cancelled. */
export function cancelledError(ctx: VoipbinContext, itemIndex?: number): NodeOperationError {
	return new NodeOperationError(ctx.getNode(), 'The execution was cancelled', {
		itemIndex,
		description: 'n8n stopped the execution, so the node stopped waiting for VoIPBIN.',
	});
}

/** Throws {@link cancelledError} if the execution has been cancelled. */
export function throwIfCancelled(ctx: VoipbinContext, itemIndex?: number): void {
	if (isCancelled(ctx)) throw cancelledError(ctx, itemIndex);
}

/**
 * Waits `ms`, ending at once with {@link cancelledError} when the execution is cancelled: every
 * backoff and polling interval of this package goes through here.
 */
export async function pause(ctx: VoipbinContext, ms: number, itemIndex?: number): Promise<void> {
	throwIfCancelled(ctx, itemIndex);
	// n8n-workflow's sleep rejects only when the signal fires; that is reported just below.
	await sleep(ms, cancelSignalOf(ctx)).catch(() => undefined);
	throwIfCancelled(ctx, itemIndex);
}
