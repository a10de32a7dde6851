import { NodeApiError } from 'n8n-workflow';
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
	/** Set when the page did not move the listing on: how, in words. The listing is then done. */
	stalled?: string;
}

/**
 * The paging rules, free of I/O: which token to ask for next, and which listed recordings are new.
 *
 * The server's token is the last item's `tm_create`, and the next page is strictly older, so
 * recordings sharing that exact microsecond with the last item but not on the page would be
 * skipped. Asking instead for "older than the last item's time + 1 µs" returns them, together with
 * the ones already seen, which are dropped by id. A full page made entirely of one timestamp would
 * come back unchanged, so after one the strict token is used: the server cannot show more of that
 * timestamp anyway. The listing ends on an empty or short page (every non-empty page carries
 * a token, even the last).
 *
 * A page that does not move the listing on — one holding recordings at or after the time it asked
 * to be older than, a full page of nothing new, or the same server token again — ends the listing,
 * marked `stalled`: a server that ignores `page_token` would otherwise be listed forever.
 */
export class RecordingPager {
	/** The `page_token` of the next request; undefined for the first page. */
	token: string | undefined;

	/** Whether the listing has ended. */
	done = false;

	/** `tm_create` (µs) of the last item listed, and the ids listed at exactly that time. */
	private boundary: { micros: number; ids: Set<string> } | undefined;

	/** The time (µs) `token` asks the next page to be strictly older than, when it is one we made. */
	private olderThan: number | undefined;

	constructor(readonly pageSize = MAX_PAGE_SIZE) {}

	/** Takes the server's answer to a request made with `token`; returns the page to hand on. */
	accept(raw: IDataObject[], nextPageToken = ''): RecordingPage {
		const isLast = raw.length < this.pageSize;
		const listed = raw.map(normalizeRecording);
		const { boundary, olderThan } = this;
		const tooNew =
			olderThan === undefined
				? undefined
				: listed.find((r) => (timeOf(r) ?? -Infinity) >= olderThan);
		if (tooNew) {
			return this.stall(
				`Asked for recordings created before ${this.token}, VoIPBIN listed ${tooNew.id} created ${tooNew.tm_create}.`,
			);
		}
		const fresh = listed.filter(
			(r) => !(boundary && boundary.ids.has(r.id) && timeOf(r) === boundary.micros),
		);
		this.done = isLast;
		if (isLast) return { recordings: fresh, isLast };
		if (fresh.length === 0) {
			return this.stall(`The full page after ${this.token} held only recordings already listed.`);
		}
		const undated = timeOf(listed[listed.length - 1]) === null;
		if (undated && nextPageToken && nextPageToken === this.token) {
			return this.stall(`VoIPBIN gave the page token ${nextPageToken} twice in a row.`);
		}
		this.advance(listed, nextPageToken);
		return { recordings: fresh, isLast };
	}

	private stall(how: string): RecordingPage {
		this.done = true;
		return { recordings: [], isLast: true, stalled: how };
	}

	private advance(listed: Recording[], nextPageToken: string): void {
		const firstMicros = timeOf(listed[0]);
		const lastMicros = timeOf(listed[listed.length - 1]);
		if (lastMicros === null) {
			this.token = nextPageToken || undefined;
			this.olderThan = undefined;
			this.boundary = undefined;
			this.done = !this.token;
		} else if (firstMicros === lastMicros) {
			// A full page of one timestamp: a token cannot point inside one microsecond, so no client
			// can see more of it. Step strictly past it.
			this.olderThan = lastMicros;
			this.token = formatVoipbinTime(lastMicros);
			this.boundary = undefined;
		} else {
			const ids = this.boundary?.micros === lastMicros ? this.boundary.ids : new Set<string>();
			for (const r of listed) if (timeOf(r) === lastMicros) ids.add(r.id);
			this.boundary = { micros: lastMicros, ids };
			this.olderThan = lastMicros + 1;
			this.token = formatVoipbinTime(this.olderThan);
		}
	}
}

/** Pages through all recordings, newest first, by the rules of {@link RecordingPager}. */
export async function* listRecordingPages(
	ctx: VoipbinContext,
	options: { pageSize?: number; itemIndex?: number } = {},
): AsyncGenerator<RecordingPage> {
	const pager = new RecordingPager(
		Math.min(Math.max(1, options.pageSize ?? MAX_PAGE_SIZE), MAX_PAGE_SIZE),
	);
	while (!pager.done) {
		const page = await listRecordingsPage(ctx, {
			pageSize: pager.pageSize,
			pageToken: pager.token,
			itemIndex: options.itemIndex,
		});
		const accepted = pager.accept(page.recordings, page.nextPageToken);
		if (accepted.stalled) {
			throw new NodeApiError(
				ctx.getNode(),
				{ message: accepted.stalled },
				{
					message: "VoIPBIN's recording list did not move on to the next page",
					description: `${accepted.stalled} The server seems to ignore page_token, so reading on would list the same recordings forever. Check that the Base URL of the VoIPBIN API credential points at the VoIPBIN API itself (a proxy may drop query parameters).`,
					itemIndex: options.itemIndex,
				},
			);
		}
		yield accepted;
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
