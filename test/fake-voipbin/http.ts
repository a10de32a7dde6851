/** Request bookkeeping and the response shapes both hosts share. */
import type { IncomingMessage, ServerResponse } from 'node:http';

import { newRequestId } from './ids';

export interface RequestLogEntry {
	host: 'api' | 'storage';
	method: string;
	path: string;
	/** Query parameters; `accesskey` and `token` values read `***`. */
	query: Record<string, string>;
	/** Lower-cased; `authorization` and credential cookies redacted. */
	headers: Record<string, string>;
	/** 0 when the fake dropped the connection instead of answering. */
	status: number;
	/** The route pattern, e.g. `GET /v1.0/recordings/{id}`; `-` when none matched. */
	route: string;
	requestId: string;
	/** Fake-clock milliseconds when the request arrived. */
	time: number;
	/** Why the fake refused or broke it, when it did on purpose. */
	note?: string;
}

const SECRET_PARAMS = new Set(['accesskey', 'token']);

const CANONICAL: Record<number, string> = {
	400: 'INVALID_ARGUMENT',
	401: 'UNAUTHENTICATED',
	402: 'PAYMENT_REQUIRED',
	403: 'PERMISSION_DENIED',
	404: 'NOT_FOUND',
	409: 'FAILED_PRECONDITION',
	429: 'RESOURCE_EXHAUSTED',
	500: 'INTERNAL',
	502: 'UNAVAILABLE',
	503: 'UNAVAILABLE',
	504: 'UNAVAILABLE',
};

function redactQuery(params: URLSearchParams): Record<string, string> {
	const query: Record<string, string> = {};
	for (const [key, value] of params)
		query[key] = SECRET_PARAMS.has(key.toLowerCase()) ? '***' : value;
	return query;
}

function redactHeaders(req: IncomingMessage): Record<string, string> {
	const headers: Record<string, string> = {};
	for (const [key, value] of Object.entries(req.headers)) {
		if (value === undefined) continue;
		let text = Array.isArray(value) ? value.join(', ') : value;
		if (key === 'authorization')
			text = text.replace(/^(\S+\s+).*$/, '$1***').replace(/^\S+$/, '***');
		if (key === 'cookie') text = text.replace(/\b(accesskey|token)=[^;]*/gi, '$1=***');
		headers[key] = text;
	}
	return headers;
}

/** One request and its answer: everything written goes through here so the log stays right. */
export class Exchange {
	readonly url: URL;
	readonly requestId = newRequestId();
	readonly entry: RequestLogEntry;

	constructor(
		readonly req: IncomingMessage,
		readonly res: ServerResponse,
		host: 'api' | 'storage',
		now: number,
	) {
		this.url = new URL(req.url ?? '/', 'http://fake.invalid');
		this.entry = {
			host,
			method: req.method ?? 'GET',
			path: this.url.pathname,
			query: redactQuery(this.url.searchParams),
			headers: redactHeaders(req),
			status: 0,
			route: '-',
			requestId: this.requestId,
			time: now,
		};
	}

	head(status: number, headers: Record<string, string | number> = {}): void {
		this.entry.status = status;
		this.res.writeHead(status, headers);
	}

	/** Set by the `truncateApi` fault: the answer stops halfway through its body. */
	cutBodyInHalf = false;

	send(status: number, body: string | Buffer, headers: Record<string, string | number> = {}): void {
		const bytes = Buffer.from(body);
		this.head(status, { 'content-length': bytes.length, ...headers });
		if (!this.cutBodyInHalf) {
			this.res.end(bytes);
			return;
		}
		this.entry.note = 'FAULT_TRUNCATED';
		this.res.write(bytes.subarray(0, bytes.length >> 1), () => this.req.socket.destroy());
	}

	json(status: number, body: unknown, headers: Record<string, string | number> = {}): void {
		const text = JSON.stringify(body);
		this.send(status, text, { 'content-type': 'application/json; charset=utf-8', ...headers });
	}

	/** The VoIPBIN error envelope. */
	error(
		status: number,
		reason: string,
		message: string,
		extra: { headers?: Record<string, string | number>; details?: unknown[] } = {},
	): void {
		const error: Record<string, unknown> = {
			status: CANONICAL[status] ?? 'INTERNAL',
			reason,
			message,
			request_id: this.requestId,
		};
		if (extra.details) error.details = extra.details;
		this.entry.note ??= reason;
		this.json(status, { error }, extra.headers);
	}

	/** Drop the connection without an answer. */
	destroy(note: string): void {
		this.entry.status = 0;
		this.entry.note = note;
		this.req.socket.destroy();
	}
}

/** Reads a request body up to `limit` bytes; larger bodies are an error. */
async function readBody(req: IncomingMessage, limit = 1024 * 1024): Promise<Buffer> {
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of req) {
		size += (chunk as Buffer).length;
		if (size > limit) throw new Error('Request body too large');
		chunks.push(chunk as Buffer);
	}
	return Buffer.concat(chunks);
}

export class BadJson extends Error {}

/** A JSON object body, `{}` when empty. */
export async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
	const body = await readBody(req);
	if (body.length === 0) return {};
	let value: unknown;
	try {
		value = JSON.parse(body.toString('utf8'));
	} catch {
		throw new BadJson('The body is not valid JSON');
	}
	if (typeof value !== 'object' || value === null || Array.isArray(value)) {
		throw new BadJson('The body must be a JSON object');
	}
	return value as Record<string, unknown>;
}

export function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}
