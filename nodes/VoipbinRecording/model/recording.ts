import type { IDataObject } from 'n8n-workflow';

import { formatVoipbinTime, parseVoipbinTime } from './time';

export type RecordingStatus = 'initiating' | 'recording' | 'stopping' | 'ended';

/** `confbridge` is what the live server says for a conference; the seed page says `conference`. */
export type ReferenceType = 'call' | 'confbridge';

const TIME_FIELDS = ['tm_start', 'tm_end', 'tm_create', 'tm_update', 'tm_delete'] as const;
type TimeField = (typeof TIME_FIELDS)[number];

/**
 * A recording in the one form every part of this package works with: `reference_type` always
 * present, times as ISO 8601 UTC strings with microseconds or `null` when not set. Fields the
 * server adds later pass through untouched.
 */
export interface Recording extends IDataObject {
	id: string;
	reference_type: ReferenceType | null;
	reference_id: string | null;
	status: RecordingStatus | string;
	format: string | null;
	tm_start: string | null;
	tm_end: string | null;
	tm_create: string | null;
	tm_update: string | null;
	tm_delete: string | null;
}

/** Statuses after which a recording can still change. `stopping` is not final. */
export const PENDING_STATUSES: readonly string[] = ['initiating', 'recording', 'stopping'];

export function isEnded(recording: Pick<Recording, 'status'>): boolean {
	return recording.status === 'ended';
}

export function normalizeReferenceType(value: unknown): ReferenceType | null {
	if (value === 'call') return 'call';
	if (value === 'confbridge' || value === 'conference') return 'confbridge';
	return null;
}

/**
 * Turns a recording as any VoIPBIN server version wrote it into a {@link Recording}.
 * Accepts the seed page's `type` field and its "not yet" sentinels as well as the live shape.
 */
export function normalizeRecording(raw: IDataObject): Recording {
	const { type: legacyType, ...rest } = raw;
	const times = {} as Record<TimeField, string | null>;
	for (const field of TIME_FIELDS) {
		const micros = parseVoipbinTime(raw[field]);
		times[field] = micros === null ? null : formatVoipbinTime(micros);
	}
	return {
		...rest,
		id: String(raw.id),
		reference_type: normalizeReferenceType(raw.reference_type ?? legacyType),
		reference_id:
			typeof raw.reference_id === 'string' && raw.reference_id ? raw.reference_id : null,
		status: String(raw.status ?? ''),
		format: typeof raw.format === 'string' && raw.format ? raw.format : null,
		...times,
	};
}

/** Microseconds since the epoch of a normalized time field, or null. */
export function recordingTime(recording: Recording, field: TimeField): number | null {
	return parseVoipbinTime(recording[field]);
}

/** Length in seconds (tm_end − tm_start), or null while either is unknown. */
export function recordingDurationSeconds(recording: Recording): number | null {
	const start = recordingTime(recording, 'tm_start');
	const end = recordingTime(recording, 'tm_end');
	if (start === null || end === null) return null;
	return Math.max(0, (end - start) / 1_000_000);
}
