/** The benchmarks' tables, shared by each script's output and bench/RESULTS.md. */
import { MAX_PENDING } from '../nodes/VoipbinRecording/trigger/state';
import { MB, round } from './common';
import type { ConcurrentResult } from './concurrent';
import type { PollCostRow } from './poll-cost';
import type { StateSizeResult } from './state-size';
import type { TriggerAudioResult } from './trigger-audio';

export interface Table {
	head: string[];
	rows: Array<Array<string | number>>;
}

export const TARGET_RATIO = 0.8;
export const TARGET_RSS_MB = 64;

export function pollCostTable(rows: PollCostRow[]): Table {
	return {
		head: [
			'recordings',
			'ours req/poll (list+get)',
			'allowed',
			'ours ms/poll',
			'naive req/poll',
			'naive ms/poll',
			'events/poll (ours, naive)',
			'polls (ours, naive)',
		],
		rows: rows.map((r) => [
			r.recordings,
			`${r.oursRequests} (${r.oursList}+${r.oursGet})${r.oursWithinBound ? '' : ' OVER'}`,
			`≤ ${r.allowedMax}`,
			r.oursMs,
			r.naiveRequests,
			r.naiveMs,
			`${r.oursEvents}, ${r.naiveEvents}`,
			`${r.polls}, ${r.naivePolls}`,
		]),
	};
}

export function concurrentTable(r: ConcurrentResult): Table {
	return {
		head: [
			'recordings',
			'in progress at once',
			'req/poll mean, max',
			'allowed at max',
			'ms/poll',
			'max state bytes',
			'bytes per pending',
			'events / ended',
			'max event delay (polls)',
		],
		rows: [
			[
				r.recordings,
				r.maxInProgress,
				`${r.meanRequests}, ${r.maxRequests}${r.withinBound ? '' : ' OVER'}`,
				`≤ ${r.allowedAtMax}`,
				r.meanMs,
				r.maxStateBytes,
				r.bytesPerPending,
				`${r.endedEvents} / ${r.ended}${r.duplicates ? ` (${r.duplicates} twice)` : ''}`,
				r.maxDelayPolls,
			],
		],
	};
}

export function stateSizeTable(result: StateSizeResult): Table {
	return {
		head: [
			'path',
			'polls',
			'max bytes',
			'final bytes',
			`bytes at poll ${result.checkpoint}`,
			'target',
			'max pending',
			'events / ended',
			'ms/poll',
		],
		rows: result.paths.map((p) => [
			p.path,
			p.polls,
			p.maxBytes,
			p.finalBytes,
			p.bytesAtCheckpoint,
			`≤ ${result.targetBytes} ${p.maxBytes <= result.targetBytes ? 'met' : 'MISSED'}`,
			`${p.maxPending} (cap ${MAX_PENDING})`,
			`${p.events} / ${p.recordingsEnded}`,
			p.msPerPoll,
		]),
	};
}

export function triggerAudioTable(r: TriggerAudioResult): Table {
	return {
		head: [
			'recordings',
			'audio each s',
			'items (with audio, errors)',
			'poll wall s',
			'ms per recording',
			'curl each ZIP once, sequential s',
			'ZIP MB total',
			'WAV MB written',
			'RSS growth MB',
		],
		rows: [
			[
				r.recordings,
				round(r.audioSecondsEach),
				`${r.items} (${r.withAudio}, ${r.audioErrors})`,
				round(r.seconds, 2),
				round((r.seconds * 1000) / r.recordings),
				round(r.curlSequentialSeconds, 2),
				round(r.zipBytes / MB),
				round(r.outputBytes / MB),
				round(r.rssGrowth / MB),
			],
		],
	};
}
