import type { IDataObject } from 'n8n-workflow';

import { normalizeRecording } from '../../../../nodes/VoipbinRecording/model/recording';
import type { Recording, ReferenceType } from '../../../../nodes/VoipbinRecording/model/recording';
import { formatVoipbinTime, parseVoipbinTime } from '../../../../nodes/VoipbinRecording/model/time';
import { RecordingPager } from '../../../../nodes/VoipbinRecording/transport/pagination';
import { startScan } from '../../../../nodes/VoipbinRecording/trigger/decide';
import type {
	DecideResult,
	PollScan,
	TriggerOptions,
} from '../../../../nodes/VoipbinRecording/trigger/decide';
import {
	MAX_STATE_BYTES,
	PAGE_SIZE,
	readState,
	writeState,
} from '../../../../nodes/VoipbinRecording/trigger/state';
import type { TriggerState } from '../../../../nodes/VoipbinRecording/trigger/state';

/**
 * An in-memory VoIPBIN recording list that pages like the live server (FACTS.md, Pagination):
 * newest first by tm_create, keyset pages of 100 holding only recordings strictly older than the
 * token, deleted ones left out.
 */
export interface ServerRecording {
	id: string;
	createdMicros: number;
	status: string;
	referenceType: ReferenceType;
	referenceId: string;
	startMicros: number | null;
	endMicros: number | null;
	deleted: boolean;
}

export class FakeServer {
	readonly recordings: ServerRecording[] = [];

	/** Requests made (list pages and single GETs). */
	requests = 0;

	/** Runs before every request: lets a test change the world while a poll pages through. */
	beforeRequest: (() => void) | null = null;

	private nextId = 0;

	private readonly byId = new Map<string, ServerRecording>();

	create(
		createdMicros: number,
		status = 'initiating',
		extra: Partial<ServerRecording> = {},
	): ServerRecording {
		const recording: ServerRecording = {
			id: uuid(this.nextId++),
			createdMicros,
			status,
			referenceType: 'call',
			referenceId: uuid(1_000_000),
			startMicros: status === 'initiating' ? null : createdMicros,
			endMicros: status === 'ended' ? createdMicros + 60_000_000 : null,
			deleted: false,
			...extra,
		};
		// Kept in listing order, oldest first: by tm_create, then by id (ids grow with creation).
		let at = this.recordings.length;
		while (at > 0 && this.recordings[at - 1].createdMicros > createdMicros) at--;
		this.recordings.splice(at, 0, recording);
		this.byId.set(recording.id, recording);
		return recording;
	}

	setStatus(recording: ServerRecording, status: string, atMicros: number): void {
		recording.status = status;
		if (status !== 'initiating' && recording.startMicros === null) recording.startMicros = atMicros;
		if (status === 'ended') recording.endMicros = atMicros;
	}

	/** `GET /recordings?page_token=` with `before` the token's time (null: no token). */
	listPage(before: number | null): Recording[] {
		this.request();
		let lo = 0;
		let hi = this.recordings.length;
		while (lo < hi) {
			const mid = (lo + hi) >> 1;
			if (before === null || this.recordings[mid].createdMicros < before) lo = mid + 1;
			else hi = mid;
		}
		const page: Recording[] = [];
		for (let i = lo - 1; i >= 0 && page.length < PAGE_SIZE; i--) {
			if (!this.recordings[i].deleted) page.push(toApi(this.recordings[i]));
		}
		return page;
	}

	/** `GET /recordings/{id}`: 'gone' for a 404. */
	get(id: string): Recording | 'gone' {
		this.request();
		const found = this.byId.get(id);
		return found && !found.deleted ? toApi(found) : 'gone';
	}

	/** A listed recording's tm_create, as the iterator parses it. */
	createdMicros(id: string): number {
		return (this.byId.get(id) as ServerRecording).createdMicros;
	}

	visible(): ServerRecording[] {
		return this.recordings.filter((r) => !r.deleted);
	}

	private request(): void {
		this.requests++;
		this.beforeRequest?.();
	}
}

export function uuid(n: number): string {
	const hex = n.toString(16).padStart(12, '0');
	return `00000000-0000-4000-8000-${hex}`;
}

/** Normalizing is the slow part of a big simulation: reuse it until the recording changes. */
const apiCache = new WeakMap<ServerRecording, { key: string; recording: Recording }>();

function toApi(r: ServerRecording): Recording {
	const key = `${r.status}|${r.startMicros}|${r.endMicros}|${r.referenceType}|${r.referenceId}`;
	const cached = apiCache.get(r);
	if (cached?.key === key) return cached.recording;
	const recording = normalize(r);
	apiCache.set(r, { key, recording });
	return recording;
}

function normalize(r: ServerRecording): Recording {
	return normalizeRecording({
		id: r.id,
		reference_type: r.referenceType,
		reference_id: r.referenceId,
		status: r.status,
		format: 'wav',
		tm_create: formatVoipbinTime(r.createdMicros),
		tm_start: r.startMicros === null ? '' : formatVoipbinTime(r.startMicros),
		tm_end: r.endMicros === null ? '' : formatVoipbinTime(r.endMicros),
	} as IDataObject);
}

/** The node's paging rules (transport/pagination.ts), over the in-memory server. */
export function* listPages(
	server: FakeServer,
): Generator<{ recordings: Recording[]; isLast: boolean }> {
	const pager = new RecordingPager(PAGE_SIZE);
	while (!pager.done) {
		const before = pager.token === undefined ? null : parseVoipbinTime(pager.token);
		yield pager.accept(server.listPage(before));
	}
}

/** The pages a scan asks for its pending recordings, as poll.ts asks them. */
export function seekPending(server: FakeServer, scan: PollScan, fail = false): void {
	for (let before = scan.nextSeek(); before !== null; before = scan.nextSeek()) {
		const page = server.listPage(before);
		if (fail) return;
		scan.addSeekPage(before, page, page.length < PAGE_SIZE);
	}
}

export interface PollOutcome extends DecideResult {
	requests: number;
}

/**
 * One poll wired as the node wires it, the state passing through static data. `failSeeks` makes
 * the pages asked for pending recordings fail (not reported), like a network error the node logs.
 */
export function runPoll(
	server: FakeServer,
	state: TriggerState | null,
	options: TriggerOptions,
	nowMicros: number,
	maxEvents = Infinity,
	failSeeks = false,
): PollOutcome {
	const before = server.requests;
	const staticData: IDataObject = {};
	if (state) writeState(staticData, state);
	const scan = startScan(readState(staticData), options, nowMicros);
	for (const page of listPages(server)) {
		if (!scan.addListedPage(page.recordings, page.isLast)) break;
	}
	seekPending(server, scan, failSeeks);
	const result = scan.decide({ maxEvents });
	const stored: IDataObject = {};
	writeState(stored, result.state);
	expect(readState(stored)).toEqual(result.state);
	expect(Buffer.byteLength(JSON.stringify(stored))).toBeLessThanOrEqual(MAX_STATE_BYTES);
	return { ...result, requests: server.requests - before };
}

export const ENDED_ONLY: TriggerOptions = {
	events: ['ended'],
	firstRun: { mode: 'nothing' },
	filters: {},
};

export const ALL_EVENTS: TriggerOptions = {
	events: ['ended', 'started', 'statusChange'],
	firstRun: { mode: 'nothing' },
	filters: {},
};

/**
 * Times the bound's "pending" part pays for: pending recordings, and, counted as one pending
 * each, a watched microsecond (more than a page in one µs) and the backfill's next page.
 */
export function watchedTimes(state: TriggerState): number[] {
	return [
		...state.pending.map((p) => p[1]),
		...state.overflowGroups.map(([micros]) => micros),
		...(state.backfill ? [state.backfill[0] - 1] : []),
	];
}
