/**
 * The two requests behind a recording's audio: `GET /recordingfiles/{id}` for the signed link
 * (never followed with the credential), and GETs of that link on the storage host, whole or by
 * byte range, with a watch on bodies that stop sending.
 */
import { NodeApiError, NodeOperationError, sleep } from 'n8n-workflow';
import type { IHttpRequestOptions, IN8nHttpFullResponse } from 'n8n-workflow';

import { voipbinApiRequest } from '../transport/request';
import type { VoipbinContext } from '../transport/request';
import { AudioNotReadyError } from './audioModel';

/**
 * `GET /recordingfiles/{id}`: the signed storage URL the API redirects to (not followed here).
 * A 5xx means the storage side is not ready (most likely right after `ended`): AudioNotReadyError,
 * retried within the download's wait. A redirect without a usable `Location` is a clear error at once.
 */
export async function requestRecordingFileUrl(
	ctx: VoipbinContext,
	recordingId: string,
	itemIndex?: number,
): Promise<string> {
	const answer = await voipbinApiRequest<string>(ctx, {
		method: 'GET',
		path: `/recordingfiles/${encodeURIComponent(recordingId)}`,
		returnRedirectLocation: true,
		subject: `Recording ${recordingId}`,
		itemIndex,
		// The server builds the ZIP before it answers; that can take minutes for long recordings.
		timeoutMs: 300_000,
	}).catch((error: unknown) => ({ error }));
	if (typeof answer !== 'string') {
		const { error } = answer;
		const status = Number((error as NodeApiError).httpCode);
		if (error instanceof NodeApiError && status >= 500) {
			throw new AudioNotReadyError(
				`VoIPBIN answered ${status} when asked for the recording file (${error.message})`,
			);
		}
		if (error instanceof NodeApiError && status >= 300 && status < 400) {
			throw badLocation(
				ctx,
				recordingId,
				itemIndex,
				`answered ${status} without a Location header`,
			);
		}
		throw error;
	}
	const location = answer;
	let url: URL | undefined;
	try {
		url = new URL(location);
	} catch {
		url = undefined;
	}
	if (!url) {
		throw badLocation(ctx, recordingId, itemIndex, 'redirected to a relative or malformed address');
	}
	if (url.protocol !== 'https:' && url.protocol !== 'http:') {
		throw badLocation(ctx, recordingId, itemIndex, `redirected to a ${url.protocol} address`);
	}
	return location;
}

function badLocation(
	ctx: VoipbinContext,
	recordingId: string,
	itemIndex: number | undefined,
	what: string,
): NodeOperationError {
	return new NodeOperationError(
		ctx.getNode(),
		`VoIPBIN ${what} for the file of recording ${recordingId}`,
		{
			itemIndex,
			description:
				'The file link must be an absolute http(s) URL. This is a server fault, not a wait for the audio: check the Base URL in the VoIPBIN API credential (a proxy in front of VoIPBIN may rewrite redirects), or contact VoIPBIN support.',
		},
	);
}

/** A response body as n8n's HTTP helper gives it: a Node readable stream. */
export type BodyStream = AsyncIterable<Uint8Array> & { destroy?: (error?: Error) => void };

/** `bytes=start-end` (inclusive), or the last `suffix` bytes. */
export type ByteRange = { start: number; end: number } | { suffix: number };

export type RangeResponse =
	/** 206: the bytes [start, end] of an object of `size` bytes. */
	| { kind: 'part'; body: BodyStream; start: number; end: number; size: number }
	/** 200: the storage ignored `Range` and sends the whole object. */
	| { kind: 'whole'; body: BodyStream }
	/** 416 to a suffix range: the object is empty. */
	| { kind: 'empty' };

export interface StorageOptions {
	/** A body that sends nothing for this long is aborted (and the attempt fails). */
	stallTimeoutMs: number;
	/** The execution's cancel signal: aborts requests and bodies. */
	signal?: AbortSignal;
}

/** Deliberately credential-free: a plain `httpRequest` in functions that never read the credential. */
async function storageGet(
	ctx: VoipbinContext,
	url: string,
	options: StorageOptions,
	range?: ByteRange,
): Promise<{ status: number; headers: Record<string, unknown>; body: BodyStream }> {
	const request: IHttpRequestOptions = {
		method: 'GET',
		url,
		encoding: 'stream',
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		timeout: 300_000,
		// Cancelling the execution aborts the request, and the body stream with it.
		abortSignal: options.signal,
	};
	if (range) {
		request.headers = {
			range: 'suffix' in range ? `bytes=-${range.suffix}` : `bytes=${range.start}-${range.end}`,
		};
	}
	const response = (await ctx.helpers.httpRequest(request)) as IN8nHttpFullResponse;
	const body = response.body as unknown as BodyStream;
	const status = response.statusCode;
	if (status !== 200 && status !== 206 && !(status === 416 && range && 'suffix' in range)) {
		body.destroy?.();
		// Name the host only: the query string is a 24-hour key to the audio.
		throw new Error(
			`the storage host ${new URL(url).host} answered ${status}${status === 400 || status === 403 ? ' (the download link may have expired)' : ''}`,
		);
	}
	return { status, headers: response.headers ?? {}, body };
}

/** Opens the signed storage URL as one stream: the whole ZIP. */
export async function openStorageStream(
	ctx: VoipbinContext,
	url: string,
	options: StorageOptions,
): Promise<BodyStream> {
	const { headers, body } = await storageGet(ctx, url, options);
	return watchedBody(body, url, options, numberHeader(headers, 'content-length'));
}

/** Opens part of the ZIP; the answer says whether the storage honoured the range. */
export async function openStorageRange(
	ctx: VoipbinContext,
	url: string,
	range: ByteRange,
	options: StorageOptions,
): Promise<RangeResponse> {
	const { status, headers, body } = await storageGet(ctx, url, options, range);
	if (status === 416) {
		body.destroy?.();
		return { kind: 'empty' };
	}
	if (status === 200) {
		return {
			kind: 'whole',
			body: watchedBody(body, url, options, numberHeader(headers, 'content-length')),
		};
	}
	const match = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(String(headers['content-range'] ?? ''));
	const asked = 'suffix' in range ? undefined : range;
	if (!match || (asked && (Number(match[1]) !== asked.start || Number(match[2]) !== asked.end))) {
		body.destroy?.();
		throw new Error(
			`the storage host ${new URL(url).host} answered a range request with a wrong Content-Range`,
		);
	}
	const [start, end, size] = match.slice(1).map(Number);
	return {
		kind: 'part',
		body: watchedBody(body, url, options, end - start + 1),
		start,
		end,
		size,
	};
}

function numberHeader(headers: Record<string, unknown>, name: string): number | undefined {
	const value = Number(headers[name]);
	return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}

/** How often a body's watch looks whether it is still receiving (bounds its leftover timer). */
const WATCH_STEP_MS = 1_000;

/**
 * The body, aborted when it sends nothing for `stallTimeoutMs` while it is being read (time spent
 * by a slow consumer does not count), when the execution is cancelled, or by `destroy`; and, when
 * its length is known, checked to deliver exactly that many bytes.
 */
function watchedBody(
	body: BodyStream,
	url: string,
	options: StorageOptions,
	expectedBytes: number | undefined,
): BodyStream {
	const host = new URL(url).host;
	let failure: Error | undefined;
	// A pending read does not always end when the body is destroyed, so each read is raced against
	// a promise of its own that a failure rejects. (One promise for all reads would keep every
	// chunk alive through the reactions piling up on it.)
	let interrupt: ((error: Error) => void) | undefined;
	const fail = (error: Error) => {
		failure ??= error;
		interrupt?.(failure);
		body.destroy?.(error);
	};
	async function* chunks(): AsyncGenerator<Uint8Array> {
		const iterator = body[Symbol.asyncIterator]();
		const done = new AbortController();
		let waitingSince: number | undefined;
		const onCancel = () => fail(new Error('the download was cancelled'));
		if (options.signal?.aborted) onCancel();
		options.signal?.addEventListener('abort', onCancel, { once: true });
		const watch = (async () => {
			while (!done.signal.aborted) {
				await sleep(Math.min(WATCH_STEP_MS, options.stallTimeoutMs), done.signal);
				if (waitingSince !== undefined && Date.now() - waitingSince >= options.stallTimeoutMs) {
					const seconds = Math.round(options.stallTimeoutMs / 1000);
					return fail(new Error(`the storage host ${host} sent no data for ${seconds} s`));
				}
			}
		})().catch(() => undefined);
		let received = 0;
		try {
			for (;;) {
				if (failure) throw failure;
				waitingSince = Date.now();
				let next: IteratorResult<Uint8Array>;
				const interrupted = new Promise<never>((_, reject) => (interrupt = reject));
				try {
					next = await Promise.race([iterator.next(), interrupted]);
				} catch (error) {
					throw failure ?? error;
				} finally {
					interrupt = undefined;
				}
				waitingSince = undefined;
				if (failure) throw failure;
				if (next.done) break;
				received += next.value.length;
				yield next.value;
			}
			if (expectedBytes !== undefined && received !== expectedBytes) {
				throw new Error(
					`the storage host ${host} closed the connection after ${received} of ${expectedBytes} bytes`,
				);
			}
		} finally {
			done.abort();
			options.signal?.removeEventListener('abort', onCancel);
			if (received !== expectedBytes) body.destroy?.();
			if (!failure) await iterator.return?.();
			await watch;
		}
	}
	return Object.assign(chunks(), {
		destroy: (error?: Error) => fail(error ?? new Error('the download was stopped')),
	});
}
