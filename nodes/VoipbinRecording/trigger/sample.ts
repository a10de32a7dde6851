import { recordingTime } from '../model/recording';
import type { Recording } from '../model/recording';
import { passesFilters, pickSampleEvent } from './decide';
import type { TriggerEvent, TriggerEventKind, TriggerOptions } from './decide';

/**
 * "Fetch Test Event": one real recording shaped as an event of the chosen kind, from what was
 * listed, or null when none fits yet. Read-only: it decides nothing about the stored state.
 *
 * - ended: the newest ended recording; it became ended from `stopping`.
 * - started: the newest recording that is capturing audio (`recording`), else the newest that has
 *   started at all; seen for the first time, as a poll usually sees a new recording.
 * - statusChange: the newest recording, seen for the first time (previous status null).
 */
export function pickSample(
	recordings: readonly Recording[],
	options: Pick<TriggerOptions, 'events' | 'filters'>,
): TriggerEvent | null {
	const kind: TriggerEventKind = options.events[0] ?? 'ended';
	if (kind === 'ended') {
		const recording = pickSampleEvent(recordings, options);
		return recording && { kind, recording, previousStatus: 'stopping' };
	}
	const matching = recordings.filter((recording) => passesFilters(recording, options.filters));
	const recording =
		kind === 'started'
			? (newest(matching.filter((r) => r.status === 'recording')) ??
				newest(matching.filter((r) => r.status !== 'initiating')))
			: newest(matching);
	return recording && { kind, recording, previousStatus: null };
}

/** What the sample looks for, in the words of the "nothing found" error. */
export const SAMPLE_WANTED: Record<TriggerEventKind, string> = {
	ended: 'ended recording',
	started: 'started recording',
	statusChange: 'recording',
};

function newest(recordings: readonly Recording[]): Recording | null {
	let best: Recording | null = null;
	let bestMicros = -Infinity;
	for (const recording of recordings) {
		const created = recordingTime(recording, 'tm_create') ?? -1;
		if (created > bestMicros) {
			best = recording;
			bestMicros = created;
		}
	}
	return best;
}
