import { NodeOperationError } from 'n8n-workflow';
import type { IDataObject } from 'n8n-workflow';

import { normalizeRecording } from '../model/recording';
import type { Recording } from '../model/recording';
import { pause } from './cancel';
import { voipbinApiRequest } from './request';
import type { VoipbinContext } from './request';

/** `GET /recordings/{id}`, normalized. */
export async function getRecording(
	ctx: VoipbinContext,
	id: string,
	itemIndex?: number,
): Promise<Recording> {
	return await recordingRequest(ctx, 'GET', id, itemIndex);
}

/** `DELETE /recordings/{id}` (a soft delete: the server keeps it with `tm_delete` set). */
export async function deleteRecording(
	ctx: VoipbinContext,
	id: string,
	itemIndex?: number,
): Promise<Recording> {
	return await recordingRequest(ctx, 'DELETE', id, itemIndex);
}

async function recordingRequest(
	ctx: VoipbinContext,
	method: 'GET' | 'DELETE',
	id: string,
	itemIndex?: number,
): Promise<Recording> {
	const raw = await voipbinApiRequest<IDataObject>(ctx, {
		method,
		path: `/recordings/${encodeURIComponent(id)}`,
		subject: `Recording ${id}`,
		itemIndex,
	});
	return normalizeRecording(raw);
}

export interface WaitOptions {
	maxWaitMs: number;
	intervalMs: number;
	itemIndex?: number;
}

/**
 * Polls `GET /recordings/{id}` until the recording is `ended` (`stopping` is not), or fails with
 * an error naming the last status once `maxWaitMs` has passed.
 */
export async function waitUntilEnded(
	ctx: VoipbinContext,
	id: string,
	options: WaitOptions,
): Promise<Recording> {
	const deadline = Date.now() + options.maxWaitMs;
	for (;;) {
		const recording = await getRecording(ctx, id, options.itemIndex);
		if (recording.status === 'ended') return recording;
		const left = deadline - Date.now();
		if (left <= 0) {
			throw new NodeOperationError(
				ctx.getNode(),
				`Recording ${id} did not end within ${Math.round(options.maxWaitMs / 1000)} seconds (last status: ${recording.status || 'unknown'})`,
				{
					itemIndex: options.itemIndex,
					description:
						'Stop the recording first (operation Stop), or raise the maximum wait. A recording in "stopping" is still being finalised.',
				},
			);
		}
		await pause(ctx, Math.min(options.intervalMs, left), options.itemIndex);
	}
}
