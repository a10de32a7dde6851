import { recordingDurationSeconds, recordingTime } from './recording';
import type { Recording, ReferenceType } from './recording';

/**
 * Client-side filters: the VoIPBIN list endpoint has none, so the nodes filter what it returns.
 * Every field is optional; an empty filter matches everything.
 */
export interface RecordingFilters {
	statuses?: string[];
	referenceType?: ReferenceType;
	referenceId?: string;
	/** Microseconds since the epoch, inclusive. */
	createdAfter?: number;
	/** Microseconds since the epoch, exclusive. */
	createdBefore?: number;
	/** tm_end − tm_start; a recording without both times does not match a positive minimum. */
	minDurationSeconds?: number;
}

export function matchesFilters(recording: Recording, filters: RecordingFilters): boolean {
	if (filters.statuses?.length && !filters.statuses.includes(recording.status)) return false;
	if (filters.referenceType && recording.reference_type !== filters.referenceType) return false;
	if (
		filters.referenceId &&
		recording.reference_id?.toLowerCase() !== filters.referenceId.trim().toLowerCase()
	) {
		return false;
	}
	if (filters.createdAfter !== undefined || filters.createdBefore !== undefined) {
		const created = recordingTime(recording, 'tm_create');
		if (created === null) return false;
		if (filters.createdAfter !== undefined && created < filters.createdAfter) return false;
		if (filters.createdBefore !== undefined && created >= filters.createdBefore) return false;
	}
	if (filters.minDurationSeconds) {
		const duration = recordingDurationSeconds(recording);
		if (duration === null || duration < filters.minDurationSeconds) return false;
	}
	return true;
}
