import { NodeOperationError } from 'n8n-workflow';
import type { IDataObject, INodeExecutionData, IPollFunctions } from 'n8n-workflow';

import type { AudioOutput } from '../download/audioModel';
import { AUDIO_MAX_WAIT_SECONDS, audioItems } from '../download/outputItems';
import { downloadRecordingAudio, isAudioNotReady } from '../download/recordingAudio';
import { normalizeRecording } from '../model/recording';
import type { Recording, ReferenceType } from '../model/recording';
import { formatVoipbinTime, millisToMicros, parseUserDate } from '../model/time';
import { MAX_PAGE_SIZE, listRecordingPages, listRecordingsPage } from '../transport/pagination';
import { startScan } from './decide';
import type {
	FirstRunOption,
	PollScan,
	TriggerEvent,
	TriggerEventKind,
	TriggerOptions,
} from './decide';
import { SAMPLE_WANTED, pickSample } from './sample';
import { MAX_AUDIO_WAITS, hasStoredState, idHash, readState, writeState } from './state';
import type { AudioWait, TriggerState } from './state';

/** The trigger's parameters, read once per poll. */
export interface TriggerParameters {
	options: TriggerOptions;
	maxEventsPerPoll: number;
	audio: { outputAs: AudioOutput; binaryPropertyName: string; maxWaitMs: number } | null;
}

const EVENT_KINDS: Record<string, TriggerEventKind> = {
	recordingEnded: 'ended',
	recordingStarted: 'started',
	anyStatusChange: 'statusChange',
};

/**
 * Default "Max Events per Poll": within the 10–50 of n8n's own triggers, and low because each
 * event may carry a download. More recordings simply wait for the next poll.
 */
export const MAX_EVENTS_PER_POLL = 20;

/** Parts of n8n's poll budget this poll uses; the rest is margin for emitting. */
const BUDGET_SHARE = 0.8;
/** n8n's budget when the runtime does not say (n8n before 2.40): five minutes. */
const DEFAULT_BUDGET_MS = 300_000;
/** Pages "Fetch Test Event" reads to find a sample. */
const SAMPLE_MAX_PAGES = 3;
/** Audio downloads running at once: enough to hide latency, few enough for the rate limit. */
const AUDIO_CONCURRENCY = 4;

function readTriggerParameters(ctx: IPollFunctions): TriggerParameters {
	const event = ctx.getNodeParameter('event') as string;
	const filters = ctx.getNodeParameter('filters', {}) as {
		referenceType?: string;
		referenceId?: string;
		minDurationSeconds?: number;
	};
	const attachAudio = ctx.getNodeParameter('attachAudio', false) as boolean;
	const options = ctx.getNodeParameter('options', {}) as { maxEventsPerPoll?: number };
	return {
		options: {
			events: [EVENT_KINDS[event] ?? 'ended'],
			firstRun: readFirstRun(ctx),
			filters: {
				referenceType: (filters.referenceType as ReferenceType) || undefined,
				referenceId: filters.referenceId?.trim() || undefined,
				minDurationSeconds: filters.minDurationSeconds || undefined,
			},
		},
		maxEventsPerPoll: options.maxEventsPerPoll ?? MAX_EVENTS_PER_POLL,
		audio: attachAudio
			? {
					outputAs: ctx.getNodeParameter('audioOutputAs', 'monoMix') as AudioOutput,
					binaryPropertyName: ctx.getNodeParameter('binaryPropertyName', 'data') as string,
					maxWaitMs:
						(ctx.getNodeParameter('audioMaxWaitSeconds', AUDIO_MAX_WAIT_SECONDS) as number) * 1000,
				}
			: null,
	};
}

function readFirstRun(ctx: IPollFunctions): FirstRunOption {
	const mode = ctx.getNodeParameter('onFirstRun', 'nothing') as string;
	if (mode === 'lastHours') {
		return { mode, hours: ctx.getNodeParameter('firstRunHours', 24) as number };
	}
	if (mode === 'sinceDate') {
		const since = ctx.getNodeParameter('firstRunSince', '') as unknown;
		const sinceMicros = parseUserDate(since, ctx.getTimezone());
		if (sinceMicros === null) {
			throw new NodeOperationError(
				ctx.getNode(),
				`"Since" is not a valid date: "${String(since)}"`,
				{
					description:
						'Pick a date, or choose another "On First Run" option. A date without an offset is read in the workflow\'s time zone.',
				},
			);
		}
		return { mode, sinceMicros };
	}
	return { mode: 'nothing' };
}

/**
 * One production poll: read the state, list and look up what the plan asks, decide, attach audio
 * within the time budget, and only then store the new state, in one assignment. A throw anywhere
 * before that leaves the stored state as it was, so the next poll finds the same events again.
 */
export async function pollRecordings(ctx: IPollFunctions): Promise<INodeExecutionData[][] | null> {
	const parameters = readTriggerParameters(ctx);
	if (ctx.getMode() === 'manual') return await sampleEvent(ctx, parameters);

	const budgetMs =
		typeof ctx.getPollBudgetMs === 'function' ? ctx.getPollBudgetMs() : DEFAULT_BUDGET_MS;
	const deadline = Date.now() + budgetMs * BUDGET_SHARE;
	const staticData = ctx.getWorkflowStaticData('node');
	const state = readState(staticData);
	let options = parameters.options;
	if (!state && hasStoredState(staticData)) {
		// Looking back again (e.g. "last N hours") would repeat events already emitted.
		ctx.logger.warn(
			'VoIPBIN Recording Trigger: the stored position could not be read (corrupt, or written by an unknown version of this node); resuming from now without looking back. Recordings that ended while it was unreadable may be missed; in-progress ones are followed.',
		);
		options = { ...options, firstRun: { mode: 'nothing' } };
	}
	const scan = startScan(state, options, millisToMicros(Date.now()));

	for await (const page of listRecordingPages(ctx)) {
		if (!scan.addListedPage(page.recordings, page.isLast) || Date.now() > deadline) break;
	}
	await checkPending(ctx, scan, deadline);

	let result = scan.decide({ maxEvents: parameters.maxEventsPerPoll });
	let items: INodeExecutionData[] = result.events.map(eventItem);
	let audioWaits: AudioWait[] = [];
	if (parameters.audio && result.events.length) {
		const attached = await attachAudio(ctx, result.events, parameters.audio, deadline, state);
		if (attached.items.length < result.events.length) {
			// Out of time: emit the events whose audio is done, leave the rest to the next poll.
			result = scan.decide({ maxEvents: attached.items.length });
		}
		items = attached.items.flat();
		audioWaits = attached.waits;
	}
	if (result.warning) ctx.logger.warn(`VoIPBIN Recording Trigger: ${result.warning}`);
	writeState(staticData, { ...result.state, audioWaits });
	return items.length ? [items] : null;
}

/**
 * Settles pending recordings (and watched microseconds) by asking the list pages the scan wants,
 * each from just above one of them. What is not settled in time, or after a failed request,
 * stays as it was and is looked at again next poll.
 */
async function checkPending(ctx: IPollFunctions, scan: PollScan, deadline: number): Promise<void> {
	for (let before = scan.nextSeek(); before !== null; before = scan.nextSeek()) {
		if (Date.now() > deadline) return;
		try {
			const page = await listRecordingsPage(ctx, { pageToken: formatVoipbinTime(before) });
			const recordings = page.recordings.map(normalizeRecording);
			scan.addSeekPage(before, recordings, recordings.length < MAX_PAGE_SIZE);
		} catch (error) {
			ctx.logger.warn(
				`VoIPBIN Recording Trigger: could not check the recordings in progress: ${(error as Error).message}`,
			);
			return;
		}
	}
}

function eventItem(event: TriggerEvent): INodeExecutionData {
	return { json: eventJson(event) };
}

function eventJson(event: TriggerEvent): IDataObject {
	return { ...event.recording, event: event.kind, previousStatus: event.previousStatus };
}

/** One event's audio attempt: its items, or held back since `sinceMs` (files not whole yet). */
type AudioOutcome = { items: INodeExecutionData[] } | { heldSinceMs: number };

/**
 * Downloads the audio of each event (ended recordings only), a few at a time, in event order.
 * Returns the items of the longest prefix of events that finished within the deadline, and the
 * events held back because their files were not whole yet. "Max Wait for Files" is counted from
 * an event's first attempt, across polls (the start is kept in the state): an event whose files
 * are still not whole after it is emitted with an `audioError`, so it holds newer events back
 * for at most that long (to the first poll after it).
 */
async function attachAudio(
	ctx: IPollFunctions,
	events: TriggerEvent[],
	audio: NonNullable<TriggerParameters['audio']>,
	deadline: number,
	state: TriggerState | null,
): Promise<{ items: INodeExecutionData[][]; waits: AudioWait[] }> {
	const since = new Map(state?.audioWaits ?? []);
	const outcomes: Array<AudioOutcome | undefined> = new Array(events.length);
	let next = 0;
	const worker = async () => {
		while (next < events.length) {
			const index = next++;
			const left = deadline - Date.now();
			if (left <= 0) return;
			const event = events[index];
			const sinceMs = since.get(idHash(event.recording.id)) ?? Date.now();
			outcomes[index] = await eventWithAudio(ctx, event, audio, { sinceMs, timeLeftMs: left });
		}
	};
	await Promise.all(Array.from({ length: Math.min(AUDIO_CONCURRENCY, events.length) }, worker));
	const items: INodeExecutionData[][] = [];
	for (const outcome of outcomes) {
		if (!outcome || !('items' in outcome)) break;
		items.push(outcome.items);
	}
	// Every event not emitted keeps its clock: held ones from this attempt, others as they were.
	const waits: AudioWait[] = [];
	events.slice(items.length).forEach((event, i) => {
		const outcome = outcomes[items.length + i];
		const key = idHash(event.recording.id);
		const sinceMs = outcome && 'heldSinceMs' in outcome ? outcome.heldSinceMs : since.get(key);
		if (sinceMs !== undefined && waits.length < MAX_AUDIO_WAITS) waits.push([key, sinceMs]);
	});
	const held = events.findIndex((_, i) => {
		const outcome = outcomes[i];
		return outcome !== undefined && 'heldSinceMs' in outcome;
	});
	if (held >= 0) {
		const event = events[held];
		const waitedS = Math.round(
			(Date.now() - (outcomes[held] as { heldSinceMs: number }).heldSinceMs) / 1000,
		);
		ctx.logger.warn(
			`VoIPBIN Recording Trigger: the audio of recording ${event.recording.id} is not whole yet (waited ${waitedS} s of the ${audio.maxWaitMs / 1000} s "Max Wait for Files"); it and ${events.length - held - 1} newer event(s) of this poll wait for it, at most until that wait is over.`,
		);
	}
	return { items, waits };
}

async function eventWithAudio(
	ctx: IPollFunctions,
	event: TriggerEvent,
	audio: NonNullable<TriggerParameters['audio']>,
	{ sinceMs, timeLeftMs }: { sinceMs: number; timeLeftMs: number },
): Promise<AudioOutcome> {
	if (event.recording.status !== 'ended') return { items: [eventItem(event)] };
	// What is left of the user's wait (counted from the first attempt), cut to this poll's time.
	const remainingMs = Math.max(0, audio.maxWaitMs - (Date.now() - sinceMs));
	const maxWaitMs = Math.min(remainingMs, timeLeftMs);
	try {
		const files = await downloadRecordingAudio(ctx, event.recording, {
			outputAs: audio.outputAs,
			maxWaitMs,
			allowMissingDirection: false,
		});
		const items = audioItems(ctx, event.recording, files, {
			binaryPropertyName: audio.binaryPropertyName,
		}).map((item) => ({
			...item,
			json: { ...item.json, event: event.kind, previousStatus: event.previousStatus },
		}));
		return { items };
	} catch (error) {
		// Files not whole yet and the poll's time, not the user's wait, ran out: go on next poll.
		// Any other failure, or the user's wait used up, is final and shown on the event.
		if (isAudioNotReady(error) && maxWaitMs < remainingMs) return { heldSinceMs: sinceMs };
		return { items: [{ json: { ...eventJson(event), audioError: (error as Error).message } }] };
	}
}

/** "Fetch Test Event": a real recording as an event of the chosen kind; the stored state is not touched. */
async function sampleEvent(
	ctx: IPollFunctions,
	parameters: TriggerParameters,
): Promise<INodeExecutionData[][]> {
	const recordings: Recording[] = [];
	let event: TriggerEvent | null = null;
	let pages = 0;
	for await (const page of listRecordingPages(ctx)) {
		recordings.push(...page.recordings);
		event = pickSample(recordings, parameters.options);
		if (event || ++pages >= SAMPLE_MAX_PAGES) break;
	}
	if (!event) {
		const { filters, events } = parameters.options;
		const wanted = SAMPLE_WANTED[events[0] ?? 'ended'];
		throw new NodeOperationError(ctx.getNode(), `No ${wanted} yet`, {
			description: `Found no ${wanted}${filters.referenceId || filters.referenceType || filters.minDurationSeconds ? ' that matches the filters' : ''} among the ${recordings.length} newest recordings. Record a call${events[0] === 'ended' ? ', stop it,' : ''} and fetch again.`,
		});
	}
	if (!parameters.audio) return [[eventItem(event)]];
	const outcome = await eventWithAudio(ctx, event, parameters.audio, {
		sinceMs: Date.now(),
		timeLeftMs: parameters.audio.maxWaitMs,
	});
	return ['items' in outcome ? outcome.items : [eventItem(event)]];
}
