/**
 * Soak: the Recording Trigger through n8n-core's real PollContext against the fake VoIPBIN, for a
 * few hundred polls of a busy account that misbehaves. Seeded, so a failure replays.
 *
 * Between polls recordings are created (alone, and in bursts sharing one tm_create), move
 * initiating → recording → stopping → ended at different speeds (some jump straight to ended),
 * and some are deleted while in progress; at poll 150 1,000 start at once. During polls the server answers 429 (Retry-After 0–1 s),
 * 500/503 (some halfway through a poll), drops connections, and creates recordings while the
 * trigger pages. Polls that fail must leave the static data untouched; "restarts" throw the
 * in-memory static data away and bring back the copy n8n saved at the last emitting poll.
 *
 * Then: every recording that ended while the trigger was active (and was not deleted first) gave
 * exactly one ended event; the static data never passed 128 KB; requests per poll stayed within
 * min(pages down to the oldest pending, number pending) + pages of new + 1, pages counted as the
 * server really pages (a group sharing one microsecond across a page boundary costs a page more),
 * a microsecond holding a full page that the trigger watches counting as one pending. Bursts
 * stay at 100 per microsecond: beyond that the API lists only 100 of one (the last test).
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { VoipbinRecordingTrigger } from '../../../../nodes/VoipbinRecording/VoipbinRecordingTrigger.node';
import { RETRY } from '../../../../nodes/VoipbinRecording/transport/request';
import {
	MAX_STATE_BYTES,
	PAGE_SIZE,
	readState,
} from '../../../../nodes/VoipbinRecording/trigger/state';
import type { TriggerState } from '../../../../nodes/VoipbinRecording/trigger/state';
import { startFakeVoipbin } from '../../../fake-voipbin';
import type {
	FakeVoipbin,
	FaultPatch,
	RecordingStatus,
	RequestLogEntry,
} from '../../../fake-voipbin';
import { PollHarness, accessKeyCredential } from '../../../helpers/n8n';
import { seeded } from '../../../helpers/random';
import { watchedTimes } from './model';

const SEED = 20261125;
const POLLS = 200;
/** Polls a recording may stay in progress before it is pushed on (keeps paging depth bounded). */
const MAX_AGE_POLLS = 20;
const POLL_INTERVAL_MS = 60_000;
const MAX_EVENTS_PER_POLL = 50;
/** Recordings that start at once at poll 150. */
const SURGE = 1000;
/** Polls whose 429 says `Retry-After: 1`: each costs a real second. */
const SLOW_429_POLLS = 6;

const trigger = new VoipbinRecordingTrigger();
const NEXT: Record<string, RecordingStatus> = {
	initiating: 'recording',
	recording: 'stopping',
	stopping: 'ended',
};
const LIST_ROUTE = 'GET /v1.0/recordings';
const GET_ROUTE = 'GET /v1.0/recordings/{id}';
const NO_FAULTS: FaultPatch = {
	status429: null,
	status5xx: null,
	reset: null,
	createDuringListing: null,
};

/**
 * Requests a client needs to list the newest `items` of the account, whose `tm_create`s are
 * `newestFirst`: the paging FACTS.md prescribes (next page from the last item's time + 1 µs, the
 * repeats dropped; a page holding nothing new steps on strictly). Without ties that is 1 page for
 * 100, then one per 99; a group sharing a microsecond across a page boundary costs a page more.
 */
function pagesFor(newestFirst: readonly number[], items: number): number {
	if (items <= 0) return 0;
	let requests = 0;
	let seen = 0;
	let token = Infinity;
	for (;;) {
		// The server's page: the first PAGE_SIZE recordings strictly older than the token.
		let start = 0;
		while (start < newestFirst.length && newestFirst[start] >= token) start++;
		const end = Math.min(newestFirst.length, start + PAGE_SIZE);
		requests++;
		const before = seen;
		seen = Math.max(seen, end);
		if (seen >= items || end - start < PAGE_SIZE) return requests;
		token = seen > before ? newestFirst[seen - 1] + 1 : newestFirst[seen - 1];
	}
}

/** A list or single GET the server answered itself (not a fault, not a retry's failed attempt). */
function isAnsweredRead(entry: RequestLogEntry): boolean {
	return (
		entry.host === 'api' &&
		(entry.route === LIST_ROUTE || entry.route === GET_ROUTE) &&
		entry.status !== 0 &&
		!entry.note?.startsWith('FAULT_')
	);
}

interface Tracked {
	id: string;
	tmCreate: number;
	status: RecordingStatus;
	deleted: boolean;
	/** Progress chance per poll while in progress. */
	speed: number;
	/** The poll before which it was created. */
	born: number;
	/** Ended while the trigger was active and not deleted first: owes exactly one ended event. */
	owed: boolean;
	/** Created by the fake during a listing; known only once the trigger emits it. */
	midPoll?: boolean;
}

interface Figures {
	recordings: number;
	ended: number;
	events: number;
	missed: number;
	duplicates: number;
	unexpected: number;
	polls: number;
	failedPolls: number;
	restarts: number;
	maxStateBytes: number;
	maxRequests: number;
	boundAtMax: number;
	boundChecked: number;
	maxPending: number;
	maxCursorIds: number;
	createdMidPoll: number;
	faultedRequests: number;
}

class Soak {
	readonly harness: PollHarness;

	readonly customerId: string;

	readonly tracked = new Map<string, Tracked>();

	readonly endedEvents = new Map<string, number>();

	readonly violations: string[] = [];

	readonly figures: Figures = {
		recordings: 0,
		ended: 0,
		events: 0,
		missed: 0,
		duplicates: 0,
		unexpected: 0,
		polls: 0,
		failedPolls: 0,
		restarts: 0,
		maxStateBytes: 0,
		maxRequests: 0,
		boundAtMax: 0,
		boundChecked: 0,
		maxPending: 0,
		maxCursorIds: 0,
		createdMidPoll: 0,
		faultedRequests: 0,
	};

	/** The static data as n8n last saved it (at the last emitting poll), JSON. */
	saved: string | null = null;

	/** Recordings the fake created during listings that no event has named yet. */
	undiscovered = 0;

	active = false;

	pollNumber = 0;

	private readonly rng: () => number;

	constructor(
		readonly fake: FakeVoipbin,
		seed: number,
	) {
		this.rng = seeded(seed);
		const account = fake.createAccount();
		this.customerId = account.customerId;
		this.harness = new PollHarness(
			trigger,
			{ event: 'recordingEnded', options: { maxEventsPerPoll: MAX_EVENTS_PER_POLL } },
			accessKeyCredential(fake.baseUrl, account.accessKey),
		);
	}

	random(): number {
		return this.rng();
	}

	int(below: number): number {
		return Math.floor(this.rng() * below);
	}

	/** A UUID from the seed, so ties at one microsecond sort the same way every run. */
	uuid(): string {
		const hex = Array.from({ length: 32 }, () => this.int(16).toString(16)).join('');
		return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
	}

	/** A recording created now, or at `tmCreate` (a burst sharing one microsecond). */
	create(status: RecordingStatus, tmCreate?: number): Tracked {
		const made = this.fake.createRecording(this.customerId, { id: this.uuid(), status, tmCreate });
		const recording: Tracked = {
			id: made.id,
			tmCreate: made.tmCreate,
			status,
			deleted: false,
			speed: this.random() < 0.05 ? 0.1 : 0.5,
			born: this.pollNumber,
			owed: this.active && status === 'ended',
		};
		this.tracked.set(recording.id, recording);
		return recording;
	}

	/** `count` recordings sharing tm_create, at most 100 per microsecond (beyond, the API hides some). */
	burst(count: number, status: () => RecordingStatus): void {
		for (let made = 0; made < count; made += PAGE_SIZE) {
			const first = this.create(status());
			for (let i = 1; i < Math.min(PAGE_SIZE, count - made); i++) {
				this.create(status(), first.tmCreate);
			}
		}
	}

	setStatus(recording: Tracked, status: RecordingStatus): void {
		this.fake.setStatus(recording.id, status);
		recording.status = status;
		if (status === 'ended' && this.active) recording.owed = true;
	}

	live(): Tracked[] {
		return [...this.tracked.values()].filter((r) => !r.deleted && r.status !== 'ended');
	}

	/** What happens on the account between two polls. */
	between(poll: number): void {
		this.pollNumber = poll;
		for (const recording of this.live()) {
			const x = this.random();
			if (x < 0.006) {
				this.fake.deleteRecording(recording.id);
				recording.deleted = true;
			} else if (recording.status === 'initiating' && x < 0.04) {
				this.setStatus(recording, 'ended');
			} else if (x < recording.speed || poll - recording.born > MAX_AGE_POLLS) {
				this.setStatus(recording, NEXT[recording.status]);
			}
		}
		const newStatus = (): RecordingStatus => {
			const x = this.random();
			return x < 0.45 ? 'initiating' : x < 0.65 ? 'recording' : 'ended';
		};
		for (let n = this.int(28); n > 0; n--) this.create(newStatus());
		if (poll % 13 === 7) this.burst(10 + this.int(91), newStatus);
		// More than a page, in chunks of up to 100 per microsecond.
		if (poll % 50 === 25) this.burst(150 + this.int(151), () => 'ended');
		// A contact center's surge: 1,000 recordings in progress at once.
		if (poll === 150) for (let i = 0; i < SURGE; i++) this.create('recording');
	}

	/** Faults for the next poll; cleared after it, so an unused one never leaks into another. */
	faults(slow429Left: { n: number }): FaultPatch {
		const patch: FaultPatch = { ...NO_FAULTS };
		const x = this.random();
		if (x < 0.1) {
			const slow = slow429Left.n > 0 && this.random() < 0.2;
			if (slow) slow429Left.n--;
			patch.status429 = { count: slow ? 1 : 1 + this.int(3), retryAfterSeconds: slow ? 1 : 0 };
		} else if (x < 0.18) {
			// Retried (a read on 503), possibly in the middle of the poll.
			patch.status5xx = { count: 1 + this.int(2), status: 503, after: this.int(5) };
		} else if (x < 0.26) {
			// Not retried: a list request fails the poll, a single GET is left for the next poll.
			patch.status5xx = { count: 1, status: 500, after: this.int(5) };
		} else if (x < 0.32) {
			patch.reset = { count: 1 + this.int(2) };
		} else if (x < 0.36) {
			// Outlasts every retry: the poll fails.
			if (this.random() < 0.5) patch.reset = { count: RETRY.maxAttempts };
			else patch.status5xx = { count: RETRY.maxAttempts, status: 503, after: this.int(3) };
		}
		if (this.random() < 0.15) {
			// From the second list request on: new recordings the running poll cannot see.
			patch.createDuringListing = { count: 1 + this.int(4), everyNthListRequest: 2 };
		}
		return patch;
	}

	get state(): TriggerState | undefined {
		return readState(this.harness.state ?? {}) ?? undefined;
	}

	/** The promised request bound for a poll starting from `state`, from what the account holds. */
	requestBound(state: TriggerState): number {
		const visible = [...this.tracked.values()].filter((r) => !r.deleted);
		// Undiscovered mid-poll recordings are newer than everything before them, each in its own µs.
		const newestFirst = [
			...Array.from({ length: this.undiscovered }, (_, i) => Number.MAX_SAFE_INTEGER - i),
			...visible.map((r) => r.tmCreate).sort((a, b) => b - a),
		];
		const isNew = (r: Tracked) =>
			r.tmCreate > state.cursorMicros ||
			(r.tmCreate === state.cursorMicros && !state.cursorIds.includes(r.id));
		const fresh = visible.filter(isNew).length + this.undiscovered;
		const watched = watchedTimes(state);
		let pendingPages = 0;
		if (watched.length) {
			const oldest = Math.min(...watched);
			const above = visible.filter((r) => r.tmCreate >= oldest).length + this.undiscovered;
			pendingPages = Math.min(pagesFor(newestFirst, above), watched.length);
		}
		// Knowing it has every new one takes seeing one recording older than the cursor's µs: without
		// ties that is the "+ 1"; a group sharing that µs across a page boundary costs its pages.
		const pastCursor = visible.filter((r) => r.tmCreate >= state.cursorMicros).length + 1;
		const newPages = Math.max(
			pagesFor(newestFirst, fresh) + 1,
			pagesFor(newestFirst, pastCursor + this.undiscovered),
		);
		return pendingPages + newPages;
	}

	async poll(label: string): Promise<INodeExecutionData[][] | null | 'failed'> {
		this.figures.polls++;
		const before = JSON.stringify(this.harness.state ?? null);
		const state = this.state;
		const bound = state ? this.requestBound(state) : undefined;
		const midPoll = this.fake.faults.get().createDuringListing;
		const from = this.fake.requests.length;
		let output: INodeExecutionData[][] | null;
		try {
			output = await this.harness.poll();
		} catch {
			this.figures.failedPolls++;
			// n8n saves nothing of a failed poll, and the trigger must not have changed it either.
			const after = JSON.stringify(this.harness.state ?? null);
			if (after !== before) this.violations.push(`${label}: a failed poll changed the state`);
			this.afterPoll(from, midPoll);
			return 'failed';
		}
		const answered = this.afterPoll(from, midPoll);
		if (bound !== undefined) {
			this.figures.boundChecked++;
			if (answered > bound) {
				this.violations.push(`${label}: ${answered} requests, bound ${bound}`);
			}
			if (answered > this.figures.maxRequests) {
				this.figures.maxRequests = answered;
				this.figures.boundAtMax = bound;
			}
		}
		const bytes = Buffer.byteLength(JSON.stringify(this.harness.state));
		this.figures.maxStateBytes = Math.max(this.figures.maxStateBytes, bytes);
		const now = this.state;
		if (now) {
			this.figures.maxPending = Math.max(this.figures.maxPending, now.pending.length);
			this.figures.maxCursorIds = Math.max(this.figures.maxCursorIds, now.cursorIds.length);
		}
		for (const item of output?.[0] ?? []) this.accept(item.json);
		// n8n writes the static data to the database when a poll emits, and only then.
		if (output) this.saved = JSON.stringify(this.harness.workflow.staticData);
		return output;
	}

	/** Counts the poll's answered reads and the recordings the fake made during its listing. */
	private afterPoll(from: number, midPoll: FaultPatch['createDuringListing']): number {
		const entries = this.fake.requests.slice(from);
		const answered = entries.filter(isAnsweredRead);
		this.figures.faultedRequests += entries.length - answered.length;
		if (midPoll) {
			const lists = answered.filter((e) => e.route === LIST_ROUTE).length;
			const made = Math.floor(lists / midPoll.everyNthListRequest) * midPoll.count;
			this.undiscovered += made;
			this.figures.createdMidPoll += made;
		}
		return answered.length;
	}

	private accept(json: IDataObject): void {
		if (json.event !== 'ended') return;
		const id = json.id as string;
		this.figures.events++;
		this.endedEvents.set(id, (this.endedEvents.get(id) ?? 0) + 1);
		if (this.tracked.has(id)) return;
		// Not one of ours: it must be one the fake created during a listing (ended, after activation).
		const made = this.fake.getRecording(id);
		expect(made.status).toBe('ended');
		this.undiscovered--;
		this.tracked.set(id, {
			id,
			tmCreate: made.tmCreate,
			status: 'ended',
			deleted: false,
			speed: 0,
			born: this.pollNumber,
			owed: true,
			midPoll: true,
		});
	}

	/** n8n restarts: the in-memory static data is gone; the copy saved at the last emission returns. */
	restart(): void {
		if (!this.saved) return;
		this.figures.restarts++;
		this.harness.workflow.overrideStaticData(JSON.parse(this.saved) as IDataObject);
	}

	/** Tallies missed, duplicate and unexpected ended events. */
	settle(): void {
		const f = this.figures;
		const owed = [...this.tracked.values()].filter((r) => r.owed);
		f.recordings = this.tracked.size + this.undiscovered;
		f.ended = owed.length + this.undiscovered;
		f.missed = owed.filter((r) => !this.endedEvents.has(r.id)).length + this.undiscovered;
		f.duplicates = [...this.endedEvents.values()].reduce((sum, n) => sum + n - 1, 0);
		f.unexpected = [...this.endedEvents.keys()].filter((id) => !this.tracked.get(id)?.owed).length;
	}
}

function table(title: string, rows: Array<[string, string | number]>): string {
	const width = Math.max(...rows.map(([name]) => name.length));
	return [title, ...rows.map(([name, value]) => `  ${name.padEnd(width)}  ${value}`)].join('\n');
}

let fake: FakeVoipbin;
const retryDefaults = { ...RETRY };

beforeAll(async () => {
	fake = await startFakeVoipbin({ clock: 'manual', startTime: Date.UTC(2026, 0, 15, 8) });
	fake.faults.set({ rateLimit: 'off' });
	// Backoff waits are wall-clock; the fake's faults are instant, so short waits change nothing
	// but the run time (which attempts happen, and how many, stays as in production).
	Object.assign(RETRY, { baseDelayMs: 2, maxDelayMs: 20 });
});

afterAll(async () => {
	Object.assign(RETRY, retryDefaults);
	await fake.close();
});

describe('Recording Trigger soak (seeded)', () => {
	it('emits every ended recording exactly once through faults, failed polls and restarts', async () => {
		const soak = new Soak(fake, SEED);
		// The account before activation: history, and some recordings already in progress.
		fake.seedRecordings(soak.customerId, 300, { status: 'ended' });
		for (let i = 0; i < 30; i++) soak.create(i % 2 ? 'initiating' : 'recording');

		const slow429Left = { n: SLOW_429_POLLS };
		for (let poll = 0; poll < POLLS; poll++) {
			fake.clock.advance(POLL_INTERVAL_MS);
			if (poll > 0) soak.between(poll);
			// Activation polls once, cleanly: it only sets the starting point.
			fake.faults.set(poll > 0 ? soak.faults(slow429Left) : NO_FAULTS);
			await soak.poll(`poll ${poll}`);
			fake.faults.set(NO_FAULTS);
			soak.active = true;
			if (poll > 0 && soak.random() < 0.05) soak.restart();
		}

		// Wind down: everything in progress ends; poll without faults until three quiet polls.
		for (const recording of soak.live()) soak.setStatus(recording, 'ended');
		for (let quiet = 0, n = 0; quiet < 3; n++) {
			if (n > 100) throw new Error('The trigger did not settle within 100 polls');
			fake.clock.advance(POLL_INTERVAL_MS);
			const output = await soak.poll(`drain ${n}`);
			quiet = output ? 0 : quiet + 1;
		}
		soak.settle();

		const f = soak.figures;
		// eslint-disable-next-line no-console -- the figures are the soak's report
		console.log(
			table(`Recording Trigger soak, seed ${SEED}`, [
				['recordings', f.recordings],
				['  created mid-poll', f.createdMidPoll],
				['ended while active', f.ended],
				['ended events', f.events],
				['missed', f.missed],
				['duplicates', f.duplicates],
				['unexpected', f.unexpected],
				['polls', f.polls],
				['failed polls', f.failedPolls],
				['restarts', f.restarts],
				['faulted requests', f.faultedRequests],
				['max state bytes', `${f.maxStateBytes} (limit ${MAX_STATE_BYTES})`],
				['max pending / cursor ids', `${f.maxPending} / ${f.maxCursorIds}`],
				['max requests per poll', `${f.maxRequests} (bound then ${f.boundAtMax})`],
				['polls bound-checked', f.boundChecked],
			]),
		);

		expect(soak.violations).toEqual([]);
		expect({ missed: f.missed, duplicates: f.duplicates, unexpected: f.unexpected }).toEqual({
			missed: 0,
			duplicates: 0,
			unexpected: 0,
		});
		expect(f.maxStateBytes).toBeLessThanOrEqual(MAX_STATE_BYTES);
		// The run really was a soak.
		expect(f.recordings).toBeGreaterThanOrEqual(3000);
		expect(f.ended).toBeGreaterThanOrEqual(2500);
		expect(f.failedPolls).toBeGreaterThanOrEqual(5);
		expect(f.restarts).toBeGreaterThanOrEqual(3);
		expect(f.createdMidPoll).toBeGreaterThan(0);
		expect(f.maxPending).toBeGreaterThanOrEqual(SURGE);
	}, 120_000);

	it('lists at most 100 of one microsecond, and emits hidden ones once deletions make them listable', async () => {
		const soak = new Soak(fake, SEED + 1);
		await soak.poll('activation');
		soak.active = true;
		const older = Array.from({ length: 3 }, () => soak.create('recording'));
		await soak.poll('older');
		fake.clock.advance(POLL_INTERVAL_MS);
		const group: string[] = [];
		const first = soak.create('ended');
		group.push(first.id);
		for (let i = 1; i < 130; i++) group.push(soak.create('ended', first.tmCreate).id);
		for (const recording of older) soak.setStatus(recording, 'ended');
		const newer = soak.create('ended');

		for (let quiet = 0, n = 0; quiet < 2 && n < 20; n++) {
			quiet = (await soak.poll(`poll ${n}`)) ? 0 : quiet + 1;
		}
		const counts = (ids: string[]) => ids.map((id) => soak.endedEvents.get(id) ?? 0);
		const inGroup = counts(group);
		// eslint-disable-next-line no-console -- the figures are the soak's report
		console.log(
			table('One microsecond holding 130 recordings (the API lists at most one page of it)', [
				['emitted once', inGroup.filter((n) => n === 1).length],
				['never listed, never emitted', inGroup.filter((n) => n === 0).length],
				['emitted twice or more', inGroup.filter((n) => n > 1).length],
			]),
		);
		// The server's keyset token cannot step inside one microsecond: 30 cannot be listed yet.
		expect(inGroup.filter((n) => n === 1)).toHaveLength(PAGE_SIZE);
		expect(inGroup.filter((n) => n === 0)).toHaveLength(130 - PAGE_SIZE);

		// Deleting 10 of the listed ones makes 10 hidden ones listable: they are emitted, once.
		const emitted = group.filter((id) => soak.endedEvents.get(id) === 1);
		for (const id of emitted.slice(0, 10)) {
			fake.deleteRecording(id);
			(soak.tracked.get(id) as { deleted: boolean }).deleted = true;
		}
		for (let quiet = 0, n = 0; quiet < 2 && n < 20; n++) {
			fake.clock.advance(POLL_INTERVAL_MS);
			quiet = (await soak.poll(`after deleting ${n}`)) ? 0 : quiet + 1;
		}
		const after = counts(group);
		expect(after.filter((n) => n === 1)).toHaveLength(PAGE_SIZE + 10);
		expect(after.filter((n) => n > 1)).toEqual([]);
		// Everything around the group is unaffected: older pending ones and newer ones, once each.
		expect(counts([...older.map((r) => r.id), newer.id])).toEqual([1, 1, 1, 1]);
		expect(soak.violations).toEqual([]);
	});
});
