import { matchesFilters } from '../model/filters';
import type { RecordingFilters } from '../model/filters';
import { isEnded, recordingTime } from '../model/recording';
import type { Recording } from '../model/recording';
import {
	MAX_CURSOR_IDS,
	MAX_ID_LENGTH,
	MAX_PENDING,
	MAX_RANK,
	MAX_STATUS_LENGTH,
	PAGE_SIZE,
	STATE_VERSION,
} from './state';
import type { PendingRecording, TriggerState } from './state';

/**
 * The Recording Trigger's decisions, free of n8n and HTTP so that they can be tested alone.
 *
 * One poll: `startScan` → `addListedPage` for each page until it returns false → `pendingChecks`
 * → `fetched` for each → `decide`. Recordings are processed oldest first, pending ones before new
 * ones, so a cut (event cap, pending overflow) leaves a state that simply resumes at the cut.
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
 * Pages read on a first run with "emit nothing": enough to set the cursor and to track recordings
 * already in progress. Older in-progress ones began long before activation; an ended event for
 * them is not promised (the same as for any recording that existed before activation).
 */
export const FIRST_RUN_MAX_PAGES = 5;

/**
 * Pages read on a first run that looks back: bounds the first poll on a busy account. Reaching it
 * is reported in `warning`; the look-back then starts at the oldest recording read.
 */
export const LOOKBACK_MAX_PAGES = 50;

/** Statuses at which a recording has started; the `started` event fires on entering this set. */
const STARTED_STATUSES: readonly string[] = ['recording', 'stopping', 'ended'];

interface Listed {
	recording: Recording;
	createdMicros: number;
	/** 0-based position in this poll's listing, newest first. */
	index: number;
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

export class PollScan {
	private readonly base: TriggerState;

	private readonly firstRun: FirstRunOption['mode'] | null;

	private readonly listed: Listed[] = [];

	private readonly byId = new Map<string, Listed>();

	/** A pending recording is never new, even if the cursor ids lost track of it. */
	private readonly pendingIds: ReadonlySet<string>;

	private readonly fetchedById = new Map<string, Recording | 'gone'>();

	private readonly warnings: string[] = [];

	/** Oldest `tm_create` listed so far. */
	private lowestMicros = Infinity;

	private listingEnded = false;

	private pagesRead = 0;

	/** 'new': reading down to the cursor; 'pending': paging on for pending ones; then 'done'. */
	private phase: 'new' | 'pending' | 'done' = 'new';

	/** Whether the listing reached the cursor, so that the new recordings are all known. */
	private newComplete = false;

	private pagingBudget = 0;

	private pagesAtPlan = 0;

	constructor(
		state: TriggerState | null,
		private readonly options: TriggerOptions,
		nowMicros: number,
	) {
		this.firstRun = state ? null : options.firstRun.mode;
		this.base = state ? clone(state) : firstRunState(options.firstRun, nowMicros);
		this.pendingIds = new Set(this.base.pending.map(([id]) => id));
	}

	/** Takes the next page (newest first); returns whether another page is wanted. */
	addListedPage(recordings: readonly Recording[], isLast: boolean): boolean {
		if (this.phase === 'done') throw new Error('The listing of this poll is already finished');
		this.pagesRead++;
		for (const recording of recordings) this.list(recording);
		if (isLast) this.listingEnded = true;

		if (this.phase === 'new') {
			if (this.covers(this.base.cursorMicros)) {
				this.newComplete = true;
			} else if (this.firstRun && this.pagesRead >= firstRunPageCap(this.firstRun)) {
				this.capFirstRun();
			}
			if (this.newComplete) this.phase = this.planPaging() ? 'pending' : 'done';
		} else if (
			this.unresolvedPending().length === 0 ||
			this.pagesRead - this.pagesAtPlan >= this.pagingBudget ||
			this.listingEnded
		) {
			this.phase = 'done';
		}
		if (this.listingEnded) this.phase = 'done';
		return this.phase !== 'done';
	}

	/** Ids of pending recordings the listing did not settle: GET each, then report with `fetched`. */
	pendingChecks(): string[] {
		this.phase = 'done';
		return this.unresolvedPending().map(([id]) => id);
	}

	/** Result of `GET /recordings/{id}`: 'gone' for 404 or `tm_delete` set. Failed GETs: omit. */
	fetched(id: string, result: Recording | 'gone'): void {
		this.fetchedById.set(id, result !== 'gone' && result.tm_delete ? 'gone' : result);
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
		const gone = new Set<string>();
		const pendingUnits: Unit[] = [];
		const kept = new Map<string, PendingRecording>();
		for (const entry of this.base.pending) {
			const [id, createdMicros, status] = entry;
			const seen = this.observe(entry);
			if (seen === 'gone') {
				gone.add(id);
				continue;
			}
			kept.set(id, [...entry]);
			if (seen && clip(seen.status) !== status) {
				pendingUnits.push(this.unit(seen, createdMicros, status, false));
			}
		}
		const newListed = this.newComplete ? this.listed.filter((l) => this.isNew(l)) : [];
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
			if (unit.track === null) kept.delete(unit.id);
			// The rank is settled below, once the cut is known.
			else
				kept.set(unit.id, [unit.id, unit.createdMicros, unit.track, kept.get(unit.id)?.[3] ?? 0]);
		}
		if (cutWarning) warnings.push(cutWarning);

		const processedNew = processed.filter((u) => u.isNew);
		const unprocessedNew = newListed.length - processedNew.length;
		const pending = [...kept.values()].map(([id, createdMicros, status, rank]) =>
			this.rerank(id, createdMicros, status, rank, processedNew.length, unprocessedNew, gone),
		);
		const state = this.nextCursor(processedNew, warnings);
		state.pending = pending.sort((a, b) => a[1] - b[1] || compare(a[0], b[0]));
		return {
			events,
			state,
			more: !this.newComplete || processed.length < pendingUnits.length + newUnits.length,
			warning: warnings.length ? warnings.join(' ') : null,
		};
	}

	private list(recording: Recording): void {
		if (this.byId.has(recording.id)) return;
		const createdMicros = recordingTime(recording, 'tm_create');
		if (createdMicros === null || recording.id.length > MAX_ID_LENGTH) {
			// The server always sets tm_create and uses UUIDs: such a record cannot be placed or kept.
			this.warnings.push(
				`Skipped recording ${recording.id.slice(0, 64)}: no tm_create or not a UUID.`,
			);
			return;
		}
		const listed = { recording, createdMicros, index: this.listed.length };
		this.listed.push(listed);
		this.byId.set(recording.id, listed);
		this.lowestMicros = Math.min(this.lowestMicros, createdMicros);
	}

	/**
	 * Whether every listed recording created at or after `micros` has been seen: the listing went
	 * strictly below it (equal times may continue on the next page) or ended.
	 */
	private covers(micros: number): boolean {
		return this.listingEnded || this.lowestMicros < micros;
	}

	private capFirstRun(): void {
		// Look back only as far as was read; the oldest time read stays included.
		this.base.cursorMicros = this.lowestMicros === Infinity ? -1 : this.lowestMicros - 1;
		this.base.cursorIds = [];
		this.newComplete = true;
		if (this.firstRun !== 'nothing') {
			this.warnings.push(
				`First run: read the newest ${LOOKBACK_MAX_PAGES} pages only; older recordings in the look-back period are skipped.`,
			);
		}
	}

	private isNew({ recording, createdMicros }: Listed): boolean {
		const { cursorMicros, cursorIds } = this.base;
		if (this.pendingIds.has(recording.id)) return false;
		return (
			createdMicros > cursorMicros ||
			(createdMicros === cursorMicros && !cursorIds.includes(recording.id))
		);
	}

	private unresolvedPending(): PendingRecording[] {
		return this.base.pending.filter(
			([id, createdMicros]) => !this.byId.has(id) && !this.covers(createdMicros),
		);
	}

	/**
	 * Chooses, once the new recordings are read, between paging on (to the oldest pending one) and
	 * one GET per unsettled pending recording, by estimated requests; paging stops at that many
	 * pages, so a wrong estimate costs at most twice the GETs.
	 */
	private planPaging(): boolean {
		const unresolved = this.unresolvedPending();
		if (unresolved.length === 0 || this.listingEnded) return false;
		const newCount = this.listed.filter((l) => this.isNew(l)).length;
		const gone = new Set(
			this.base.pending.filter(([id, c]) => !this.byId.has(id) && this.covers(c)).map(([id]) => id),
		);
		const deepest = Math.max(
			...unresolved.map(([id, c, , rank]) => rank + newCount - this.goneAbove(id, c, gone)),
		);
		// The page iterator asks each next page from the last item's time + 1 µs, so every page after
		// the first repeats at least that one item: count PAGE_SIZE − 1 fresh recordings per page.
		const pagesNeeded = Math.floor(deepest / (PAGE_SIZE - 1)) + 1;
		const extraPages = Math.max(0, pagesNeeded - this.pagesRead);
		if (extraPages > unresolved.length) return false;
		this.pagingBudget = unresolved.length;
		this.pagesAtPlan = this.pagesRead;
		return true;
	}

	private goneAbove(id: string, createdMicros: number, gone: ReadonlySet<string>): number {
		return this.base.pending.filter(
			([otherId, c]) => otherId !== id && gone.has(otherId) && c > createdMicros,
		).length;
	}

	private observe([id, createdMicros]: PendingRecording): Observation {
		const fetched = this.fetchedById.get(id);
		if (fetched) return fetched;
		const listed = this.byId.get(id);
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
			events: quiet ? [] : this.eventsFor(recording, previous),
			track: tracked ? clip(recording.status) : null,
			isNew,
		};
	}

	private eventsFor(recording: Recording, previous: string | null): TriggerEvent[] {
		if (!passesFilters(recording, this.options.filters)) return [];
		const wanted = new Set(this.options.events);
		const events: TriggerEvent[] = [];
		const add = (kind: TriggerEventKind) =>
			events.push({ kind, recording, previousStatus: previous });
		// A recording first seen already ended has started too (once: afterwards it is never pending).
		const started =
			STARTED_STATUSES.includes(recording.status) &&
			(previous === null || !STARTED_STATUSES.includes(previous));
		if (wanted.has('started') && started) add('started');
		if (wanted.has('statusChange')) add('statusChange');
		if (wanted.has('ended') && isEnded(recording)) add('ended');
		return events;
	}

	/**
	 * Keeps a rank meaning "processed recordings listed above it": a listed one's position minus
	 * the new recordings left unprocessed above it; an unlisted one gains the new recordings
	 * processed and loses the pending ones found deleted above it.
	 */
	private rerank(
		id: string,
		createdMicros: number,
		status: string,
		rank: number,
		processedNew: number,
		unprocessedNew: number,
		gone: ReadonlySet<string>,
	): PendingRecording {
		const listed = this.byId.get(id);
		const next = listed
			? listed.index - unprocessedNew
			: rank + processedNew - this.goneAbove(id, createdMicros, gone);
		return [id, createdMicros, status, Math.min(MAX_RANK, Math.max(0, next))];
	}

	private nextCursor(processedNew: readonly Unit[], warnings: string[]): TriggerState {
		let { cursorMicros, cursorIds } = this.base;
		if (this.covers(cursorMicros)) {
			// Ids at the cursor time that the listing passed without showing are deleted.
			cursorIds = cursorIds.filter((id) => this.byId.has(id));
		}
		for (const unit of processedNew) {
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
			quietThroughMicros = this.listed.length
				? Math.max(...this.listed.map((l) => l.createdMicros))
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
			// Not decide's: the node sets them once it knows which events got their audio.
			audioWaits: this.base.audioWaits,
		};
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
		audioWaits: [],
	};
}

function firstRunPageCap(mode: FirstRunOption['mode']): number {
	return mode === 'nothing' ? FIRST_RUN_MAX_PAGES : LOOKBACK_MAX_PAGES;
}

function clip(status: string): string {
	return status.slice(0, MAX_STATUS_LENGTH);
}

function clone(state: TriggerState): TriggerState {
	return {
		...state,
		cursorIds: [...state.cursorIds],
		pending: state.pending.map((p) => [...p]),
		audioWaits: state.audioWaits.map((w) => [...w]),
	};
}

function byAge(a: Unit, b: Unit): number {
	return a.createdMicros - b.createdMicros || compare(a.id, b.id);
}

function compare(a: string, b: string): number {
	return a < b ? -1 : a > b ? 1 : 0;
}
