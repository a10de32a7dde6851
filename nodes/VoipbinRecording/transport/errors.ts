import { NodeApiError } from 'n8n-workflow';
import type { Failure, INode, JsonObject } from 'n8n-workflow';

/** What a failed VoIPBIN request told us, with nothing in it that could carry a credential. */
export interface VoipbinFailure {
	/** HTTP status, or undefined when no response came (connection refused, reset, timeout). */
	httpCode?: number;
	/** The envelope's canonical status string, e.g. `NOT_FOUND`. */
	status?: string;
	/** The envelope's reason, e.g. `RECORDING_NOT_FOUND`. */
	reason?: string;
	/** The envelope's human message. */
	serverMessage?: string;
	/** `X-Request-Id` (or the envelope's `request_id`), for support tickets. */
	requestId?: string;
	/** `Retry-After` in milliseconds, on 429. */
	retryAfterMs?: number;
	/** Socket-level code such as `ECONNRESET` or `ETIMEDOUT` when no response came. */
	networkCode?: string;
	/** The response began, but the connection closed before its body ended. */
	cutOff?: boolean;
	/** For a redirect: the origin its `Location` points at (never the path or query). */
	redirectTo?: string;
	/** What went wrong before any request was sent (e.g. the credential's login), if that is all we know. */
	clientMessage?: string;
}

interface HttpErrorLike {
	httpCode?: string | null;
	code?: string;
	message?: string;
	response?: { status?: number; headers?: Record<string, unknown>; data?: unknown; body?: unknown };
	cause?: HttpErrorLike;
}

const NETWORK_CODES = [
	'ECONNRESET',
	'ECONNREFUSED',
	'ECONNABORTED',
	'ETIMEDOUT',
	'ESOCKETTIMEDOUT',
	'ENOTFOUND',
	'EAI_AGAIN',
	'EPIPE',
	'EHOSTUNREACH',
	'ENETUNREACH',
	'UND_ERR_SOCKET',
];

/**
 * Reads a failure out of whatever n8n's HTTP helpers threw: a `NodeApiError` around an HTTP error
 * (response in `cause`), the raw HTTP error, or a socket error. Only the fields listed in
 * {@link VoipbinFailure} are copied, so request URLs and options (which hold the access key) stay behind.
 */
export function readFailure(error: unknown): VoipbinFailure {
	const chain: HttpErrorLike[] = [];
	for (let e = error as HttpErrorLike | undefined; e && chain.length < 5; e = e.cause)
		chain.push(e);
	const withResponse = chain.find((e) => e.response && typeof e.response.status === 'number');
	const failure: VoipbinFailure = {};
	if (withResponse?.response && isCutOff(withResponse.response.status as number, chain)) {
		// Whatever its status said, an answer that never finished is a connection failure.
		failure.cutOff = true;
	} else if (withResponse?.response) {
		const { status, headers = {}, data, body } = withResponse.response;
		failure.httpCode = status;
		const envelope = parseEnvelope(data ?? body);
		Object.assign(failure, envelope);
		const requestId = headerValue(headers, 'x-request-id');
		if (requestId) failure.requestId = requestId;
		const retryAfter = parseRetryAfter(headerValue(headers, 'retry-after'));
		if (retryAfter !== undefined) failure.retryAfterMs = retryAfter;
		const redirectTo = originOf(headerValue(headers, 'location'));
		if (redirectTo && status !== undefined && status >= 300 && status < 400) {
			failure.redirectTo = redirectTo;
		}
	} else {
		const httpCode = Number(chain.find((e) => e.httpCode)?.httpCode);
		if (httpCode) failure.httpCode = httpCode;
		const code = chain.map((e) => e.code).find((c) => c && NETWORK_CODES.includes(c));
		if (code) failure.networkCode = code;
		else if (chain.some((e) => /timeout/i.test(e.message ?? ''))) failure.networkCode = 'ETIMEDOUT';
		else if (!httpCode && chain[0]?.message) failure.clientMessage = chain[0].message;
	}
	return failure;
}

/**
 * Whether the helper threw while reading a response's body: it never rejects a finished 2xx
 * answer, and a socket error or "aborted" stream alongside a response means the body stopped.
 */
function isCutOff(status: number, chain: HttpErrorLike[]): boolean {
	if (status >= 200 && status < 300) return true;
	return chain.some(
		(e) =>
			(e.code !== undefined && NETWORK_CODES.includes(e.code)) ||
			/stream has been aborted/i.test(e.message ?? ''),
	);
}

function parseEnvelope(data: unknown): Partial<VoipbinFailure> {
	let value = data;
	if (typeof value === 'string' || value instanceof Uint8Array) {
		try {
			value = JSON.parse(value.toString());
		} catch {
			return {};
		}
	}
	const error = (value as { error?: Record<string, unknown> } | undefined)?.error;
	if (!error || typeof error !== 'object') return {};
	const text = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
	return {
		// The live server sends a canonical string; accept a number too.
		status:
			text(error.status) ?? (typeof error.status === 'number' ? String(error.status) : undefined),
		reason: text(error.reason),
		serverMessage: text(error.message),
		requestId: text(error.request_id),
	};
}

function headerValue(headers: Record<string, unknown>, name: string): string | undefined {
	const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
	const value = key === undefined ? undefined : headers[key];
	return Array.isArray(value) ? String(value[0]) : value === undefined ? undefined : String(value);
}

function originOf(location: string | undefined): string | undefined {
	if (!location) return undefined;
	try {
		const { origin } = new URL(location);
		return origin === 'null' ? undefined : origin;
	} catch {
		return undefined;
	}
}

/** `Retry-After` is seconds or an HTTP date. */
export function parseRetryAfter(value: string | undefined, nowMs = Date.now()): number | undefined {
	if (!value) return undefined;
	const seconds = Number(value);
	if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
	const date = Date.parse(value);
	return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

const SECRET_PATTERNS: RegExp[] = [
	/((?:accesskey|access_key|token|signature)=)[^&\s"'<>]+/gi,
	/(bearer\s+)[A-Za-z0-9\-._~+/]+=*/gi,
];

/** Removes access keys and tokens from text that may echo a request (URLs, headers, messages). */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
	let out = text;
	for (const secret of secrets) if (secret) out = out.split(secret).join('***');
	for (const pattern of SECRET_PATTERNS) out = out.replace(pattern, '$1***');
	return out;
}

/** What the user is doing, so the message can name the thing that was not found or refused. */
export interface FailureContext {
	/** e.g. `Recording e5f6…` or `Call 1234…`. */
	subject?: string;
	itemIndex?: number;
	/** Credential values to scrub from any text that is echoed. */
	secrets?: readonly string[];
	/**
	 * What a 500 most likely means for this request. VoIPBIN reports a refused state change (a
	 * second recording_start, a recording_stop with nothing running) as a plain 500.
	 */
	serverErrorMeaning?: ServerErrorMeaning;
}

/** The user's words for a 500 whose likely cause the caller knows. */
export interface ServerErrorMeaning {
	message: string;
	hint: string;
}

/** Turns a failure into the one error every operation shows: a message in the user's terms. */
export function voipbinApiError(
	node: INode,
	failure: VoipbinFailure,
	context: FailureContext = {},
): NodeApiError {
	const { message, hint, cause }: Described =
		failure.httpCode === 500 && context.serverErrorMeaning
			? context.serverErrorMeaning
			: describeFailure(failure, context.subject ?? 'The resource');
	const serverSays = failure.serverMessage
		? `VoIPBIN says: ${failure.reason ? `${failure.reason}: ` : ''}${failure.serverMessage}`
		: failure.reason
			? `VoIPBIN reason: ${failure.reason}`
			: undefined;
	const requestId = failure.requestId ? `Request ID: ${failure.requestId}` : undefined;
	const description = redactSecrets(
		[hint, serverSays, requestId].filter(Boolean).join('\n'),
		context.secrets,
	);
	const body: JsonObject = {
		httpCode: failure.httpCode ?? null,
		status: failure.status ?? null,
		reason: failure.reason ?? null,
		message: redactSecrets(failure.serverMessage ?? message, context.secrets),
		request_id: failure.requestId ?? null,
	};
	return new NodeApiError(node, body, {
		message: redactSecrets(message, context.secrets),
		description,
		httpCode: failure.httpCode ? String(failure.httpCode) : undefined,
		itemIndex: context.itemIndex,
		failure: cause,
	});
}

/** The user's words for a failure, and n8n's failure cause for it. */
interface Described {
	message: string;
	hint: string;
	cause?: Failure;
}

function describeFailure(failure: VoipbinFailure, subject: string): Described {
	const { httpCode, reason } = failure;
	if (httpCode === undefined && failure.clientMessage) {
		return {
			message: failure.clientMessage,
			hint: 'Check the VoIPBIN API credential.',
			cause: /login/i.test(failure.clientMessage) ? { cause: 'credential-invalid' } : undefined,
		};
	}
	if (failure.cutOff) {
		return {
			message: 'Connection closed mid-response from VoIPBIN',
			hint: 'VoIPBIN began to answer, but the connection closed before the whole response arrived (a network, proxy or load-balancer fault). The node retried reads; try again later.',
			cause: { cause: 'temporarily-unavailable' },
		};
	}
	if (httpCode === undefined) {
		// The code goes in the hint: n8n replaces a message that contains one with generic text.
		return {
			message: 'Could not reach the VoIPBIN API',
			hint: `${failure.networkCode ? `Connection error ${failure.networkCode}. ` : ''}Check the Base URL in the VoIPBIN API credential and that the server is reachable from n8n.`,
			cause: { cause: 'temporarily-unavailable' },
		};
	}
	if (httpCode >= 300 && httpCode < 400) {
		return {
			message: `VoIPBIN redirected the request to ${failure.redirectTo ?? 'another address'}`,
			hint: 'The node does not follow redirects of API requests, so the credential is never sent to another address. If the server has moved (for example from http:// to https://), put its new address in the Base URL of the VoIPBIN API credential.',
			cause: { cause: 'configuration-invalid' },
		};
	}
	if (httpCode === 400) {
		if (reason === 'INVALID_ID') {
			return {
				message: `${subject}: the ID is not a valid VoIPBIN ID`,
				hint: 'IDs are UUIDs such as e5f6a7b8-c9d0-1234-5678-90abcdef0123; take them from a recording, call or conference.',
			};
		}
		return {
			message: `VoIPBIN rejected the request as invalid`,
			hint: 'Check the values of the node parameters.',
		};
	}
	if (httpCode === 401) {
		return {
			message: 'VoIPBIN rejected the credentials',
			hint: 'The access key (or username and password) in the VoIPBIN API credential is wrong or expired.',
			cause: { cause: 'credential-invalid' },
		};
	}
	if (httpCode === 403) {
		return {
			message: `Permission denied for ${lowerFirst(subject)}`,
			hint: 'The user behind the credential needs the CustomerAdmin or CustomerManager permission, and the resource must belong to the same customer.',
			cause: { cause: 'credential-invalid' },
		};
	}
	if (httpCode === 404) {
		const deleted = reason === 'RESOURCE_NOT_FOUND';
		return {
			message: `${subject} was not found${deleted ? ' (it may have been deleted)' : ''}`,
			hint: 'Check the ID, and that it belongs to the account of the VoIPBIN API credential.',
			cause: { cause: 'configuration-invalid' },
		};
	}
	if (httpCode === 429) {
		return {
			message: 'VoIPBIN rate limit reached',
			hint: 'VoIPBIN allows about 16 requests per second per customer. The node waited and retried; lower the item count or the poll frequency.',
			cause: { cause: 'rate-limited', retryAfterMs: failure.retryAfterMs },
		};
	}
	if (httpCode >= 500) {
		return {
			message: `VoIPBIN server error (${httpCode})`,
			hint: 'The server failed or is unavailable; the node retried reads. Try again later.',
			cause: { cause: 'temporarily-unavailable' },
		};
	}
	return { message: `VoIPBIN request failed (${httpCode})`, hint: 'See the details below.' };
}

function lowerFirst(text: string): string {
	return text.charAt(0).toLowerCase() + text.slice(1);
}
