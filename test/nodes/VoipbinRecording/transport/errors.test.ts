import type { INode } from 'n8n-workflow';

import {
	parseRetryAfter,
	readFailure,
	redactSecrets,
	voipbinApiError,
} from '../../../../nodes/VoipbinRecording/transport/errors';
import { retryDelayMs } from '../../../../nodes/VoipbinRecording/transport/request';

const node: INode = {
	id: '1',
	name: 'VoIPBIN Recording',
	type: 'n8n-nodes-voipbin.voipbinRecording',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};

/** What n8n's helpers throw for an HTTP error: a wrapper whose cause holds the response. */
function httpError(status: number, data: unknown, headers: Record<string, string> = {}) {
	return {
		message: `Request failed with status code ${status}`,
		httpCode: String(status),
		cause: {
			message: `Request failed with status code ${status}`,
			config: { url: 'https://api.voipbin.net/v1.0/recordings?accesskey=SECRET-KEY-123' },
			response: { status, headers, data },
		},
	};
}

describe('readFailure', () => {
	it('reads the error envelope, the request id and Retry-After', () => {
		const failure = readFailure(
			httpError(
				429,
				{
					error: {
						status: 'RESOURCE_EXHAUSTED',
						reason: 'RATE_LIMIT_EXCEEDED',
						message: 'slow down',
						request_id: 'req_A',
					},
				},
				{ 'X-Request-Id': 'req_HEADER', 'retry-after': '3' },
			),
		);
		expect(failure).toEqual({
			httpCode: 429,
			status: 'RESOURCE_EXHAUSTED',
			reason: 'RATE_LIMIT_EXCEEDED',
			serverMessage: 'slow down',
			requestId: 'req_HEADER',
			retryAfterMs: 3000,
		});
	});

	it('accepts a numeric status and a JSON string body', () => {
		const failure = readFailure(
			httpError(404, JSON.stringify({ error: { status: 404, reason: 'RECORDING_NOT_FOUND' } })),
		);
		expect(failure).toMatchObject({ httpCode: 404, status: '404', reason: 'RECORDING_NOT_FOUND' });
	});

	it('reads a bare 400 without a body', () => {
		expect(readFailure(httpError(400, ''))).toEqual({ httpCode: 400 });
	});

	it('reads a response cut off mid-body as a connection failure, not as its status', () => {
		// What axios throws when the socket closes during a 200's body, as n8n wraps it.
		const cut = {
			message: 'stream has been aborted',
			httpCode: '200',
			cause: {
				message: 'stream has been aborted',
				code: 'ERR_BAD_RESPONSE',
				response: { status: 200, headers: {} },
			},
		};
		expect(readFailure(cut)).toEqual({ cutOff: true });
		const socket = {
			code: 'ECONNRESET',
			message: 'aborted',
			response: { status: 503, headers: {} },
		};
		expect(readFailure(socket)).toEqual({ cutOff: true });
		// A finished error answer is still read as that answer.
		expect(readFailure(httpError(503, {})).cutOff).toBeUndefined();
	});

	it('reads socket errors', () => {
		expect(readFailure({ message: 'socket hang up', code: 'ECONNRESET' })).toEqual({
			networkCode: 'ECONNRESET',
		});
		expect(readFailure({ message: 'x', cause: { message: 'timeout of 100ms exceeded' } })).toEqual({
			networkCode: 'ETIMEDOUT',
		});
	});
});

describe('parseRetryAfter', () => {
	it('reads seconds and HTTP dates', () => {
		expect(parseRetryAfter('2')).toBe(2000);
		expect(parseRetryAfter('Wed, 25 Nov 2026 12:00:10 GMT', Date.UTC(2026, 10, 25, 12, 0, 0))).toBe(
			10_000,
		);
		expect(parseRetryAfter('soon')).toBeUndefined();
		expect(parseRetryAfter(undefined)).toBeUndefined();
	});
});

describe('redactSecrets', () => {
	it('removes keys, tokens and bearer values', () => {
		const text =
			'GET https://x/v1.0/recordings?page_size=1&accesskey=abc123&token=eyJhbGciOi.x.y Authorization: Bearer eyJ.abc.def';
		const out = redactSecrets(text, ['abc123']);
		expect(out).not.toMatch(/abc123|eyJ/);
		expect(out).toContain('accesskey=***');
		expect(out).toContain('Bearer ***');
	});
});

describe('voipbinApiError', () => {
	const secrets = ['SECRET-KEY-123'];
	const cases: Array<[string, unknown, RegExp, string | undefined]> = [
		[
			'400 INVALID_ID',
			httpError(400, { error: { reason: 'INVALID_ID', message: 'bad id' } }),
			/not a valid VoIPBIN ID/,
			undefined,
		],
		[
			'401',
			httpError(401, {
				error: { reason: 'INVALID_CREDENTIALS', message: 'invalid accesskey=SECRET-KEY-123' },
			}),
			/rejected the credentials/,
			'credential-invalid',
		],
		[
			'403',
			httpError(403, { error: { reason: 'PERMISSION_DENIED' } }),
			/Permission denied/,
			'credential-invalid',
		],
		[
			'404',
			httpError(404, { error: { reason: 'RECORDING_NOT_FOUND' } }),
			/was not found$/,
			'configuration-invalid',
		],
		[
			'404 deleted',
			httpError(404, { error: { reason: 'RESOURCE_NOT_FOUND' } }),
			/may have been deleted/,
			'configuration-invalid',
		],
		['429', httpError(429, {}, { 'retry-after': '1' }), /rate limit/, 'rate-limited'],
		[
			'cut off',
			{ message: 'aborted', code: 'ECONNRESET', response: { status: 200, headers: {} } },
			/^Connection closed mid-response from VoIPBIN$/,
			'temporarily-unavailable',
		],
		['503', httpError(503, {}), /server error \(503\)/, 'temporarily-unavailable'],
		[
			'network',
			{ message: 'connect ECONNREFUSED', code: 'ECONNREFUSED' },
			/Could not reach/,
			'temporarily-unavailable',
		],
	];

	it.each(cases)(
		'%s: clear message, failure cause, no secret anywhere',
		(_, raw, message, cause) => {
			const error = voipbinApiError(node, readFailure(raw), {
				subject: 'Recording r1',
				secrets,
				itemIndex: 2,
			});
			expect(error.message).toMatch(message);
			expect(error.failure?.cause).toBe(cause);
			const everything = JSON.stringify({
				...error,
				message: error.message,
				description: error.description,
				stack: error.stack,
				cause: error.cause,
			});
			expect(everything).not.toContain('SECRET-KEY-123');
			expect(everything).not.toMatch(/accesskey=[^*]/);
		},
	);

	it('names the likely cause of a 500 when the caller knows it, and only of a 500', () => {
		const serverErrorMeaning = {
			message: 'Call c1 could not start recording',
			hint: 'Stop it first.',
		};
		const known = voipbinApiError(
			node,
			readFailure(httpError(500, { error: { status: 'INTERNAL' } })),
			{
				serverErrorMeaning,
			},
		);
		expect(known.message).toBe('Call c1 could not start recording');
		expect(known.description).toContain('Stop it first.');
		const other = voipbinApiError(node, readFailure(httpError(503, {})), { serverErrorMeaning });
		expect(other.message).toMatch(/server error \(503\)/);
	});

	it("shows the server's reason, message and request id", () => {
		const error = voipbinApiError(
			node,
			readFailure(
				httpError(
					404,
					{
						error: {
							status: 'NOT_FOUND',
							reason: 'RECORDING_NOT_FOUND',
							message: 'no such recording',
							request_id: 'req_X',
						},
					},
					{ 'x-request-id': 'req_X' },
				),
			),
			{ subject: 'Recording r1' },
		);
		expect(error.message).toBe('Recording r1 was not found');
		expect(error.description).toContain('RECORDING_NOT_FOUND: no such recording');
		expect(error.description).toContain('Request ID: req_X');
		expect(error.httpCode).toBe('404');
	});
});

describe('retryDelayMs', () => {
	it('retries 429 for any method, after Retry-After', () => {
		expect(retryDelayMs({ httpCode: 429, retryAfterMs: 2500 }, 'POST', 1)).toBe(2500);
		expect(retryDelayMs({ httpCode: 429 }, 'DELETE', 1)).toBe(1000);
	});

	it('retries 502/503/504 and socket errors for GET only, with growing backoff', () => {
		expect(retryDelayMs({ httpCode: 503 }, 'GET', 1)).toBe(500);
		expect(retryDelayMs({ httpCode: 502 }, 'GET', 3)).toBe(2000);
		expect(retryDelayMs({ networkCode: 'ECONNRESET' }, 'GET', 10)).toBe(8000);
		expect(retryDelayMs({ httpCode: 503 }, 'POST', 1)).toBeUndefined();
		expect(retryDelayMs({ networkCode: 'ECONNRESET' }, 'DELETE', 1)).toBeUndefined();
		expect(retryDelayMs({ cutOff: true }, 'GET', 2)).toBe(1000);
		expect(retryDelayMs({ cutOff: true }, 'POST', 1)).toBeUndefined();
	});

	it('does not retry what waiting cannot fix', () => {
		for (const httpCode of [400, 401, 403, 404, 409, 500]) {
			expect(retryDelayMs({ httpCode }, 'GET', 1)).toBeUndefined();
		}
		expect(retryDelayMs({ networkCode: 'ENOTFOUND' }, 'GET', 1)).toBeUndefined();
		expect(retryDelayMs({ networkCode: 'ECONNREFUSED' }, 'GET', 1)).toBeUndefined();
	});
});
