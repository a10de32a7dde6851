/** What the trigger scenarios share: fast polls, trigger workflows, waiting, counting. */
import { randomUUID } from 'node:crypto';

import type { Execution } from '../../scripts/n8n/api';
import { ENDED_STATUSES } from '../../scripts/n8n/api';
import { sleep } from '../../scripts/n8n/processes';
import { type CredentialRef, emittedIds, type Workflow } from '../../scripts/n8n/workflows';
import type { FakeProcess } from '../fake-voipbin/process';

/**
 * n8n refuses a poll interval under a minute (`isSubMinuteCron`: a 6-field cron whose seconds
 * field is not one fixed number), but a trigger may have several poll times: four crons a
 * minute apart each, at seconds 0, 15, 30 and 45, poll every 15 s — the shortest n8n accepts.
 */
export const POLL_EVERY_15_SECONDS = {
	item: [0, 15, 30, 45].map((second) => ({
		mode: 'custom',
		cronExpression: `${second} * * * * *`,
	})),
};
export const POLL_INTERVAL_MS = 15_000;

export const TRIGGER_TYPE = 'n8n-nodes-voipbin.voipbinRecordingTrigger';

/** A workflow of one VoIPBIN Recording Trigger ("recording ended"), polling every 15 s. */
export function triggerWorkflow(
	name: string,
	triggerName: string,
	credential: CredentialRef,
	{ attachAudio = false } = {},
): Workflow {
	return {
		name,
		nodes: [
			{
				id: randomUUID(),
				name: triggerName,
				type: TRIGGER_TYPE,
				typeVersion: 1,
				position: [0, 0],
				parameters: {
					pollTimes: POLL_EVERY_15_SECONDS,
					event: 'recordingEnded',
					onFirstRun: 'lastHours',
					firstRunHours: 24,
					filters: {},
					attachAudio,
					...(attachAudio && { audioOutputAs: 'monoMix', binaryPropertyName: 'data' }),
				},
				credentials: { voipbinApi: credential },
			},
		],
		connections: {},
		settings: { executionOrder: 'v1' },
	};
}

/** Calls `fn` until it returns something truthy or time runs out (then returns its last answer). */
export async function waitFor<T>(
	fn: () => Promise<T>,
	{ timeoutMs, intervalMs = 1000 }: { timeoutMs: number; intervalMs?: number },
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const last = await fn();
		if (last || Date.now() >= deadline) return last;
		await sleep(intervalMs);
	}
}

export interface FakeRequest {
	method: string;
	path: string;
	route: string;
	host: string;
	time: number;
	query: Record<string, string>;
	headers: Record<string, string>;
}

export async function fakeRequests(fake: FakeProcess, since = 0): Promise<FakeRequest[]> {
	const { requests } = await fake.control<{ requests: FakeRequest[] }>('/requests');
	return requests.filter((r) => r.time >= since);
}

/** How many recording lists (trigger polls, one page each here) the fake served since then. */
export async function listRequestsSince(fake: FakeProcess, since: number): Promise<number> {
	return (await fakeRequests(fake, since)).filter(
		(r) => r.method === 'GET' && /^\/v1\.0\/recordings\/?$/.test(r.path),
	).length;
}

export const allEnded = (executions: Execution[]): boolean =>
	executions.every((e) => ENDED_STATUSES.has(e.status));

/** How often each of `ids` was emitted over a workflow's executions. */
export function emissionCounts(
	executions: Execution[],
	triggerName: string,
	ids: string[],
): Map<string, number> {
	const emitted = emittedIds(executions, triggerName);
	return new Map(ids.map((id) => [id, emitted.filter((x) => x === id).length]));
}
