import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import type { Recording } from '../model/recording';
import { recordingTime } from '../model/recording';
import { cancelSignalOf, pause, throwIfCancelled } from '../transport/cancel';
import { redactSecrets } from '../transport/errors';
import type { VoipbinContext } from '../transport/request';
import { AudioNotReadyError, UnsupportedAudioError } from './audioModel';
import type { AudioIo, AudioRequest, AudioResult, Direction } from './audioModel';
import { BinaryStream } from './binaryStream';
import { extractAudio } from './extractAudio';
import { openStorageRange, openStorageStream, requestRecordingFileUrl } from './storage';
import type { StorageOptions } from './storage';

export interface AudioDownloadOptions {
	outputAs: AudioRequest;
	/** How long to keep asking while the files are not there or not whole: the whole download's limit. */
	maxWaitMs: number;
	allowMissingDirection: boolean;
	itemIndex?: number;
	/** A storage body that sends nothing for this long fails the attempt (default 60 s). */
	stallTimeoutMs?: number;
	/**
	 * `GET /recordingfiles/{id}` already sent (at the same time as `GET /recordings/{id}`): used for
	 * the first attempt.
	 */
	firstFileUrl?: Promise<string>;
}

export const DEFAULT_STALL_TIMEOUT_MS = 60_000;

/** Backoff between attempts while the files are being stored: 2 s, 4 s, 8 s … at most 30 s. */
const FIRST_RETRY_MS = 2_000;
const MAX_RETRY_MS = 30_000;
/**
 * A call's two files register about half a second apart, so a ZIP with one direction is usually
 * a moment in time. When the user accepts a missing direction, it is accepted only after this
 * long (or on the last attempt the max wait allows), not at the first sight.
 */
const MISSING_DIRECTION_GRACE_MS = 20_000;

export interface RecordingAudio extends AudioResult {
	/** Requests of `/recordingfiles` it took. */
	attempts: number;
}

/**
 * Downloads an ended recording's audio as n8n binary data, in the form asked for, and never
 * hands over a half-written or incomplete file: files are stored by VoIPBIN a while after the
 * recording ends, so it asks again with backoff until they are whole or `maxWaitMs` has passed.
 */
export async function downloadRecordingAudio(
	ctx: VoipbinContext,
	recording: Recording,
	options: AudioDownloadOptions,
): Promise<RecordingAudio> {
	const expected: Direction[] = recording.reference_type === 'confbridge' ? ['in'] : ['in', 'out'];
	const storage: StorageOptions = {
		stallTimeoutMs: options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS,
		// The execution's cancel signal (none in a poll) stops requests, streams and waits.
		signal: cancelSignalOf(ctx),
	};
	const started = Date.now();
	let delay = FIRST_RETRY_MS;
	for (let attempt = 1; ; attempt++) {
		const elapsed = Date.now() - started;
		const lastAttempt = elapsed + delay > options.maxWaitMs;
		const acceptMissing =
			options.allowMissingDirection && (lastAttempt || elapsed >= MISSING_DIRECTION_GRACE_MS);
		try {
			throwIfCancelled(ctx, options.itemIndex);
			const url =
				attempt === 1 && options.firstFileUrl
					? await options.firstFileUrl
					: await requestRecordingFileUrl(ctx, recording.id, options.itemIndex);
			const result = await extractAudio(storageIo(ctx, url, storage), {
				outputAs: options.outputAs,
				expected,
				allowMissingDirection: acceptMissing,
				baseName: audioBaseName(recording),
			});
			return { ...result, attempts: attempt };
		} catch (error) {
			throwIfCancelled(ctx, options.itemIndex);
			const fatal = fatalError(ctx, recording, error, options.itemIndex);
			if (fatal) throw fatal;
			const waited = Date.now() - started;
			if (waited + delay > options.maxWaitMs) {
				throw notReadyError(ctx, recording, error, attempt, waited, options);
			}
			ctx.logger.debug(
				`VoIPBIN recording ${recording.id}: audio not ready (${redactSecrets(error.message)}); retrying in ${delay} ms`,
			);
			await pause(ctx, delay, options.itemIndex);
			delay = Math.min(delay * 2, MAX_RETRY_MS);
		}
	}
}

/**
 * Errors that waiting cannot fix: API errors (the transport already retried what it could) and
 * audio that cannot be combined. Everything else — no or partial audio yet, a truncated ZIP, a
 * WAV whose header disagrees with its data, a storage hiccup — is worth another attempt.
 */
function fatalError(
	ctx: VoipbinContext,
	recording: Recording,
	error: unknown,
	itemIndex: number | undefined,
): NodeApiError | NodeOperationError | undefined {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) return error;
	if (error instanceof UnsupportedAudioError) {
		return new NodeOperationError(ctx.getNode(), `Recording ${recording.id}: ${error.message}`, {
			itemIndex,
		});
	}
	return undefined;
}

function notReadyError(
	ctx: VoipbinContext,
	recording: Recording,
	error: Error,
	attempts: number,
	waitedMs: number,
	options: AudioDownloadOptions,
): NodeOperationError {
	const missing = error instanceof AudioNotReadyError && error.missingDirections.length > 0;
	const notReady = new NodeOperationError(
		ctx.getNode(),
		`The audio of recording ${recording.id} is not ready: ${redactSecrets(error.message)}`,
		{
			itemIndex: options.itemIndex,
			description:
				`Tried ${attempts} time(s) over ${Math.round(waitedMs / 1000)} s. VoIPBIN stores the files shortly after a recording ends; ` +
				(missing && !options.allowMissingDirection
					? 'if one direction of this call never arrives, turn on "Accept Missing Direction" to get the other one, or raise "Max Wait for Files".'
					: 'raise "Max Wait for Files", or try again later.'),
		},
	);
	return Object.assign(notReady, { [NOT_READY]: true });
}

const NOT_READY = 'voipbinAudioNotReady';

/** Whether a download failed only because the files were not whole within its wait. */
export function isAudioNotReady(error: unknown): boolean {
	return (error as Record<string, unknown> | undefined)?.[NOT_READY] === true;
}

/** `recording_20260115T093000Z_<id>`: sorts by start time, and says which recording it is. */
export function audioBaseName(recording: Recording): string {
	const micros = recordingTime(recording, 'tm_start') ?? recordingTime(recording, 'tm_create');
	const stamp =
		micros === null
			? 'unknown-time'
			: new Date(Math.floor(micros / 1000)).toISOString().replace(/[-:]|\.\d+/g, '');
	return `recording_${stamp}_${recording.id}`;
}

function storageIo(ctx: VoipbinContext, url: string, options: StorageOptions): AudioIo {
	return {
		open: async () => await openStorageStream(ctx, url, options),
		openRange: async (range) => await openStorageRange(ctx, url, range, options),
		// prepareBinaryData is typed for a Buffer or a Readable: BinaryStream is the part of a
		// Readable that n8n's stores use (see binaryStream.ts).
		store: async (chunks, fileName, mimeType) =>
			await ctx.helpers.prepareBinaryData(
				new BinaryStream(chunks) as unknown as Buffer,
				fileName,
				mimeType,
			),
	};
}
