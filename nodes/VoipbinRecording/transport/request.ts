import type {
	IDataObject,
	IExecuteFunctions,
	IHttpRequestMethods,
	IHttpRequestOptions,
	IN8nHttpFullResponse,
	IPollFunctions,
} from 'n8n-workflow';

import { voipbinServerRoot } from '../../../credentials/voipbinServerRoot';
import { cancelSignalOf, cancelledError, pause, throwIfCancelled } from './cancel';
import { readFailure, voipbinApiError } from './errors';
import type { ServerErrorMeaning, VoipbinFailure } from './errors';

/** The n8n contexts this package talks to VoIPBIN from. */
export type VoipbinContext = IExecuteFunctions | IPollFunctions;

export const CREDENTIAL_TYPE = 'voipbinApi';

export interface VoipbinRequest {
	method: IHttpRequestMethods;
	/** Path under `/v1.0`, e.g. `/recordings/<id>`. */
	path: string;
	qs?: IDataObject;
	body?: IDataObject;
	/** Names the thing the request is about in error messages, e.g. `Recording 1234…`. */
	subject?: string;
	itemIndex?: number;
	/**
	 * Answer a 3xx with its `Location` instead of following it: a redirect to another host must not
	 * carry the credential (used for `/recordingfiles`).
	 */
	returnRedirectLocation?: boolean;
	/** Milliseconds to wait for the response (default 60 s). */
	timeoutMs?: number;
	/** What a 500 most likely means for this request (see {@link ServerErrorMeaning}). */
	serverErrorMeaning?: ServerErrorMeaning;
}

/** Retry policy. Bounded in count and in total waiting, so a node never hangs on a sick server. */
export const RETRY = {
	maxAttempts: 6,
	/** First backoff for 5xx and socket errors; doubles each time. */
	baseDelayMs: 500,
	maxDelayMs: 8_000,
	/** Used when a 429 comes without `Retry-After`. */
	defaultRetryAfterMs: 1_000,
	/** All the waiting one request may do before its error is shown. */
	maxTotalWaitMs: 60_000,
};

const RETRYABLE_STATUS_FOR_READS = [502, 503, 504];
/** Socket errors that mean a wrong base URL rather than a passing fault: not worth waiting for. */
const CONFIGURATION_ERRORS = ['ENOTFOUND', 'ECONNREFUSED'];

/** Whether a failed attempt may be sent again, and after how long. */
export function retryDelayMs(
	failure: VoipbinFailure,
	method: IHttpRequestMethods,
	attempt: number,
): number | undefined {
	// 429 means the request was not processed, so any method may be sent again.
	if (failure.httpCode === 429) return failure.retryAfterMs ?? RETRY.defaultRetryAfterMs;
	// Anything else may have reached the server: only reads are safe to repeat.
	if (method !== 'GET') return undefined;
	const transient =
		failure.cutOff === true ||
		(failure.httpCode === undefined
			? failure.networkCode !== undefined && !CONFIGURATION_ERRORS.includes(failure.networkCode)
			: RETRYABLE_STATUS_FOR_READS.includes(failure.httpCode));
	if (!transient) return undefined;
	return Math.min(RETRY.maxDelayMs, RETRY.baseDelayMs * 2 ** (attempt - 1));
}

interface ApiTarget {
	root: string;
	secrets: string[];
}

/** Reads the credential for the base URL and for the values that must never be echoed. */
async function apiTarget(ctx: VoipbinContext): Promise<ApiTarget> {
	const credentials = await ctx.getCredentials(CREDENTIAL_TYPE);
	const secrets = [credentials.accessKey, credentials.token, credentials.password].filter(
		(value): value is string => typeof value === 'string' && value.length >= 4,
	);
	return {
		root: voipbinServerRoot(credentials.baseUrl, credentials.allowUnencryptedHttp),
		secrets,
	};
}

/**
 * One authenticated request to the VoIPBIN REST API: JSON in and out, retries as {@link RETRY}
 * says, and every failure turned into a `NodeApiError` that names the problem and never
 * contains the access key or token.
 */
export async function voipbinApiRequest<T = IDataObject>(
	ctx: VoipbinContext,
	request: VoipbinRequest,
): Promise<T> {
	const { root, secrets } = await apiTarget(ctx);
	const abortSignal = cancelSignalOf(ctx);
	const options: IHttpRequestOptions = {
		method: request.method,
		url: `${root}/v1.0${request.path}`,
		qs: request.qs,
		body: request.body,
		json: true,
		timeout: request.timeoutMs ?? 60_000,
		// The access key rides in the query string and n8n would repeat it on a redirect to any
		// origin: redirects are never followed with the credential, only answered (see below).
		disableFollowRedirect: true,
		sendCredentialsOnCrossOriginRedirect: false,
		// Cancelling the execution aborts the request in flight.
		abortSignal,
	};
	if (request.returnRedirectLocation) {
		Object.assign(options, { ignoreHttpStatusErrors: true, returnFullResponse: true });
	}
	let waitedMs = 0;
	for (let attempt = 1; ; attempt++) {
		throwIfCancelled(ctx, request.itemIndex);
		let failure: VoipbinFailure;
		try {
			const response = await ctx.helpers.httpRequestWithAuthentication.call(ctx, CREDENTIAL_TYPE, {
				...options,
			});
			if (!request.returnRedirectLocation) return response as T;
			const full = response as IN8nHttpFullResponse;
			const location = full.headers?.location;
			if (full.statusCode >= 300 && full.statusCode < 400 && typeof location === 'string') {
				return location as T;
			}
			failure = readFailure({
				response: { status: full.statusCode, headers: full.headers, data: full.body },
			});
			if (full.statusCode < 300) failure.serverMessage ??= 'Expected a redirect to the file';
		} catch (error) {
			if (abortSignal?.aborted) throw cancelledError(ctx, request.itemIndex);
			failure = readFailure(error);
		}
		const delay =
			attempt < RETRY.maxAttempts ? retryDelayMs(failure, request.method, attempt) : undefined;
		if (delay === undefined || waitedMs + delay > RETRY.maxTotalWaitMs) {
			throw voipbinApiError(ctx.getNode(), failure, {
				subject: request.subject,
				itemIndex: request.itemIndex,
				secrets,
				serverErrorMeaning: request.serverErrorMeaning,
			});
		}
		ctx.logger.debug(
			`VoIPBIN ${request.method} ${request.path} failed (${failure.cutOff ? 'cut off' : (failure.httpCode ?? failure.networkCode)}); retrying in ${delay} ms`,
		);
		await pause(ctx, delay, request.itemIndex);
		waitedMs += delay;
	}
}
