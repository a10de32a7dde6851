/**
 * Benchmark 1: what one poll costs as the account grows. The fake VoIPBIN (in this process, rate
 * limit off) holds 10 … 100,000 recordings; before every poll ten seconds pass, 5 recordings
 * arrive (3 ended, 2 in progress for two polls) and the 2 that are due end; two long-running
 * recordings sit deep in the listing (at positions 150 and 350, where the account has them).
 * Our trigger runs through n8n-core's real PollContext; the naive poller re-lists every page.
 * The two take turns against the same account.
 */

import { readState } from '../nodes/VoipbinRecording/trigger/state';
import { startFakeVoipbin } from '../test/fake-voipbin';
import { PollHarness, accessKeyCredential } from '../test/helpers/n8n';
import { runIfMain, mean, report, round, table } from './common';
import { NaivePoller } from './naive-poller';
import { pollCostTable } from './tables';
import { Trickle, fakeAccount } from './world';

// The explicit `.ts`: Node's resolver would pick the `.node.json` codex file next to it first.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { VoipbinRecordingTrigger } =
	require('../nodes/VoipbinRecording/VoipbinRecordingTrigger.node.ts') as typeof import('../nodes/VoipbinRecording/VoipbinRecordingTrigger.node');

export const SIZES = [10, 1_000, 10_000, 100_000];
const WARMUP_POLLS = 3;
const MEASURED_POLLS = 10;
const NEW_PER_POLL = 5;
const DEEP_POSITIONS = [150, 350];
const LIST_ROUTE = 'GET /v1.0/recordings';
const GET_ROUTE = 'GET /v1.0/recordings/{id}';

export interface PollCostRow {
	recordings: number;
	/** Polls after activation that each read one more page below the first run's. */
	backfillPolls: number;
	polls: number;
	newPerPoll: number;
	oursList: number;
	oursGet: number;
	oursRequests: number;
	/** ceil(new/100) + 1 + pending recordings at poll start (worst poll). */
	allowedMax: number;
	oursWithinBound: boolean;
	oursMs: number;
	oursEvents: number;
	naivePolls: number;
	naiveRequests: number;
	naiveMs: number;
	naiveEvents: number;
}

/** Fewer naive polls on the largest account: each one lists 1,000 pages. */
const naiveEvery = (size: number) => (size >= 100_000 ? 3 : 1);

async function measure(size: number): Promise<PollCostRow> {
	const fake = await startFakeVoipbin({ clock: 'manual', startTime: Date.now(), filesDelayMs: 0 });
	fake.faults.set({ rateLimit: 'off' });
	const account = fake.createAccount();
	const seeded = fake.seedRecordings(account.customerId, size, { status: 'ended' });
	for (const position of DEEP_POSITIONS.filter((p) => p < size)) {
		// Half a second after the recording at that position (newest first): it lands right there.
		const tmCreate = seeded[size - 1 - position].tmCreate + 500_000;
		fake.createRecording(account.customerId, { status: 'recording', tmCreate });
	}
	const trickle = new Trickle(fakeAccount(fake, account.customerId), {
		newPerPoll: NEW_PER_POLL,
		inProgressPerPoll: 2,
		lifePolls: [2, 2],
	});
	const trigger = new VoipbinRecordingTrigger();
	const harness = new PollHarness(
		trigger,
		{ event: 'recordingEnded' },
		accessKeyCredential(fake.baseUrl, account.accessKey),
	);
	const naive = new NaivePoller(fake.baseUrl, account.accessKey);
	/** What the bound's pending part pays for: pending recordings, watched µs, the backfill. */
	const pendingNow = () => {
		const state = readState(harness.state ?? {});
		if (!state) return 0;
		return state.pending.length + state.overflowGroups.length + (state.backfill ? 1 : 0);
	};

	// First runs: the trigger sets its cursor, the naive poller learns every status. The trigger
	// then reads the pages below its first run, one a poll, until the listing ends (the backfill:
	// it follows recordings that were in progress deeper down); measured from then on.
	await harness.poll();
	let backfillPolls = 0;
	while (readState(harness.state ?? {})?.backfill) {
		await harness.poll();
		backfillPolls++;
	}
	await naive.poll();

	const ours: Array<{ list: number; get: number; ms: number; events: number; allowed: number }> =
		[];
	const theirs: Array<{ requests: number; ms: number; events: number }> = [];
	for (let i = 0; i < WARMUP_POLLS + MEASURED_POLLS; i++) {
		const { created } = trickle.step();
		const allowed = Math.ceil(created / 100) + 1 + pendingNow();
		fake.resetRequests();
		let started = performance.now();
		const output = await harness.poll();
		const ms = performance.now() - started;
		const routes = fake.stats().byRoute;
		if (i >= WARMUP_POLLS) {
			ours.push({
				list: routes[LIST_ROUTE] ?? 0,
				get: routes[GET_ROUTE] ?? 0,
				ms,
				events: output?.[0].length ?? 0,
				allowed,
			});
		}
		if ((i + 1) % naiveEvery(size) !== 0) continue;
		fake.resetRequests();
		started = performance.now();
		const naiveResult = await naive.poll();
		const naiveMs = performance.now() - started;
		if (i >= WARMUP_POLLS) {
			theirs.push({
				requests: naiveResult.requests,
				ms: naiveMs,
				events: naiveResult.ended.length,
			});
		}
	}
	await fake.close();
	const oursRequests = ours.map((p) => p.list + p.get);
	return {
		recordings: size,
		backfillPolls,
		polls: ours.length,
		newPerPoll: NEW_PER_POLL,
		oursList: round(mean(ours.map((p) => p.list)), 2),
		oursGet: round(mean(ours.map((p) => p.get)), 2),
		oursRequests: round(mean(oursRequests), 2),
		allowedMax: Math.max(...ours.map((p) => p.allowed)),
		oursWithinBound: ours.every((p) => p.list + p.get <= p.allowed),
		oursMs: round(mean(ours.map((p) => p.ms)), 1),
		oursEvents: round(mean(ours.map((p) => p.events)), 1),
		naivePolls: theirs.length,
		naiveRequests: round(mean(theirs.map((p) => p.requests)), 1),
		naiveMs: round(mean(theirs.map((p) => p.ms)), 1),
		naiveEvents: round(mean(theirs.map((p) => p.events)), 1),
	};
}

async function main(): Promise<void> {
	const sizes = process.env.BENCH_POLL_SIZES?.split(',').map(Number) ?? SIZES;
	const rows: PollCostRow[] = [];
	for (const size of sizes) {
		rows.push(await measure(size));
		console.log(`poll cost: ${size} recordings done`);
	}
	const { head, rows: cells } = pollCostTable(rows);
	console.log(
		`\nPoll cost vs account size (${NEW_PER_POLL} new recordings per poll, rate limit off)\n`,
	);
	console.log(table(head, cells));
	report(rows);
}

runIfMain(module, main);
