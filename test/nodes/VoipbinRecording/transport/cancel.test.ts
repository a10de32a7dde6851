/**
 * Cancelling an execution (n8n's cancel signal, handed to the real ExecuteContext) ends every
 * wait of the node within a second: Wait for End, a retry backoff, a request in flight, and the
 * Download's wait for the files.
 */
import type { IDataObject } from 'n8n-workflow';

import { VoipbinRecording } from '../../../../nodes/VoipbinRecording/VoipbinRecording.node';
import { pause } from '../../../../nodes/VoipbinRecording/transport/cancel';
import { startFakeVoipbin } from '../../../fake-voipbin';
import type { FakeAccount, FakeVoipbin } from '../../../fake-voipbin';
import { accessKeyCredential, executeContext, runNode } from '../../../helpers/n8n';

const node = new VoipbinRecording();
let fake: FakeVoipbin;
let account: FakeAccount;

beforeAll(async () => {
	fake = await startFakeVoipbin({ filesDelayMs: 600_000 });
	account = fake.createAccount();
});
afterAll(async () => await fake.close());
beforeEach(() => {
	fake.faults.reset();
	fake.resetRequests();
});

/**
 * Runs the node, cancels the execution `cancelAfterMs` later, and returns how long after the
 * cancellation the run ended and with what.
 */
async function cancelDuring(
	parameters: IDataObject,
	cancelAfterMs: number,
): Promise<{ error: Error; endedAfterCancelMs: number; requestsAfterCancel: number }> {
	const controller = new AbortController();
	const credential = accessKeyCredential(fake.baseUrl, account.accessKey);
	let cancelledAt = 0;
	let requestsAtCancel = 0;
	const run = runNode(node, parameters, { credential, abortSignal: controller.signal });
	const timer = setTimeout(() => {
		cancelledAt = Date.now();
		requestsAtCancel = fake.requests.length;
		controller.abort();
	}, cancelAfterMs);
	const error = await run.then(
		() => {
			throw new Error('the run finished instead of being cancelled');
		},
		(e: unknown) => e as Error,
	);
	clearTimeout(timer);
	return {
		error,
		endedAfterCancelMs: Date.now() - cancelledAt,
		requestsAfterCancel: fake.requests.length - requestsAtCancel,
	};
}

it('Wait for End (10 minutes by default) stops within a second of cancellation', async () => {
	const id = fake.createRecording(account.customerId, { status: 'recording' }).id;
	const { error, endedAfterCancelMs, requestsAfterCancel } = await cancelDuring(
		{ operation: 'waitForEnd', recordingId: id },
		500,
	);
	expect(error.message).toBe('The execution was cancelled');
	expect(endedAfterCancelMs).toBeLessThan(1000);
	expect(requestsAfterCancel).toBe(0);
});

it('a retry backoff (here a 30 s Retry-After) stops within a second of cancellation', async () => {
	const id = fake.createRecording(account.customerId).id;
	fake.faults.set({ status429: { count: 1, retryAfterSeconds: 30 } });
	const { error, endedAfterCancelMs, requestsAfterCancel } = await cancelDuring(
		{ operation: 'get', recordingId: id },
		500,
	);
	expect(error.message).toBe('The execution was cancelled');
	expect(endedAfterCancelMs).toBeLessThan(1000);
	expect(requestsAfterCancel).toBe(0);
	expect(fake.requests).toHaveLength(1);
});

it('a request in flight is aborted within a second of cancellation', async () => {
	const id = fake.createRecording(account.customerId).id;
	fake.faults.set({ delayMs: 5_000 });
	const { error, endedAfterCancelMs } = await cancelDuring(
		{ operation: 'get', recordingId: id },
		500,
	);
	expect(error.message).toBe('The execution was cancelled');
	expect(endedAfterCancelMs).toBeLessThan(1000);
});

it("Download's wait for the files stops within a second of cancellation", async () => {
	const id = fake.createRecording(account.customerId, { filesReady: false }).id;
	const { error, endedAfterCancelMs } = await cancelDuring(
		{ operation: 'download', recordingId: id, outputAs: 'zip' },
		1_000,
	);
	expect(error.message).toBe('The execution was cancelled');
	expect(endedAfterCancelMs).toBeLessThan(1000);
});

it('pause ends at once when cancelled, and waits out its time when not', async () => {
	const credential = accessKeyCredential(fake.baseUrl, account.accessKey);
	const controller = new AbortController();
	const ctx = executeContext(
		node,
		{ operation: 'get' },
		{ credential, abortSignal: controller.signal },
	);
	const started = Date.now();
	await pause(ctx, 100);
	expect(Date.now() - started).toBeGreaterThanOrEqual(95);
	setTimeout(() => controller.abort(), 50);
	await expect(pause(ctx, 60_000)).rejects.toThrow('The execution was cancelled');
	expect(Date.now() - started).toBeLessThan(1000);
	await expect(pause(ctx, 0)).rejects.toThrow('The execution was cancelled');
});
