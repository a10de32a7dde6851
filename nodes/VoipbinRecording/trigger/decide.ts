import { matchesFilters } from '../model/filters';
import type { RecordingFilters } from '../model/filters';
import { isEnded, recordingTime } from '../model/recording';
import type { Recording } from '../model/recording';
import {
	MAX_CURSOR_IDS,
	MAX_ID_LENGTH,
	MAX_OVERFLOW_GROUPS,
	MAX_PENDING,
	PAGE_SIZE,
	STATE_VERSION,
	idHash,
	storedStatus,
} from './state';
import type { Backfill, OverflowGroup, PendingRecording, TriggerState } from './state';

/**
 * The Recording Trigger's decisions, free of n8n and HTTP so that they can be tested alone.
 *
 * One poll: `startScan` → `addListedPage` for each page of the listing from the top until it
 * returns false → `nextSeek`/`addSeekPage` until `nextSeek` gives null → `decide`. Recordings
 * are processed oldest first, pending ones before new ones, so a cut (event cap, pending
 * overflow) leaves a state that simply resumes at the cut.
 *
 * Pending recordings are re-found by time, not by id: a list page asked "older than its
 * tm_create + 1 µs" starts with it (or shows it is gone) and also shows the 99 recordings below
 * it, which settles every other pending one among them. Seeking the newest unsettled one each
 * time costs at most one request per pending recording, and never more than paging down to the
 * oldest: each page starts at or below where the one before ended.
 */

/**
 * - `ended` (recordingEnded): the recording was observed `ended` (`stopping` is not ended).
 * - `started` (recordingStarted): first observed in `recording`, `stopping` or `ended`, coming
 *   from unseen or `initiating`. A recording first seen already ended gets it too (it started
 *   after the cursor, just briefly; `recording.status` tells). Once only: after that observation
 *   it is never again unseen or `initiating`.
 * - `statusChange` (anyStatusChange): every observed change; first sight has previousStatus null.
 *   Changes between two polls are not observed (initiating → ended is one change).
 */
export type TriggerEventKind = 'ended' | 'started' | 'statusChange';

export interface TriggerEvent {
	kind: TriggerEventKind;
	/** The recording as last observed. */
	recording: Recording;
	/** Status before this observation; `null` when the recording is seen for the first time. */
	previousStatus: string | null;
}

/**
 * Filters decide what is emitted, never what is tracked or passed by the cursor. Same fields and
 * meaning as Get Many's; the minimum duration applies once a recording has ended (while it is in
 * progress its length is not known yet).
 */
export type TriggerFilters = Pick<
	RecordingFilters,
	'referenceType' | 'referenceId' | 'minDurationSeconds'
>;

/**
 * What the first poll (no stored state) does with recordings that already exist. Looking back
 * behaves as if the trigger had been active since then: recordings created since give every
 * selected event kind, and those still in progress are tracked. "Nothing" tracks what is in
 * progress and announces only what happens to it later.
 */
export type FirstRunOption =
	| { mode: 'nothing' }
	| { mode: 'lastHours'; hours: number }
	| { mode: 'sinceDate'; sinceMicros: number };

export interface TriggerOptions {
	events: readonly TriggerEventKind[];
	firstRun: FirstRunOption;
	filters: TriggerFilters;
}

export interface DecideResult {
	/** Oldest first; a recording's own events are never split by the cap. */
	events: TriggerEvent[];
	/** The state that corresponds to emitting exactly `events`. */
	state: TriggerState;
	/** Some recordings were left for the next poll (event cap or pending overflow). */
	more: boolean;
	/** Something the node should log (a bound reached), or null. */
	warning: string | null;
}

/**
 * Pages read on a first run with "emit nothing": enough to set the cursor and to track the
 * recordings in progress near the top. The pages below are read later, one a poll (the
 * backfill, `TriggerState.backfill`), so that older ones still in progress are followed too.
 */
export const FIRST_RUN_MAX_PAGES = 5;

/**
 * Pages read on a first run that looks back: bounds the first poll on a busy account. Reaching it
 * is reported in `warning`; the look-back then starts at the oldest recording read.
 */
export const LOOKBACK_MAX_PAGES = 50;

/**
 * Stored status of a recording the backfill found already ended after activation: it is due its
 * ended event, announced as a first sight (previous status null).
 */
const UNSEEN = 'unseen';

/** Statuses at which a recording has started; the `started` event fires on entering this set. */
const STARTED_STATUSES: readonly string[] = ['recording', 'stopping', 'ended'];

interface Listed {
	recording: Recording;
	createdMicros: number;
	hash: string;
}

type Observation = Recording | 'gone' | undefined;

/** One recording's step: applied whole, or (after a cut) not at all. */
interface Unit {
	id: string;
	createdMicros: number;
	events: TriggerEvent[];
	/** Status to track afterwards; null when it leaves (or never joins) pending. */
	track: string | null;
	isNew: boolean;
}

/**
 * A stretch of the listing this poll has seen whole: every listed recording with
 * `below < tm_create ≤ upTo`. `below` is -Infinity once a page came back short (nothing older).
 */
interface Seen {
	below: number;
	upTo: number;
}

export class PollScan {
	private readonly base: TriggerState;

	private readonly firstRun: FirstRunOption['mode'] | null;

	private readonly listed = new Map<string, Listed>();

	/** Listed recordings by `tm_create` and id hash, where pending ones are looked for. */
	private readonly byKey = new Map<string, Listed>();

	/** How many recordings each microsecond showed, to spot full ones (overflow groups). */
	private readonly perMicros = new Map<number, number>();

	/** A pending recording is never new, even if the cursor ids lost track of it. */
	private readonly pendingKeys: ReadonlySet<string>;

	private readonly groups: ReadonlyMap<number, ReadonlySet<string>>;

	private readonly warnings: string[] = [];

	/** The listing from the top: seen down to (not including) `top.below`. */
	private readonly top: Seen = { below: Infinity, upTo: Infinity };

	private readonly seen: Seen[] = [this.top];

	/** `before` of every seek asked, so that none is asked twice. */
	private readonly sought = new Set<number>();

	/** This poll's page below the first run's (see `TriggerState.backfill`), once read. */
	private backfillPage: { listed: Listed[]; isLast: boolean } | null = null;

	private pagesRead = 0;

	/** 'new': reading down to the cursor from the top; then 'done'. */
	private phase: 'new' | 'done' = 'new';

	/** Whether the listing reached the cursor, so that the new recordings are all known. */
	private newComplete = false;

	constructor(
		state: TriggerState | null,
		private readonly options: TriggerOptions,
		private readonly nowMicros: number,
	) {
		this.firstRun = state ? null : options.firstRun.mode;
		this.base = state ? clone(state) : firstRunState(options.firstRun, nowMicros);
		this.pendingKeys = new Set(this.base.pending.map(([hash, micros]) => key(micros, hash)));
		this.groups = new Map(
			this.base.overflowGroups.map(([micros, hashes]) => [micros, new Set(hashes)]),
		);
	}

	/** Takes the next page from the top (newest first); returns whether another page is wanted. */
	addListedPage(recordings: readonly Recording[], isLast: boolean): boolean {
		if (this.phase === 'done') throw new Error('The listing of this poll is already finished');
		this.pagesRead++;
		for (const recording of recordings) {
			const listed = this.list(recording);
			if (listed) this.top.below = Math.min(this.top.below, listed.createdMicros);
		}
		if (isLast) this.top.below = -Infinity;

		if (this.covers(this.base.cursorMicros)) {
			this.newComplete = true;
		} else if (this.firstRun && this.pagesRead >= firstRunPageCap(this.firstRun)) {
			this.capFirstRun();
		}
		if (this.newComplete || isLast) this.phase = 'done';
		return this.phase !== 'done';
	}

	/**
	 * The next page to ask to settle pending recordings and watched microseconds, as the time the
	 * page must be older than (the API's `page_token`), or null when nothing is left to ask. Ends
	 * the listing from the top.
	 */
	nextSeek(): number | null {
		this.phase = 'done';
		let newest = -Infinity;
		const consider = (micros: number) => {
			if (micros > newest && !this.sought.has(micros + 1)) newest = micros;
		};
		for (const [hash, micros] of this.base.pending) {
			if (!this.byKey.has(key(micros, hash)) && !this.covers(micros)) consider(micros);
		}
		for (const micros of this.groups.keys()) if (!this.covers(micros)) consider(micros);
		if (newest !== -Infinity) {
			this.sought.add(newest + 1);
			return newest + 1;
		}
		// Last, one page of the backfill: it never holds up what is already followed.
		const backfill = this.base.backfill;
		if (backfill && !this.sought.has(backfill[0])) {
			this.sought.add(backfill[0]);
			return backfill[0];
		}
		return null;
	}

	/** The page answering `nextSeek`'s `before`: recordings older than it, newest first. */
	addSeekPage(before: number, recordings: readonly Recording[], isLast: boolean): void {
		let below = isLast ? -Infinity : before - 1;
		const page: Listed[] = [];
		for (const recording of recordings) {
			const listed = this.list(recording);
			if (!listed) continue;
			page.push(listed);
			if (!isLast) below = Math.min(below, listed.createdMicros);
		}
		this.seen.push({ below, upTo: before - 1 });
		if (before === this.base.backfill?.[0]) this.backfillPage = { listed: page, isLast };
	}

	/**
	 * Events and new state, emitting at most `maxEvents` events (a recording's events stay
	 * together; the first recording is emitted whole even if it alone exceeds a positive cap, so
	 * every poll progresses). Pure: calling it again with a smaller cap gives a prefix of the
	 * events and the state for exactly that prefix.
	 */
	decide({ maxEvents }: { maxEvents: number }): DecideResult {
		const warnings = [...this.warnings];
		if (!this.newComplete) {
			warnings.push(
				'The listing stopped before reaching the last processed recording; new recordings are left for the next poll.',
			);
		}
		const pendingUnits: Unit[] = [];
		const kept = new Map<string, PendingRecording>();
		// Recordings the backfill page found join the pending ones, as if followed all along.
		const backfill = this.backfillStep();
		const followed = [...this.base.pending];
		const backfillTaken =
			backfill !== null && followed.length + backfill.track.length <= MAX_PENDING;
		if (backfillTaken) {
			followed.push(...backfill.track);
		} else if (backfill) {
			warnings.push(
				`More than ${MAX_PENDING} recordings are in progress; older ones from before activation are looked for once some end.`,
			);
		}
		for (const entry of followed) {
			const [hash, createdMicros, status] = entry;
			const seen = this.observe(entry);
			if (seen === 'gone') continue;
			kept.set(key(createdMicros, hash), [...entry]);
			if (seen && storedStatus(seen.status) !== status) {
				pendingUnits.push(this.unit(seen, createdMicros, status, false));
			}
		}
		const newListed = [...this.listed.values()].filter((l) => this.isNew(l));
		const newUnits = newListed
			.map((l) => this.unit(l.recording, l.createdMicros, null, true))
			.sort(byAge);

		const events: TriggerEvent[] = [];
		const processed: Unit[] = [];
		let cutWarning: string | null = null;
		for (const unit of [...pendingUnits.sort(byAge), ...newUnits]) {
			const count = unit.events.length;
			if (
				count > 0 &&
				events.length + count > maxEvents &&
				!(events.length === 0 && maxEvents > 0)
			) {
				break;
			}
			if (unit.isNew && unit.track !== null && kept.size >= MAX_PENDING) {
				cutWarning = `More than ${MAX_PENDING} recordings are in progress; newer recordings wait until some end.`;
				break;
			}
			events.push(...unit.events);
			processed.push(unit);
			const unitKey = key(unit.createdMicros, idHash(unit.id));
			if (unit.track === null) kept.delete(unitKey);
			else kept.set(unitKey, [idHash(unit.id), unit.createdMicros, unit.track]);
		}
		if (cutWarning) warnings.push(cutWarning);

		const processedNew = processed.filter((u) => u.isNew);
		const state = this.nextCursor(processedNew, warnings);
		state.pending = [...kept.values()].sort((a, b) => a[1] - b[1] || compare(a[0], b[0]));
		state.overflowGroups = this.nextGroups(state.cursorMicros, processedNew, warnings);
		if (backfillTaken) state.backfill = backfill.next;
		return {
			events,
			state,
			more: !this.newComplete || processed.length < pendingUnits.length + newUnits.length,
			warning: warnings.length ? warnings.join(' ') : null,
		};
	}

	private list(recording: Recording): Listed | null {
		const known = this.listed.get(recording.id);
		if (known) return known;
		const createdMicros = recordingTime(recording, 'tm_create');
		if (createdMicros === null || recording.id.length > MAX_ID_LENGTH) {
			// The server always sets tm_create and uses UUIDs: such a record cannot be placed or kept.
			this.warnings.push(
				`Skipped recording ${recording.id.slice(0, 64)}: no tm_create or not a UUID.`,
			);
			return null;
		}
		const listed = { recording, createdMicros, hash: idHash(recording.id) };
		this.listed.set(recording.id, listed);
		this.byKey.set(key(createdMicros, listed.hash), listed);
		this.perMicros.set(createdMicros, (this.perMicros.get(createdMicros) ?? 0) + 1);
		return listed;
	}

	/**
	 * Whether every listed recording created at `micros` has been seen: a page went strictly below
	 * it (equal times may continue on the next page) or ended below it.
	 */
	private covers(micros: number): boolean {
		return this.seen.some(({ below, upTo }) => below < micros && micros <= upTo);
	}

	private capFirstRun(): void {
		// Look back only as far as was read; the oldest time read stays included.
		const lowest = this.top.below;
		this.base.cursorMicros = lowest === Infinity ? -1 : lowest - 1;
		this.base.cursorIds = [];
		this.newComplete = true;
		if (this.firstRun !== 'nothing') {
			this.warnings.push(
				`First run: read the newest ${LOOKBACK_MAX_PAGES} pages only; older recordings in the look-back period are skipped.`,
			);
		}
	}

	private isNew({ recording, createdMicros, hash }: Listed): boolean {
		const { cursorMicros, cursorIds } = this.base;
		if (this.pendingKeys.has(key(createdMicros, hash))) return false;
		if (createdMicros > cursorMicros) return this.newComplete;
		if (createdMicros === cursorMicros)
			return this.newComplete && !cursorIds.includes(recording.id);
		// Below the cursor only where a full microsecond hid some: those it has not seen yet.
		const group = this.groups.get(createdMicros);
		return group !== undefined && !group.has(hash);
	}

	private observe([hash, createdMicros]: PendingRecording): Observation {
		const listed = this.byKey.get(key(createdMicros, hash));
		if (listed) return listed.recording.tm_delete ? 'gone' : listed.recording;
		// Deleted recordings are left out of the listing, so passing its time without it means gone.
		return this.covers(createdMicros) ? 'gone' : undefined;
	}

	private unit(
		recording: Recording,
		createdMicros: number,
		previous: string | null,
		isNew: boolean,
	): Unit {
		const quiet =
			isNew &&
			this.base.quietThroughMicros !== null &&
			createdMicros <= this.base.quietThroughMicros;
		const tracked =
			!isEnded(recording) && (!isNew || passesStaticFilters(recording, this.options.filters));
		return {
			id: recording.id,
			createdMicros,
			events: quiet
				? []
				: this.eventsFor(
						recording,
						previous === UNSEEN ? null : previous,
						previous === UNSEEN && this.startedBeforeActivation(recording),
					),
			track: tracked ? storedStatus(recording.status) : null,
			isNew,
		};
	}

	/** For a recording the backfill found: whether it started before the trigger was activated. */
	private startedBeforeActivation(recording: Recording): boolean {
		const started = recordingTime(recording, 'tm_start');
		return started === null || started < (this.base.backfill?.[1] ?? this.nowMicros);
	}

	private eventsFor(
		recording: Recording,
		previous: string | null,
		startedBefore = false,
	): TriggerEvent[] {
		if (!passesFilters(recording, this.options.filters)) return [];
		const wanted = new Set(this.options.events);
		const events: TriggerEvent[] = [];
		const add = (kind: TriggerEventKind) =>
			events.push({ kind, recording, previousStatus: previous });
		// A recording first seen already ended has started too (once: afterwards it is never pending).
		const started =
			!startedBefore &&
			STARTED_STATUSES.includes(recording.status) &&
			(previous === null || !STARTED_STATUSES.includes(previous));
		if (wanted.has('started') && started) add('started');
		if (wanted.has('statusChange')) add('statusChange');
		if (wanted.has('ended') && isEnded(recording)) add('ended');
		return events;
	}

	private nextCursor(processedNew: readonly Unit[], warnings: string[]): TriggerState {
		let { cursorMicros, cursorIds } = this.base;
		if (this.covers(cursorMicros)) {
			// Ids at the cursor time that the listing passed without showing are deleted.
			cursorIds = cursorIds.filter((id) => this.listed.has(id));
		}
		for (const unit of processedNew) {
			if (unit.createdMicros < cursorMicros) continue; // found in a watched microsecond
			if (unit.createdMicros > cursorMicros) {
				cursorMicros = unit.createdMicros;
				cursorIds = [];
			}
			cursorIds = [...cursorIds, unit.id];
		}
		if (cursorIds.length > MAX_CURSOR_IDS) {
			// Only possible if a listing showed more than a page of one microsecond, which it cannot.
			warnings.push(
				`More than ${MAX_CURSOR_IDS} recordings share one tm_create; kept the last ${MAX_CURSOR_IDS}.`,
			);
			cursorIds = cursorIds.slice(-MAX_CURSOR_IDS);
		}
		let quietThroughMicros = this.base.quietThroughMicros;
		if (this.firstRun === 'nothing') {
			quietThroughMicros = this.listed.size
				? Math.max(...[...this.listed.values()].map((l) => l.createdMicros))
				: null;
		}
		if (quietThroughMicros !== null && cursorMicros >= quietThroughMicros)
			quietThroughMicros = null;
		return {
			version: STATE_VERSION,
			cursorMicros,
			cursorIds,
			quietThroughMicros,
			pending: [],
			overflowGroups: [],
			// Not decide's: the node sets them once it knows which events got their audio.
			audioWaits: this.base.audioWaits,
			backfill: this.firstRunBackfill() ?? this.base.backfill,
		};
	}

	/** On a first run whose listing did not reach the end: read on below it in later polls. */
	private firstRunBackfill(): Backfill | null {
		const { below } = this.top;
		if (!this.firstRun || !Number.isFinite(below)) return null;
		return [below, this.nowMicros];
	}

	/**
	 * What this poll's backfill page gives: the recordings on it to follow from now on. Those in
	 * progress keep their status (they began before activation: quiet until they change); those
	 * that ended after activation join as UNSEEN, so that the pending path announces their end,
	 * under the event cap like any other. Recordings at the page's oldest microsecond may continue
	 * on the next page, so they are left to it, unless the page is all one microsecond (no page
	 * can show more of it) or the last.
	 */
	private backfillStep(): { track: PendingRecording[]; next: Backfill | null } | null {
		const page = this.backfillPage;
		const backfill = this.base.backfill;
		if (!page || !backfill) return null;
		if (page.listed.length === 0) return { track: [], next: null };
		const lowest = Math.min(...page.listed.map((l) => l.createdMicros));
		const oneMicros = page.listed.every((l) => l.createdMicros === lowest);
		const take =
			page.isLast || oneMicros ? page.listed : page.listed.filter((l) => l.createdMicros > lowest);
		const track: PendingRecording[] = [];
		for (const { recording, createdMicros, hash } of take) {
			if (this.pendingKeys.has(key(createdMicros, hash))) continue;
			if (!passesStaticFilters(recording, this.options.filters)) continue;
			if (!isEnded(recording)) {
				track.push([hash, createdMicros, storedStatus(recording.status)]);
			} else if ((recordingTime(recording, 'tm_end') ?? -1) >= backfill[1]) {
				track.push([hash, createdMicros, UNSEEN]);
			}
		}
		const next: Backfill | null = page.isLast
			? null
			: [oneMicros ? lowest : lowest + 1, backfill[1]];
		return { track, next };
	}

	/**
	 * Microseconds below the new cursor to watch: those watched before, and those this poll found
	 * full (100 listed) and the cursor passed. One is let go once fewer than 100 of it are listed
	 * and each of them is processed: then nothing can hide there any more.
	 */
	private nextGroups(
		cursorMicros: number,
		processedNew: readonly Unit[],
		warnings: string[],
	): OverflowGroup[] {
		const processed = new Set(processedNew.map((u) => u.id));
		const groups = new Map<number, string[]>();
		const atMicros = (micros: number) =>
			[...this.listed.values()].filter((l) => l.createdMicros === micros);
		for (const [micros, hashes] of this.base.overflowGroups) {
			if (!this.sawAll(micros)) {
				groups.set(micros, hashes);
				continue;
			}
			const here = atMicros(micros);
			const done = here.filter((l) => hashes.includes(l.hash) || processed.has(l.recording.id));
			if (here.length >= PAGE_SIZE || done.length < here.length) {
				groups.set(
					micros,
					done.map((l) => l.hash),
				);
			}
		}
		// Only microseconds the cursor passes now: older ones (found by a seek or the backfill)
		// and those of a first run that emits nothing hold no recording owed an event.
		const from = this.firstRun === 'nothing' ? Infinity : this.base.cursorMicros;
		for (const [micros, count] of this.perMicros) {
			const passedNow = micros >= from && micros < cursorMicros;
			if (count >= PAGE_SIZE && passedNow && !groups.has(micros)) {
				groups.set(
					micros,
					atMicros(micros).map((l) => l.hash),
				);
			}
		}
		const all = [...groups.entries()].sort((a, b) => b[0] - a[0]);
		if (all.length > MAX_OVERFLOW_GROUPS) {
			warnings.push(
				`More than ${MAX_OVERFLOW_GROUPS} microseconds each hold 100 or more recordings (the most the API lists of one); recordings hidden in the oldest of them are no longer watched for.`,
			);
		}
		return all.slice(0, MAX_OVERFLOW_GROUPS);
	}

	/** Whether this poll saw as much of one microsecond as the server shows. */
	private sawAll(micros: number): boolean {
		return this.covers(micros) || this.sought.has(micros + 1);
	}
}

/** Starts one poll from the stored state (`null` on first activation). */
export function startScan(
	state: TriggerState | null,
	options: TriggerOptions,
	nowMicros: number,
): PollScan {
	return new PollScan(state, options, nowMicros);
}

/** For "Fetch Test Event": the newest ended recording that passes the filters, or null. */
export function pickSampleEvent(
	recordings: readonly Recording[],
	options: Pick<TriggerOptions, 'filters'>,
): Recording | null {
	let best: Recording | null = null;
	let bestMicros = -Infinity;
	for (const recording of recordings) {
		const created = recordingTime(recording, 'tm_create') ?? -1;
		if (!isEnded(recording) || !passesFilters(recording, options.filters)) continue;
		if (created > bestMicros) {
			best = recording;
			bestMicros = created;
		}
	}
	return best;
}

export function passesFilters(recording: Recording, filters: TriggerFilters): boolean {
	return matchesFilters(recording, isEnded(recording) ? filters : staticFilters(filters));
}

/** The filters that never change over a recording's life: failing them, it need not be tracked. */
function passesStaticFilters(recording: Recording, filters: TriggerFilters): boolean {
	return matchesFilters(recording, staticFilters(filters));
}

function staticFilters({ referenceType, referenceId }: TriggerFilters): RecordingFilters {
	return { referenceType, referenceId };
}

/** The state a first run starts from: the cursor just below what it should look at. */
function firstRunState(option: FirstRunOption, nowMicros: number): TriggerState {
	const since =
		option.mode === 'lastHours'
			? nowMicros - Math.round(option.hours * 3_600_000_000)
			: option.mode === 'sinceDate'
				? option.sinceMicros
				: 0;
	return {
		version: STATE_VERSION,
		cursorMicros: Math.max(-1, since - 1),
		cursorIds: [],
		// All that exists now is quiet; nextCursor narrows this to the newest recording listed.
		quietThroughMicros: option.mode === 'nothing' ? Number.MAX_SAFE_INTEGER : null,
		pending: [],
		overflowGroups: [],
		audioWaits: [],
		backfill: null,
	};
}

function firstRunPageCap(mode: FirstRunOption['mode']): number {
	return mode === 'nothing' ? FIRST_RUN_MAX_PAGES : LOOKBACK_MAX_PAGES;
}

function clone(state: TriggerState): TriggerState {
	return {
		...state,
		cursorIds: [...state.cursorIds],
		pending: state.pending.map((p) => [...p]),
		overflowGroups: state.overflowGroups.map(([micros, hashes]) => [micros, [...hashes]]),
		backfill: state.backfill && [...state.backfill],
		audioWaits: state.audioWaits.map((w) => [...w]),
	};
}

function byAge(a: Unit, b: Unit): number {
	return a.createdMicros - b.createdMicros || compare(a.id, b.id);
}

function compare(a: string, b: string): number {
	return a < b ? -1 : a > b ? 1 : 0;
}

/** Where a pending recording is found: its tm_create and id hash. */
function key(micros: number, hash: string): string {
	return `${micros}:${hash}`;
}
