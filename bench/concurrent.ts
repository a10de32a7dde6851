/**
 * Benchmark 1b: a contact center's worth of recordings in progress at once. The fake VoIPBIN (in
 * this process, rate limit off) holds 10,000 ended recordings; the trigger is activated, then
 * over 20 polls 1,000 recordings start (50 a poll, with 10 short ones that arrive ended), and for
 * 40 more polls 40 of those in progress end, 40 start and 10 arrive ended before every poll.
 * Through n8n-core's real PollContext. Per poll: requests (all are list pages), the bound
 * "pages of new + 1 + min(pages down to the oldest pending, number pending)", the bytes of the
 * node's static data, and for every recording that ended, in which poll its event came (0 = the
 * first poll after it ended).
 */
import { readState } from '../nodes/VoipbinRecording/trigger/state';
import { startFakeVoipbin } from '../test/fake-voipbin';
import { PollHarness, accessKeyCredential } from '../test/helpers/n8n';
import { watchedTimes } from '../test/nodes/VoipbinRecording/trigger/model';
import { mean, report, round, runIfMain, table } from './common';
import { concurrentTable } from './tables';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { VoipbinRecordingTrigger } =
	require('../nodes/VoipbinRecording/VoipbinRecordingTrigger.node.ts') as typeof import('../nodes/VoipbinRecording/VoipbinRecordingTrigger.node');

const HISTORY = 10_000;
export const CONCURRENT = 1_000;
const RAMP_POLLS = 20;
const STEADY_POLLS = 40;
const CHURN = 40;
const SHORT_PER_POLL = 10;
const POLL_INTERVAL_MS = 10_000;
const PAGE = 100;
const LIST_ROUTE = 'GET /v1.0/recordings';

export interface ConcurrentResult {
	/** Ended recordings on the account before activation. */
	history: number;
	recordings: number;
	maxInProgress: number;
	polls: number;
	meanRequests: number;
	maxRequests: number;
	/** The bound at the poll with the most requests. */
	allowedAtMax: number;
	withinBound: boolean;
	onlyListRequests: boolean;
	meanMs: number;
	maxStateBytes: number;
	bytesPerPending: number;
	endedEvents: number;
	ended: number;
	maxDelayPolls: number;
	duplicates: number;
}

/** Pages to list the newest `items` (first page 100, then 99 fresh per page). */
const pagesFor = (items: number) =>
	items <= PAGE ? 1 : 1 + Math.ceil((items - PAGE) / (PAGE - 1));

async function main(): Promise<void> {
	const fake = await startFakeVoipbin({ clock: 'manual', startTime: Date.now(), filesDelayMs: 0 });
	fake.faults.set({ rateLimit: 'off' });
	const account = fake.createAccount();
	fake.seedRecordings(account.customerId, HISTORY, { status: 'ended' });
	const harness = new PollHarness(
		new VoipbinRecordingTrigger(),
		{ event: 'recordingEnded' },
		accessKeyCredential(fake.baseUrl, account.accessKey),
	);
	let seed = 7;
	const random = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32;
	/** tm_create of every visible recording, and ids in progress. */
	const created: number[] = [];
	const live: string[] = [];
	const endedAtPoll = new Map<string, number>();
	const emittedAtPoll = new Map<string, number>();
	let duplicates = 0;
	const create = (status: 'ended' | 'recording', poll: number) => {
		fake.clock.advance(1 + Math.floor(random() * 200));
		const r = fake.createRecording(account.customerId, { status });
		created.push(r.tmCreate);
		if (status === 'recording') live.push(r.id);
		else endedAtPoll.set(r.id, poll);
	};
	await harness.poll(); // activation
	const polls: Array<{
		requests: number;
		bound: number;
		list: number;
		ms: number;
		bytes: number;
		pending: number;
	}> = [];
	for (let poll = 1; poll <= RAMP_POLLS + STEADY_POLLS; poll++) {
		fake.clock.advance(POLL_INTERVAL_MS);
		if (poll > RAMP_POLLS) {
			for (let i = 0; i < CHURN; i++) {
				const [id] = live.splice(Math.floor(random() * live.length), 1);
				fake.setStatus(id, 'ended');
				endedAtPoll.set(id, poll);
			}
		}
		const starting = poll <= RAMP_POLLS ? CONCURRENT / RAMP_POLLS : CHURN;
		for (let i = 0; i < starting; i++) create('recording', poll);
		for (let i = 0; i < SHORT_PER_POLL; i++) create('ended', poll);

		const state = readState(harness.state ?? {});
		if (!state) throw new Error('no state after activation');
		const newestFirst = [...created].sort((a, b) => b - a);
		const fresh = newestFirst.filter((t) => t > state.cursorMicros).length;
		// Pending recordings, and (counted as one pending each) watched µs and the backfill page.
		const watched = watchedTimes(state);
		let pendingPart = 0;
		if (watched.length) {
			const oldest = Math.min(...watched);
			const above = newestFirst.filter((t) => t >= oldest).length;
			pendingPart = Math.min(pagesFor(above), watched.length);
		}
		const bound = pagesFor(fresh) + 1 + pendingPart;

		fake.resetRequests();
		const started = performance.now();
		const output = await harness.poll();
		const ms = performance.now() - started;
		const stats = fake.stats();
		for (const item of output?.[0] ?? []) {
			const id = item.json.id as string;
			if (emittedAtPoll.has(id)) duplicates++;
			emittedAtPoll.set(id, poll);
		}
		const after = readState(harness.state ?? {});
		polls.push({
			requests: stats.api,
			list: stats.byRoute[LIST_ROUTE] ?? 0,
			bound,
			ms,
			bytes: Buffer.byteLength(JSON.stringify(harness.state ?? {})),
			pending: after?.pending.length ?? 0,
		});
	}
	await fake.close();

	const delays = [...endedAtPoll].map(([id, poll]) =>
		emittedAtPoll.has(id) ? (emittedAtPoll.get(id) as number) - poll : Infinity,
	);
	const worst = polls.reduce((a, b) => (b.requests > a.requests ? b : a));
	const maxPending = Math.max(...polls.map((p) => p.pending));
	const maxStateBytes = Math.max(...polls.map((p) => p.bytes));
	const result: ConcurrentResult = {
		history: HISTORY,
		recordings: HISTORY + created.length,
		maxInProgress: maxPending,
		polls: polls.length,
		meanRequests: round(mean(polls.map((p) => p.requests)), 1),
		maxRequests: worst.requests,
		allowedAtMax: worst.bound,
		withinBound: polls.every((p) => p.requests <= p.bound),
		onlyListRequests: polls.every((p) => p.list === p.requests),
		meanMs: round(mean(polls.map((p) => p.ms)), 1),
		maxStateBytes,
		bytesPerPending: round(maxStateBytes / maxPending, 1),
		endedEvents: emittedAtPoll.size,
		ended: endedAtPoll.size,
		maxDelayPolls: Math.max(...delays),
		duplicates,
	};
	const { head, rows } = concurrentTable(result);
	console.log(`\n${CONCURRENT} recordings in progress at once (through n8n's PollContext)\n`);
	console.log(table(head, rows));
	report(result);
}

runIfMain(module, main);
