import type { IN8nHttpFullResponse } from 'n8n-workflow';

import { cancelSignalOf } from '../transport/cancel';
import { voipbinApiRequest } from '../transport/request';
import type { VoipbinContext } from '../transport/request';

/** `GET /recordingfiles/{id}`: the signed storage URL the API redirects to (not followed here). */
export async function requestRecordingFileUrl(
	ctx: VoipbinContext,
	recordingId: string,
	itemIndex?: number,
): Promise<string> {
	return await voipbinApiRequest<string>(ctx, {
		method: 'GET',
		path: `/recordingfiles/${encodeURIComponent(recordingId)}`,
		returnRedirectLocation: true,
		subject: `Recording ${recordingId}`,
		itemIndex,
		// The server builds the ZIP before it answers; that can take minutes for long recordings.
		timeoutMs: 300_000,
	});
}

/** A response body as n8n's HTTP helper gives it: a Node readable stream. */
export type BodyStream = AsyncIterable<Uint8Array> & { destroy?: (error?: Error) => void };

/**
 * Opens the signed storage URL as a stream. Deliberately a plain `httpRequest` in a function that
 * never reads the credential: the storage host must receive no access key, token or auth header.
 */
export async function openStorageStream(ctx: VoipbinContext, url: string): Promise<BodyStream> {
	const response = (await ctx.helpers.httpRequest({
		method: 'GET',
		url,
		encoding: 'stream',
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		timeout: 300_000,
		// Cancelling the execution aborts the request, and the body stream with it.
		abortSignal: cancelSignalOf(ctx),
	})) as IN8nHttpFullResponse;
	const body = response.body as unknown as BodyStream;
	if (response.statusCode !== 200) {
		body.destroy?.();
		// Name the host only: the query string is a 24-hour key to the audio.
		throw new Error(
			`the storage host ${new URL(url).host} answered ${response.statusCode}${response.statusCode === 400 || response.statusCode === 403 ? ' (the download link may have expired)' : ''}`,
		);
	}
	return body;
}
