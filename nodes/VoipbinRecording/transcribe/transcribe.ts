import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import type { IDataObject, IExecuteFunctions, JsonObject } from 'n8n-workflow';

import { downloadRecordingAudio } from '../download/recordingAudio';
import type { Recording } from '../model/recording';
import { getRecording, waitUntilEnded } from '../transport/recordings';
import { pause } from '../transport/cancel';
import {
	deleteTranscribe,
	findTranscribe,
	getTranscribe,
	listTranscripts,
	postTranscribe,
} from './requests';
import type { Transcribe } from './requests';

export interface TranscribeOptions {
	language: string;
	/** How long to wait for the recording to end and its files to be stored. */
	filesMaxWaitMs: number;
	/** Transcribe a call whose ZIP keeps lacking one direction (after the files wait). */
	allowMissingDirection: boolean;
	/** How long the transcription itself may take before it is reported as failed or stuck. */
	maxWaitMs: number;
	/** Between checks of a transcription that is still `progressing`. */
	intervalMs: number;
	itemIndex: number;
}

export interface TranscribeResult {
	transcribe: Transcribe;
	transcripts: IDataObject[];
}

/**
 * A recording's transcript from VoIPBIN, around the server's sharp edges (TRANSCRIBE-WS.md A):
 * - the recording is checked first: a bad or unknown id would crash the server (bare 500);
 * - a finished, non-empty transcript in that language is returned without new work;
 * - otherwise the recording must have ended and its files be whole (the Download check),
 *   because a transcription asked too early is an empty `done` the server keeps returning;
 * - such an empty `done` is deleted and asked again, once;
 * - a POST the API gave up on (503 after 60 s; the work goes on) is found by reference and
 *   polled; a transcription still `progressing` after the max wait is reported as failed or stuck.
 */
export async function transcribeRecording(
	ctx: IExecuteFunctions,
	recordingId: string,
	options: TranscribeOptions,
): Promise<TranscribeResult> {
	const { itemIndex, language } = options;
	const recording = await getRecording(ctx, recordingId, itemIndex);

	const existing = await findTranscribe(ctx, recordingId, language, itemIndex);
	let stale: Transcribe | undefined;
	if (existing) {
		const settled = await waitUntilDone(ctx, existing, options);
		const transcripts = await listTranscripts(ctx, settled.id, itemIndex);
		if (transcripts.length > 0) return { transcribe: settled, transcripts };
		stale = settled;
	}

	await waitForAudio(ctx, recording, options);
	if (stale) await deleteTranscribe(ctx, stale.id, itemIndex);
	let result = await transcribeOnce(ctx, recordingId, options);
	if (result.transcripts.length === 0 && !stale) {
		// The audio is there, so an empty `done` is one made too early (or by someone else): once more.
		await deleteTranscribe(ctx, result.transcribe.id, itemIndex);
		result = await transcribeOnce(ctx, recordingId, options);
	}
	return result;
}

/**
 * Waits until the recording has ended and its audio is whole, with the check Download uses; the
 * ZIP is read through and nothing is stored.
 */
async function waitForAudio(
	ctx: IExecuteFunctions,
	recording: Recording,
	options: TranscribeOptions,
): Promise<void> {
	const started = Date.now();
	let ended = recording;
	if (ended.status !== 'ended') {
		ended = await waitUntilEnded(ctx, recording.id, {
			maxWaitMs: options.filesMaxWaitMs,
			intervalMs: options.intervalMs,
			itemIndex: options.itemIndex,
		});
	}
	await downloadRecordingAudio(ctx, ended, {
		outputAs: 'none',
		maxWaitMs: Math.max(0, options.filesMaxWaitMs - (Date.now() - started)),
		allowMissingDirection: options.allowMissingDirection,
		itemIndex: options.itemIndex,
	});
}

async function transcribeOnce(
	ctx: IExecuteFunctions,
	recordingId: string,
	options: TranscribeOptions,
): Promise<TranscribeResult> {
	const started = await startTranscribe(ctx, recordingId, options);
	const transcribe = await waitUntilDone(ctx, started, options);
	return { transcribe, transcripts: await listTranscripts(ctx, transcribe.id, options.itemIndex) };
}

/** The API's own wait for the transcription (the real one gives up after 60 s), with room. */
const POST_TIMEOUT_MS = 90_000;

/**
 * Asks for the transcription. The POST holds the whole speech-to-text; when it comes back without
 * an answer (503 REQUEST_TIMEOUT, a gateway error, no response) the work may still be going on,
 * so the transcribe is looked up by its recording and language. When the lookup cannot match the
 * language (VoIPBIN stored a tag it could not read as en-US), the POST is sent once more: the
 * server returns the transcription it already has for that recording and language.
 */
async function startTranscribe(
	ctx: IExecuteFunctions,
	recordingId: string,
	options: TranscribeOptions,
): Promise<Transcribe> {
	const { itemIndex, language } = options;
	const post = async () =>
		await postTranscribe(ctx, recordingId, language, {
			timeoutMs: Math.max(5_000, Math.min(POST_TIMEOUT_MS, options.maxWaitMs)),
			itemIndex,
		});
	try {
		return await post();
	} catch (caught) {
		// The transport throws NodeApiError only; wrapping one hands back the same error.
		const error = new NodeApiError(ctx.getNode(), caught as JsonObject);
		if (outcomeUnknown(error)) {
			return (await findTranscribe(ctx, recordingId, language, itemIndex)) ?? (await post());
		}
		if (error.httpCode === '500') {
			error.description = [
				'The speech-to-text probably failed. VoIPBIN then keeps the transcription "progressing" for good and returns it again for this recording and language: try another language tag, or give VoIPBIN support the request ID.',
				error.description,
			]
				.filter(Boolean)
				.join('\n');
		}
		throw error;
	}
}

function outcomeUnknown(error: NodeApiError): boolean {
	return error.httpCode === null || ['502', '503', '504'].includes(error.httpCode);
}

/** Polls a `progressing` transcribe until `done`; there is no failed status, so the wait is bounded. */
async function waitUntilDone(
	ctx: IExecuteFunctions,
	first: Transcribe,
	options: TranscribeOptions,
): Promise<Transcribe> {
	const deadline = Date.now() + options.maxWaitMs;
	let transcribe = first;
	while (transcribe.status !== 'done') {
		const left = deadline - Date.now();
		if (left <= 0) throw stuckError(ctx, transcribe, options);
		await pause(ctx, Math.min(options.intervalMs, left), options.itemIndex);
		transcribe = await getTranscribe(ctx, transcribe.id, options.itemIndex);
	}
	return transcribe;
}

function stuckError(
	ctx: IExecuteFunctions,
	transcribe: Transcribe,
	options: TranscribeOptions,
): NodeOperationError {
	const seconds = Math.round(options.maxWaitMs / 1000);
	return new NodeOperationError(
		ctx.getNode(),
		`The transcription of recording ${String(transcribe.reference_id ?? '')} is still not done after ${seconds} s: it has failed or is stuck`,
		{
			itemIndex: options.itemIndex,
			description: `VoIPBIN has no "failed" status: a transcription that fails stays "progressing" for good, cannot be stopped or deleted, and is returned again for the same recording and language. A long recording can also simply take longer: raise "Max Wait for Transcription". Otherwise try another language tag, or give VoIPBIN support the transcribe ID ${transcribe.id} (started ${String(transcribe.tm_create ?? 'at an unknown time')}).`,
		},
	);
}
