import type { IDataObject } from 'n8n-workflow';

/**
 * What the Recording Trigger remembers between polls, and its bounds.
 *
 * Why falling back to any earlier saved state can only re-find recordings, never re-emit one
 * whose emission was saved with its state (n8n may resume from the state of the last emitting
 * poll after a restart, and a failed poll saves nothing):
 * 1. A state only ever suppresses an event in two ways: the cursor passes a recording (it is no
 *    longer new), or a pending entry's status is updated or the entry removed (that transition is
 *    no longer due). `decide` does either only for a recording whose events for that step are in
 *    the same result, or that has no event to give (filtered out, or a kind not selected).
 * 2. Every later state derives from an earlier one by `decide`, and `decide` never lowers the
 *    cursor and never adds a pending entry for a recording at or below the cursor, so once a
 *    recording's ended event is recorded in a saved state, every state derived from it agrees.
 * 3. So from any saved state S, every event whose emission was saved with S or before is
 *    recorded in S and cannot come again. What a fallback to S loses are the changes of polls
 *    whose state was not saved; such a poll emitted nothing (classic mode saves with every
 *    emission, durable mode commits the state with its execution), so what it recorded was
 *    event-free and is merely looked at again. A failed poll saves nothing and is re-run whole:
 *    `decide` is deterministic, so the same inputs give the same events.
 */

/** Version of the layout below; anything else is unreadable (the node resumes from now). */
export const STATE_VERSION = 1;

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
 * Recordings tracked while in progress. When more are in progress the cursor stops before the
 * first one that does not fit, so it and newer ones are found again by a later poll: the bound
 * delays, never drops. 128 keeps the worst-case state (with 100 cursor ids) under 16 KB.
 */
export const MAX_PENDING = 128;

/**
 * Ranks above this are stored as this. A rank only steers the choice between paging and single
 * GETs; beyond MAX_PENDING + 1 pages the GETs always win (at most MAX_PENDING requests), so the
 * cap cannot change a choice, let alone correctness.
 */
export const MAX_RANK = PAGE_SIZE * (MAX_PENDING + 1);

/**
 * VoIPBIN ids are UUIDs (36 characters; `GET /recordings/{id}` rejects anything else), which the
 * size bound relies on. A listed recording with a longer id cannot exist; decide skips one with a
 * warning rather than break the bound.
 */
export const MAX_ID_LENGTH = 36;

/**
 * Longest stored status. The server has four statuses (at most 10 characters); an unknown one is
 * treated as in progress and stored clipped, and compared clipped, so the bound holds for any.
 */
export const MAX_STATUS_LENGTH = 16;

/** Hard ceiling for the stored state, well under what n8n keeps cheaply in static data. */
export const MAX_STATE_BYTES = 16 * 1024;

/**
 * One recording seen in progress (`initiating`, `recording`, `stopping` or an unknown status).
 * A tuple rather than an object: it keeps 128 entries well within the size bound.
 */
export type PendingRecording = [
	/** Recording id (a UUID). */
	id: string,
	/** Its `tm_create` in microseconds since the epoch: where it sits in the listing. */
	createdMicros: number,
	/** The status last observed (clipped to MAX_STATUS_LENGTH). */
	status: string,
	/**
	 * Estimated number of already-processed recordings listed above it (its 0-based position if no
	 * new recording had arrived). Refreshed whenever a listing passes it; a poll adds the new
	 * recordings it processes. Steers paging versus single GETs only.
	 */
	rank: number,
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
	/** Recordings last seen in progress, whose next statuses are still due (≤ MAX_PENDING). */
	pending: PendingRecording[];
	/** Events waiting for their audio (Attach Audio), oldest first (≤ MAX_AUDIO_WAITS). */
	audioWaits: AudioWait[];
}

/**
 * The stored state, or `null` when there is none, or it is from an unknown version or corrupt
 * (see `hasStoredState`: the node then resumes from now, without looking back).
 */
export function readState(staticData: IDataObject): TriggerState | null {
	const raw = staticData[STATE_KEY] as Partial<TriggerState> | undefined;
	if (!raw || typeof raw !== 'object' || raw.version !== STATE_VERSION) return null;
	const { cursorMicros, cursorIds, quietThroughMicros, pending } = raw;
	// Absent in states written before Attach Audio remembered its waits: nothing was waiting.
	const audioWaits = raw.audioWaits ?? [];
	if (!isMicros(cursorMicros) && cursorMicros !== -1) return null;
	if (quietThroughMicros !== null && !isMicros(quietThroughMicros)) return null;
	if (!Array.isArray(cursorIds) || cursorIds.length > MAX_CURSOR_IDS) return null;
	if (!cursorIds.every(isId)) return null;
	if (!Array.isArray(pending) || pending.length > MAX_PENDING) return null;
	if (!pending.every(isPending)) return null;
	if (!Array.isArray(audioWaits) || audioWaits.length > MAX_AUDIO_WAITS) return null;
	if (!audioWaits.every(isAudioWait)) return null;
	return {
		version: STATE_VERSION,
		cursorMicros,
		cursorIds: [...cursorIds],
		quietThroughMicros,
		pending: pending.map((entry) => [...entry]),
		audioWaits: audioWaits.map((entry) => [...entry]),
	};
}

/** Whether anything is stored under the state's key (readable or not). */
export function hasStoredState(staticData: IDataObject): boolean {
	return staticData[STATE_KEY] !== undefined && staticData[STATE_KEY] !== null;
}

/** Stores the state with one assignment, as a copy the caller cannot alter afterwards. */
export function writeState(staticData: IDataObject, state: TriggerState): void {
	staticData[STATE_KEY] = JSON.parse(JSON.stringify(state)) as IDataObject;
}

function isMicros(value: unknown): value is number {
	return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isId(value: unknown): value is string {
	return typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_LENGTH;
}

function isPending(value: unknown): value is PendingRecording {
	if (!Array.isArray(value) || value.length !== 4) return false;
	const [id, created, status, rank] = value as unknown[];
	return (
		isId(id) &&
		isMicros(created) &&
		typeof status === 'string' &&
		status.length <= MAX_STATUS_LENGTH &&
		typeof rank === 'number' &&
		Number.isSafeInteger(rank) &&
		rank >= 0 &&
		rank <= MAX_RANK
	);
}

function isAudioWait(value: unknown): value is AudioWait {
	if (!Array.isArray(value) || value.length !== 2) return false;
	const [recording, sinceMs] = value as unknown[];
	return typeof recording === 'string' && HASH_PATTERN.test(recording) && isMicros(sinceMs);
}

const HASH_PATTERN = /^[0-9a-z]{1,7}$/;

/**
 * A short stand-in for a recording id where the state keeps many (32-bit FNV-1a, base 36: at most
 * 7 characters instead of 36). It only ever tells apart recordings already narrowed down to one
 * microsecond of `tm_create` (or the few events of one poll), where two sharing a hash would take
 * about 2^16 recordings at once.
 */
export function idHash(id: string): string {
	let hash = 0x811c9dc5;
	for (let i = 0; i < id.length; i++) {
		hash ^= id.charCodeAt(i);
		hash = Math.imul(hash, 0x01000193);
	}
	return (hash >>> 0).toString(36);
}
