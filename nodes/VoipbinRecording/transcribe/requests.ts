import type { IDataObject } from 'n8n-workflow';

import { voipbinApiRequest } from '../transport/request';
import type { VoipbinContext } from '../transport/request';

/** A transcribe as the server sends it; only `progressing` and `done` exist (no failed status). */
export interface Transcribe extends IDataObject {
	id: string;
	status: 'progressing' | 'done' | string;
	language?: string;
	reference_id?: string;
	tm_delete?: string | null;
}

interface ListResponse {
	result?: IDataObject[];
}

const subjectOf = (id: string) => `Transcribe ${id}`;

/**
 * `POST /transcribes` for a recording. Only the fields that work for recordings are sent:
 * `direction` and `provider` are ignored by the server for them.
 */
export async function postTranscribe(
	ctx: VoipbinContext,
	recordingId: string,
	language: string,
	options: { timeoutMs: number; itemIndex?: number },
): Promise<Transcribe> {
	return await voipbinApiRequest<Transcribe>(ctx, {
		method: 'POST',
		path: '/transcribes',
		body: { reference_type: 'recording', reference_id: recordingId, language },
		subject: `The transcription of recording ${recordingId}`,
		itemIndex: options.itemIndex,
		timeoutMs: options.timeoutMs,
	});
}

export async function getTranscribe(
	ctx: VoipbinContext,
	id: string,
	itemIndex?: number,
): Promise<Transcribe> {
	return await voipbinApiRequest<Transcribe>(ctx, {
		method: 'GET',
		path: `/transcribes/${encodeURIComponent(id)}`,
		subject: subjectOf(id),
		itemIndex,
	});
}

/** `DELETE /transcribes/{id}`: only a `done` one can be deleted (the server gives 500 otherwise). */
export async function deleteTranscribe(
	ctx: VoipbinContext,
	id: string,
	itemIndex?: number,
): Promise<void> {
	await voipbinApiRequest(ctx, {
		method: 'DELETE',
		path: `/transcribes/${encodeURIComponent(id)}`,
		subject: subjectOf(id),
		itemIndex,
	});
}

/**
 * The newest non-deleted transcribe of a recording in a language, or undefined. One page of 100
 * (newest first) is plenty: a recording has one transcribe per language.
 */
export async function findTranscribe(
	ctx: VoipbinContext,
	recordingId: string,
	language: string,
	itemIndex?: number,
): Promise<Transcribe | undefined> {
	const response = await voipbinApiRequest<ListResponse>(ctx, {
		method: 'GET',
		path: '/transcribes',
		qs: { reference_type: 'recording', reference_id: recordingId, page_size: 100 },
		subject: `The transcriptions of recording ${recordingId}`,
		itemIndex,
	});
	const wanted = language.toLowerCase();
	return (Array.isArray(response?.result) ? (response.result as Transcribe[]) : []).find(
		(transcribe) =>
			!transcribe.tm_delete && String(transcribe.language ?? '').toLowerCase() === wanted,
	);
}

/**
 * `GET /transcripts`, asked exactly once: the server ignores `page_size` and `page_token` and
 * always answers the newest 100 sentences, newest first; its `next_page_token` gives the same
 * page again, so following it would never end.
 */
export async function listTranscripts(
	ctx: VoipbinContext,
	transcribeId: string,
	itemIndex?: number,
): Promise<IDataObject[]> {
	const response = await voipbinApiRequest<ListResponse>(ctx, {
		method: 'GET',
		path: '/transcripts',
		qs: { transcribe_id: transcribeId },
		subject: subjectOf(transcribeId),
		itemIndex,
	});
	return Array.isArray(response?.result) ? response.result : [];
}
