/**
 * Benchmark 2: how big the trigger's static data gets over 10,000 polls of an account holding
 * 100,000 recordings, with a trickle (5 new per poll, 2 of them in progress for 1–6 polls), a
 * long-running recording started every 100 polls (lasting 500–3,000 polls), and a burst of 150
 * recordings in progress at once at poll 400 (more than the 128 the state tracks).
 *
 * Real n8n polls cost tens of milliseconds each on this machine, so the first polls (600 by
 * default, past the burst) go through n8n-core's PollContext against the fake VoIPBIN, and all
 * 10,000 through the
 * trigger's pure decision functions (trigger/decide.ts, wired as poll.ts wires them) against the
 * trigger tests' in-memory server, with the same scenario. Both report the bytes of the node's
 * static data as n8n stores it (JSON).
 */
import type { IDataObject } from 'n8n-workflow';

import { startScan } from '../nodes/VoipbinRecording/trigger/decide';
import type { TriggerOptions } from '../nodes/VoipbinRecording/trigger/decide';
import { MAX_STATE_BYTES, readState, writeState } from '../nodes/VoipbinRecording/trigger/state';
import { startFakeVoipbin } from '../test/fake-voipbin';
import { PollHarness, accessKeyCredential } from '../test/helpers/n8n';
import { FakeServer, listPages, seekPending } from '../test/nodes/VoipbinRecording/trigger/model';
import { runIfMain, report, round, table } from './common';
import { stateSizeTable } from './tables';
import { Trickle, fakeAccount, modelAccount } from './world';
import type { TrickleOptions } from './world';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { VoipbinRecordingTrigger } =
	require('../nodes/VoipbinRecording/VoipbinRecordingTrigger.node.ts') as typeof import('../nodes/VoipbinRecording/VoipbinRecordingTrigger.node');

const RECORDINGS = 100_000;
const POLLS = 10_000;
const REAL_POLLS = Number(process.env.BENCH_STATE_REAL_POLLS ?? 600);
const TRICKLE: TrickleOptions = { newPerPoll: 5, inProgressPerPoll: 2, lifePolls: [1, 6] };
const LONG_EVERY = 100;
const LONG_LIFE: [number, number] = [500, 3_000];
const BURST_AT = 400;
const BURST = 150;
const BURST_LIFE = 30;
const OPTIONS: TriggerOptions = { events: ['ended'], firstRun: { mode: 'nothing' }, filters: {} };

export interface StatePath {
	path: string;
	polls: number;
	maxBytes: number;
	finalBytes: number;
	/** Bytes after poll REAL_POLLS, to compare the two paths. */
	bytesAtCheckpoint: number;
	maxPending: number;
	events: number;
	recordingsEnded: number;
	msPerPoll: number;
	seconds: number;
}

export interface StateSizeResult {
	recordings: number;
	/** The poll after which both paths' sizes are compared. */
	checkpoint: number;
	targetBytes: number;
	paths: StatePath[];
}

function scenarioStep(trickle: Trickle): void {
	trickle.step();
	if (trickle.poll % LONG_EVERY === 0) trickle.start(trickle.draw(...LONG_LIFE));
	if (trickle.poll === BURST_AT) for (let i = 0; i < BURST; i++) trickle.start(BURST_LIFE);
}

const pendingOf = (data: IDataObject | undefined) => readState(data ?? {})?.pending.length ?? 0;

async function realPolls(polls: number): Promise<StatePath> {
	const fake = await startFakeVoipbin({ clock: 'manual', startTime: Date.now(), filesDelayMs: 0 });
	fake.faults.set({ rateLimit: 'off' });
	const account = fake.createAccount();
	fake.seedRecordings(account.customerId, RECORDINGS, { status: 'ended' });
	const trickle = new Trickle(fakeAccount(fake, account.customerId), TRICKLE);
	const harness = new PollHarness(
		new VoipbinRecordingTrigger(),
		{ event: 'recordingEnded' },
		accessKeyCredential(fake.baseUrl, account.accessKey),
	);
	const bytes = () => Buffer.byteLength(JSON.stringify(harness.state ?? {}));
	const started = performance.now();
	await harness.poll();
	let maxBytes = bytes();
	let maxPending = 0;
	let events = 0;
	for (let poll = 1; poll <= polls; poll++) {
		scenarioStep(trickle);
		const output = await harness.poll();
		events += output?.[0].length ?? 0;
		maxBytes = Math.max(maxBytes, bytes());
		maxPending = Math.max(maxPending, pendingOf(harness.state));
		// The fake logs every request; nothing here needs the log.
		if (poll % 100 === 0) fake.resetRequests();
	}
	const ms = performance.now() - started;
	await fake.close();
	return {
		path: 'n8n PollContext + fake VoIPBIN (HTTP)',
		polls,
		maxBytes,
		finalBytes: bytes(),
		bytesAtCheckpoint: bytes(),
		maxPending,
		events,
		recordingsEnded: trickle.endedTotal,
		msPerPoll: round(ms / (polls + 1), 2),
		seconds: round(ms / 1000, 1),
	};
}

function purePolls(polls: number, checkpoint: number): StatePath {
	const server = new FakeServer();
	const start = Date.now() * 1000 - RECORDINGS * 1_000_000;
	for (let i = 0; i < RECORDINGS; i++) server.create(start + i * 1_000_000, 'ended');
	const account = modelAccount(server, Date.now() * 1000);
	const trickle = new Trickle(account, TRICKLE);
	// The node's static data, as n8n keeps it between polls.
	const staticData: IDataObject = {};
	const poll = () => {
		const scan = startScan(readState(staticData), OPTIONS, account.nowMicros());
		for (const page of listPages(server)) {
			if (!scan.addListedPage(page.recordings, page.isLast)) break;
		}
		seekPending(server, scan);
		const result = scan.decide({ maxEvents: 100 });
		writeState(staticData, result.state);
		return result.events.length;
	};
	const bytes = () => Buffer.byteLength(JSON.stringify(staticData));
	const started = performance.now();
	poll();
	let maxBytes = bytes();
	let maxPending = 0;
	let events = 0;
	let atCheckpoint = 0;
	for (let n = 1; n <= polls; n++) {
		scenarioStep(trickle);
		events += poll();
		maxBytes = Math.max(maxBytes, bytes());
		maxPending = Math.max(maxPending, pendingOf(staticData));
		if (n === checkpoint) atCheckpoint = bytes();
	}
	const ms = performance.now() - started;
	return {
		path: 'pure decide.ts + in-memory server',
		polls,
		maxBytes,
		finalBytes: bytes(),
		bytesAtCheckpoint: atCheckpoint,
		maxPending,
		events,
		recordingsEnded: trickle.endedTotal,
		msPerPoll: round(ms / (polls + 1), 3),
		seconds: round(ms / 1000, 1),
	};
}

async function main(): Promise<void> {
	const paths: StatePath[] = [];
	if (REAL_POLLS > 0) paths.push(await realPolls(REAL_POLLS));
	console.log('state size: real polls done');
	paths.push(purePolls(POLLS, REAL_POLLS));
	const result: StateSizeResult = {
		recordings: RECORDINGS,
		checkpoint: REAL_POLLS,
		targetBytes: MAX_STATE_BYTES,
		paths,
	};
	const { head, rows } = stateSizeTable(result);
	console.log(`\nTrigger state size: static data as JSON, ${RECORDINGS} recordings\n`);
	console.log(table(head, rows));
	report(result);
}

runIfMain(module, main);
