import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import type { IDataObject, INodeExecutionData, IPollFunctions } from 'n8n-workflow';

import type { AudioOutput } from '../download/audioFiles';
import { AUDIO_MAX_WAIT_SECONDS, audioItems } from '../download/audioItems';
import { downloadRecordingAudio, isAudioNotReady } from '../download/recordingAudio';
import type { Recording, ReferenceType } from '../model/recording';
import { millisToMicros } from '../model/time';
import { listRecordingPages } from '../transport/pagination';
import { getRecording } from '../transport/recordings';
import { startScan } from './decide';
import type {
	FirstRunOption,
	PollScan,
	TriggerEvent,
	TriggerEventKind,
	TriggerOptions,
} from './decide';
import { SAMPLE_WANTED, pickSample } from './sample';
import { readState, writeState } from './state';

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
		const since = String(ctx.getNodeParameter('firstRunSince', '') ?? '');
		const ms = Date.parse(since);
		if (Number.isNaN(ms)) {
			throw new NodeOperationError(ctx.getNode(), `"Since" is not a valid date: "${since}"`, {
				description: 'Pick a date, or choose another "On First Run" option.',
			});
		}
		return { mode, sinceMicros: millisToMicros(ms) };
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
	const scan = startScan(readState(staticData), parameters.options, millisToMicros(Date.now()));

	for await (const page of listRecordingPages(ctx)) {
		if (!scan.addListedPage(page.recordings, page.isLast) || Date.now() > deadline) break;
	}
	await checkPending(ctx, scan, deadline);

	let result = scan.decide({ maxEvents: parameters.maxEventsPerPoll });
	let items: INodeExecutionData[] = result.events.map(eventItem);
	if (parameters.audio && result.events.length) {
		const attached = await attachAudio(ctx, result.events, parameters.audio, deadline);
		if (attached.length < result.events.length) {
			// Out of time: emit the events whose audio is done, leave the rest to the next poll.
			result = scan.decide({ maxEvents: attached.length });
		}
		items = attached.flat();
	}
	if (result.warning) ctx.logger.warn(`VoIPBIN Recording Trigger: ${result.warning}`);
	writeState(staticData, result.state);
	return items.length ? [items] : null;
}

/** Looks up pending recordings one by one when that is cheaper than paging down to them. */
async function checkPending(ctx: IPollFunctions, scan: PollScan, deadline: number): Promise<void> {
	for (const id of scan.pendingChecks()) {
		if (Date.now() > deadline) return; // not reported: stays pending, checked next poll
		try {
			scan.fetched(id, await getRecording(ctx, id));
		} catch (error) {
			if (error instanceof NodeApiError && error.httpCode === '404') scan.fetched(id, 'gone');
			else
				ctx.logger.warn(
					`VoIPBIN Recording Trigger: could not check recording ${id}: ${(error as Error).message}`,
				);
		}
	}
}

function eventItem(event: TriggerEvent): INodeExecutionData {
	return { json: eventJson(event) };
}

function eventJson(event: TriggerEvent): IDataObject {
	return { ...event.recording, event: event.kind, previousStatus: event.previousStatus };
}

/**
 * Downloads the audio of each event (ended recordings only), a few at a time, in event order.
 * Returns the items of the longest prefix of events that finished within the deadline. An event
 * whose files never come within its own wait is emitted with an `audioError` instead of audio.
 */
async function attachAudio(
	ctx: IPollFunctions,
	events: TriggerEvent[],
	audio: NonNullable<TriggerParameters['audio']>,
	deadline: number,
): Promise<INodeExecutionData[][]> {
	const done: Array<INodeExecutionData[] | undefined> = new Array(events.length);
	let next = 0;
	const worker = async () => {
		while (next < events.length) {
			const index = next++;
			const left = deadline - Date.now();
			if (left <= 0) return;
			done[index] = await eventWithAudio(ctx, events[index], audio, left);
		}
	};
	await Promise.all(Array.from({ length: Math.min(AUDIO_CONCURRENCY, events.length) }, worker));
	const prefix: INodeExecutionData[][] = [];
	for (const items of done) {
		if (!items) break;
		prefix.push(items);
	}
	return prefix;
}

async function eventWithAudio(
	ctx: IPollFunctions,
	event: TriggerEvent,
	audio: NonNullable<TriggerParameters['audio']>,
	timeLeftMs: number,
): Promise<INodeExecutionData[] | undefined> {
	if (event.recording.status !== 'ended') return [eventItem(event)];
	const maxWaitMs = Math.min(audio.maxWaitMs, timeLeftMs);
	try {
		const files = await downloadRecordingAudio(ctx, event.recording, {
			outputAs: audio.outputAs,
			maxWaitMs,
			allowMissingDirection: false,
		});
		return audioItems(ctx, event.recording, files, {
			binaryPropertyName: audio.binaryPropertyName,
		}).map((item) => ({
			...item,
			json: { ...item.json, event: event.kind, previousStatus: event.previousStatus },
		}));
	} catch (error) {
		// Files not whole yet, and the wait was cut short by the poll's budget rather than by the
		// user's setting: try again next poll. Any other failure is final and shown on the event.
		if (isAudioNotReady(error) && maxWaitMs < audio.maxWaitMs) return undefined;
		return [{ json: { ...eventJson(event), audioError: (error as Error).message } }];
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
	const items = await eventWithAudio(ctx, event, parameters.audio, parameters.audio.maxWaitMs);
	return [items ?? [eventItem(event)]];
}
