import type { IDataObject } from 'n8n-workflow';

/**
 * What the Recording Trigger remembers between polls, and its bounds.
 *
 * Why falling back to any earlier saved state can only re-find recordings, never re-emit one
 * whose emission was saved with its state (n8n may resume from the state of the last emitting
 * poll after a restart, and a failed poll saves nothing):
 * 1. A state only ever suppresses an event in these ways: the cursor passes a recording (it is no
 *    longer new), a watched microsecond records a recording's hash (likewise), the backfill
 *    position passes a recording (it is not found there again), or a pending entry's status is
 *    updated or the entry removed (that transition is no longer due). `decide` does each only
 *    for a recording whose events for that step are in the same result, or that has no event to
 *    give (filtered out, a kind not selected, ended before activation), or that it adds to
 *    pending, owing its events (the backfill's finds).
 * 2. Every later state derives from an earlier one by `decide`, and `decide` never lowers the
 *    cursor or raises the backfill position, and adds a pending entry at or below the cursor only
 *    for a recording the backfill position moves past in the same step, so once a recording's
 *    ended event is recorded in a saved state, every state derived from it agrees.
 * 3. So from any saved state S, every event whose emission was saved with S or before is
 *    recorded in S and cannot come again. What a fallback to S loses are the changes of polls
 *    whose state was not saved; such a poll emitted nothing (classic mode saves with every
 *    emission, durable mode commits the state with its execution), so what it recorded was
 *    event-free and is merely looked at again. A failed poll saves nothing and is re-run whole:
 *    `decide` is deterministic, so the same inputs give the same events.
 */

/**
 * Version of the stored layout below. Version 1 (full ids and ranks in `pending`, before the
 * trigger re-found pending recordings by time) is still read; anything else is unreadable (the
 * node resumes from now).
 */
export const STATE_VERSION = 2;

/** Where the state lives in the node's static data: one key, so one assignment writes it. */
export const STATE_KEY = 'recordingTrigger';

/** The API's largest page (`page_size` is capped at 100 by the server). */
export const PAGE_SIZE = 100;

/**
 * Ids kept at exactly the cursor's microsecond. The server's keyset token cannot step inside one
 * timestamp, so a listing shows at most one page (100) of recordings sharing a `tm_create`; ids
 * not listed when the listing passes the cursor are deleted and pruned. So the list never needs
 * more than 100, and keeping 100 cannot let a listed recording look new twice.
 */
export const MAX_CURSOR_IDS = PAGE_SIZE;

/**
 * Recordings followed while in progress (a contact center's worth: 1,000 at once are followed
 * with room to spare). When more are in progress the cursor stops before the first one that
 * does not fit, so it and newer ones are found again by a later poll: the bound delays, never
 * drops. Each costs about 13 bytes of state (see `encodePending`).
 */
export const MAX_PENDING = 2048;

/**
 * Microseconds holding a full page (100) of recordings, watched after the cursor has passed them
 * (see `OverflowGroup`). Beyond this many at once the oldest is let go, with a warning.
 */
export const MAX_OVERFLOW_GROUPS = 4;

/**
 * VoIPBIN ids are UUIDs (36 characters; `GET /recordings/{id}` rejects anything else), which the
 * size bound relies on. A listed recording with a longer id cannot exist; decide skips one with a
 * warning rather than break the bound.
 */
export const MAX_ID_LENGTH = 36;

/**
 * Longest stored status. The server has four statuses (at most 10 characters); an unknown one is
 * treated as in progress and stored clipped (and stripped to `[A-Za-z0-9_-]`), and compared the
 * same way, so the bound holds for any.
 */
export const MAX_STATUS_LENGTH = 16;

/** Hard ceiling for the stored state, well under what n8n keeps cheaply in static data. */
export const MAX_STATE_BYTES = 128 * 1024;

/**
 * One recording seen in progress (`initiating`, `recording`, `stopping` or an unknown status).
 * Only a short hash of its id is kept: the trigger re-finds it by `tm_create` (a list page asked
 * from just above that time shows it, or shows that it is gone), and the hash only has to tell it
 * apart from recordings created in the same microsecond.
 */
export type PendingRecording = [
	/** `idHash` of the recording id. */
	recording: string,
	/** Its `tm_create` in microseconds since the epoch: where it sits in the listing. */
	createdMicros: number,
	/** The status last observed (`storedStatus`). */
	status: string,
];

/**
 * A microsecond of `tm_create` that held a full page (100) of recordings when the cursor passed
 * it. The server never lists more than 100 of one microsecond, so more may be hidden there, to
 * become listable when listed ones are deleted. The trigger asks for that microsecond once per
 * poll while 100 of it are still listed, and emits the ones it has not seen (hashes of those it
 * has). Once fewer than 100 are listed, nothing can be hidden there any more and it is dropped.
 */
export type OverflowGroup = [
	/** The shared `tm_create` (µs). */
	micros: number,
	/** `idHash` of every recording of it already processed and still listed (≤ 100). */
	recordings: string[],
];

/**
 * An event held back because its audio files were not whole yet: when its first download attempt
 * began (wall-clock ms), so that "Max Wait for Files" counts across polls.
 */
export type AudioWait = [
	/** `idHash` of the recording. */
	recording: string,
	/** `Date.now()` when the first attempt began. */
	sinceMs: number,
];

/**
 * Held-back events remembered at once. A poll holds at most one per download slot (4), and the
 * oldest expires within Max Wait, so this is hardly reached; beyond it an event's clock starts
 * again at its next attempt, which delays it but cannot lose it.
 */
export const MAX_AUDIO_WAITS = 16;

export interface TriggerState {
	/** Layout version, STATE_VERSION. */
	version: number;
	/**
	 * Newest `tm_create` (µs since the epoch) up to which every recording has been processed.
	 * `-1` before anything was seen on an empty account (any real time is newer).
	 */
	cursorMicros: number;
	/** Ids of recordings with `tm_create` exactly `cursorMicros` that are processed (≤ 100). */
	cursorIds: string[];
	/**
	 * Recordings created at or before this time (µs) existed before the trigger was activated with
	 * "emit nothing": when first seen they are tracked but not announced. `null` once the cursor
	 * has passed it, or when the first run looked back.
	 */
	quietThroughMicros: number | null;
	/** Recordings last seen in progress, oldest first (≤ MAX_PENDING). */
	pending: PendingRecording[];
	/** Full microseconds below the cursor that may still hide recordings (≤ MAX_OVERFLOW_GROUPS). */
	overflowGroups: OverflowGroup[];
	/** Events waiting for their audio (Attach Audio), oldest first (≤ MAX_AUDIO_WAITS). */
	audioWaits: AudioWait[];
	/**
	 * The first run read only the newest pages; below them, one page a poll is read until the
	 * listing ends, to follow recordings that were already in progress deeper down (and announce
	 * the end of those that ended since activation). `null` when nothing is left below.
	 */
	backfill: Backfill | null;
}

export type Backfill = [
	/** The next page to read holds recordings older than this (µs, the API's page token). */
	beforeMicros: number,
	/** When the trigger was activated (µs): a recording found ended after it is announced. */
	activatedMicros: number,
];

/** The state as stored: `pending` packed into one string (`encodePending`). */
interface StoredState extends Omit<TriggerState, 'pending'> {
	pending: string;
}

/**
 * The stored state, or `null` when there is none, or it is from an unknown version or corrupt
 * (see `hasStoredState`: the node then resumes from now, without looking back).
 */
export function readState(staticData: IDataObject): TriggerState | null {
	const raw = staticData[STATE_KEY] as Record<string, unknown> | undefined;
	if (!raw || typeof raw !== 'object') return null;
	let pending: PendingRecording[] | null;
	if (raw.version === STATE_VERSION) {
		pending = typeof raw.pending === 'string' ? decodePending(raw.pending) : null;
	} else if (raw.version === 1) {
		pending = Array.isArray(raw.pending) ? raw.pending.map(fromVersion1) : null;
	} else {
		return null;
	}
	const { cursorMicros, cursorIds, quietThroughMicros } = raw;
	// Absent in version 1: nothing was watched or waiting then.
	const overflowGroups = raw.overflowGroups ?? [];
	const audioWaits = raw.audioWaits ?? [];
	const backfill = raw.backfill ?? null;
	if (!isMicros(cursorMicros) && cursorMicros !== -1) return null;
	if (quietThroughMicros !== null && !isMicros(quietThroughMicros)) return null;
	if (!Array.isArray(cursorIds) || cursorIds.length > MAX_CURSOR_IDS) return null;
	if (!cursorIds.every(isId)) return null;
	if (!pending || pending.length > MAX_PENDING || !pending.every(isPending)) return null;
	if (!Array.isArray(overflowGroups) || overflowGroups.length > MAX_OVERFLOW_GROUPS) return null;
	if (!overflowGroups.every(isOverflowGroup)) return null;
	if (!Array.isArray(audioWaits) || audioWaits.length > MAX_AUDIO_WAITS) return null;
	if (!audioWaits.every(isAudioWait)) return null;
	if (backfill !== null && !isBackfill(backfill)) return null;
	return {
		version: STATE_VERSION,
		cursorMicros: cursorMicros as number,
		cursorIds: [...(cursorIds as string[])],
		quietThroughMicros: quietThroughMicros as number | null,
		pending,
		overflowGroups: overflowGroups.map(([micros, hashes]) => [micros, [...hashes]]),
		audioWaits: audioWaits.map(([hash, since]) => [hash, since]),
		backfill: backfill && [backfill[0], backfill[1]],
	};
}

/** Stores the state with one assignment, as a copy the caller cannot alter afterwards. */
export function writeState(staticData: IDataObject, state: TriggerState): void {
	const stored: StoredState = { ...state, pending: encodePending(state.pending) };
	staticData[STATE_KEY] = JSON.parse(JSON.stringify(stored)) as IDataObject;
}

/** The status as stored and compared: clipped, and stripped of characters the packing uses. */
export function storedStatus(status: string): string {
	return status.slice(0, MAX_STATUS_LENGTH).replace(/[^A-Za-z0-9_-]/g, '_');
}

/**
 * A short stand-in for a recording id where the state keeps many (32-bit FNV-1a, the last four
 * base-36 digits: 1.7 million values). It only ever tells apart recordings already narrowed down
 * to one microsecond of `tm_create` (or the few events of one poll); two recordings of one
 * microsecond sharing it (about 1 in 1.7 million such pairs) would be taken for one.
 */
export function idHash(id: string): string {
	let hash = 0x811c9dc5;
	for (let i = 0; i < id.length; i++) {
		hash ^= id.charCodeAt(i);
		hash = Math.imul(hash, 0x01000193);
	}
	return ((hash >>> 0) % HASH_VALUES).toString(36);
}

const HASH_VALUES = 36 ** 4;
const HASH_PATTERN = /^[0-9a-z]{1,4}$/;

/** One-letter codes for the server's in-progress statuses; any other is kept (prefixed `~`). */
const STATUS_CODES: Record<string, string> = { initiating: 'i', recording: 'r', stopping: 's' };
const CODE_STATUSES: Record<string, string> = { i: 'initiating', r: 'recording', s: 'stopping' };

/**
 * Packs pending recordings, oldest first, into one string: `<Δ tm_create, base 36>.<hash>.<status
 * code>` separated by spaces, each time stored as the step from the one before. 1,000 recordings
 * in progress over an hour take about 13 bytes each (5 + 1 + 4 + 1 + 1 + 1).
 */
export function encodePending(pending: readonly PendingRecording[]): string {
	let previous = 0;
	return [...pending]
		.sort((a, b) => a[1] - b[1] || compareText(a[0], b[0]))
		.map(([hash, micros, status]) => {
			const step = micros - previous;
			previous = micros;
			return `${step.toString(36)}.${hash}.${STATUS_CODES[status] ?? `~${status}`}`;
		})
		.join(' ');
}

/** The inverse of `encodePending`; null when the text is not one. */
export function decodePending(text: string): PendingRecording[] | null {
	if (text === '') return [];
	const pending: PendingRecording[] = [];
	let micros = 0;
	for (const entry of text.split(' ')) {
		const match = /^([0-9a-z]{1,11})\.([0-9a-z]{1,4})\.(?:([irs])|~([A-Za-z0-9_-]{1,16}))$/.exec(
			entry,
		);
		if (!match) return null;
		micros += parseInt(match[1], 36);
		pending.push([match[2], micros, match[3] ? CODE_STATUSES[match[3]] : match[4]]);
	}
	return pending;
}

function fromVersion1(entry: unknown): PendingRecording {
	const [id, createdMicros, status] = Array.isArray(entry) ? entry : [];
	return [isId(id) ? idHash(id) : '', createdMicros as number, storedStatus(String(status))];
}

/** Whether anything is stored under the state's key (readable or not). */
export function hasStoredState(staticData: IDataObject): boolean {
	return staticData[STATE_KEY] !== undefined && staticData[STATE_KEY] !== null;
}

function isMicros(value: unknown): value is number {
	return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isId(value: unknown): value is string {
	return typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_LENGTH;
}

function isPending(value: PendingRecording): boolean {
	const [hash, created, status] = value;
	return HASH_PATTERN.test(hash) && isMicros(created) && status === storedStatus(status);
}

function isOverflowGroup(value: unknown): value is OverflowGroup {
	if (!Array.isArray(value) || value.length !== 2) return false;
	const [micros, hashes] = value as unknown[];
	return (
		isMicros(micros) &&
		Array.isArray(hashes) &&
		hashes.length <= PAGE_SIZE &&
		hashes.every((h) => typeof h === 'string' && HASH_PATTERN.test(h))
	);
}

function isAudioWait(value: unknown): value is AudioWait {
	if (!Array.isArray(value) || value.length !== 2) return false;
	const [recording, sinceMs] = value as unknown[];
	return typeof recording === 'string' && HASH_PATTERN.test(recording) && isMicros(sinceMs);
}

function isBackfill(value: unknown): value is Backfill {
	return Array.isArray(value) && value.length === 2 && value.every(isMicros);
}

function compareText(a: string, b: string): number {
	return a < b ? -1 : a > b ? 1 : 0;
}
