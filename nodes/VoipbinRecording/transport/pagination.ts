import type { IDataObject } from 'n8n-workflow';

import { normalizeRecording } from '../model/recording';
import type { Recording } from '../model/recording';
import { formatVoipbinTime, parseVoipbinTime } from '../model/time';
import { voipbinApiRequest } from './request';
import type { VoipbinContext } from './request';

/** The server's maximum (and default) page size. */
export const MAX_PAGE_SIZE = 100;

interface RecordingsResponse {
	result?: IDataObject[];
	next_page_token?: string;
}

/** One `GET /recordings` request, as the server answers it. */
export async function listRecordingsPage(
	ctx: VoipbinContext,
	options: { pageSize?: number; pageToken?: string; itemIndex?: number } = {},
): Promise<{ recordings: IDataObject[]; nextPageToken: string }> {
	const qs: IDataObject = { page_size: options.pageSize ?? MAX_PAGE_SIZE };
	if (options.pageToken) qs.page_token = options.pageToken;
	const response = await voipbinApiRequest<RecordingsResponse>(ctx, {
		method: 'GET',
		path: '/recordings',
		qs,
		itemIndex: options.itemIndex,
		subject: 'The recording list',
	});
	return {
		recordings: Array.isArray(response?.result) ? response.result : [],
		nextPageToken: typeof response?.next_page_token === 'string' ? response.next_page_token : '',
	};
}

export interface RecordingPage {
	/** Normalized recordings not yielded before, newest first. */
	recordings: Recording[];
	/** True when the server has nothing older. */
	isLast: boolean;
}

/**
 * Pages through all recordings, newest first.
 *
 * The server's token is the last item's `tm_create`, and the next page is strictly older, so
 * recordings sharing that exact microsecond with the last item but not on the page would be
 * skipped. Asking instead for "older than the last item's time + 1 µs" returns them, together with
 * the ones already seen, which are dropped by id. A full page made entirely of one timestamp would
 * come back unchanged forever; then the strict token is used, since the server cannot show more of
 * that timestamp anyway. The listing ends on an empty or short page (every non-empty page carries
 * a token, even the last).
 */
export async function* listRecordingPages(
	ctx: VoipbinContext,
	options: { pageSize?: number; itemIndex?: number } = {},
): AsyncGenerator<RecordingPage> {
	const pageSize = Math.min(Math.max(1, options.pageSize ?? MAX_PAGE_SIZE), MAX_PAGE_SIZE);
	let pageToken: string | undefined;
	/** `tm_create` (µs) of the last item yielded, and the ids yielded at exactly that time. */
	let boundary: { micros: number; ids: Set<string> } | undefined;
	for (;;) {
		const page = await listRecordingsPage(ctx, {
			pageSize,
			pageToken,
			itemIndex: options.itemIndex,
		});
		const isLast = page.recordings.length < pageSize;
		const fresh = page.recordings
			.map(normalizeRecording)
			.filter((r) => !(boundary && boundary.ids.has(r.id) && timeOf(r) === boundary.micros));
		yield { recordings: fresh, isLast };
		if (isLast) return;

		const last = fresh[fresh.length - 1];
		const lastMicros = last ? timeOf(last) : null;
		if (last && lastMicros !== null) {
			const ids = boundary?.micros === lastMicros ? boundary.ids : new Set<string>();
			for (const r of fresh) if (timeOf(r) === lastMicros) ids.add(r.id);
			boundary = { micros: lastMicros, ids };
			pageToken = formatVoipbinTime(lastMicros + 1);
		} else if (boundary) {
			// A full page with nothing new: one timestamp fills more than a page. Step past it.
			pageToken = formatVoipbinTime(boundary.micros);
			boundary = undefined;
		} else {
			pageToken = page.nextPageToken || undefined;
			if (!pageToken) return;
		}
	}
}

/** Every recording, newest first, across all pages. */
export async function* listAllRecordings(
	ctx: VoipbinContext,
	options: { itemIndex?: number } = {},
): AsyncGenerator<Recording> {
	for await (const page of listRecordingPages(ctx, options)) yield* page.recordings;
}

function timeOf(recording: Recording): number | null {
	return parseVoipbinTime(recording.tm_create);
}
