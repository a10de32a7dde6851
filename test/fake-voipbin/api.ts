/**
 * The VoIPBIN API host: `/auth/login`, `/v1.0/...`, the demo's speech-to-text stub and the
 * scripted OpenAI-compatible chat model (`/stub/openai/...`, see openai.ts).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

import { formatVoipbinTime, parseVoipbinTime } from '../../nodes/VoipbinRecording/model/time';

import type { FakeClock } from './clock';
import type { Faults } from './faults';
import { BadJson, Exchange, readJsonObject, sleep } from './http';
import { isUuid, NIL_UUID, randomToken } from './ids';
import type { OpenAiStub } from './openai';
import type { Account, Call, Conference, Recording, World } from './world';
import type { Storage } from './storage';
import { normalizeLanguage, type Transcribe, type Transcriptions } from './transcribes';

const TOKEN_LIFETIME_SECONDS = 7 * 24 * 3600;
const PAGE_SIZE_MAX = 100;
/** Per-customer quota of the real server: about 16.7 requests a second, bursts of 33. */
const RATE_PER_SECOND = 16.7;
const RATE_BURST = 33;

type Handler = (ex: Exchange, params: string[], account: Account) => Promise<void> | void;

/** How long a transcription takes and how long api-manager waits for it (real milliseconds). */
export interface TranscribeTiming {
	/** The speech-to-text of a recording with audio (the `transcribeDelayMs` fault overrides it). */
	transcribeMs: number;
	/** api-manager's RPC wait: the real one is 60 000, then 503 REQUEST_TIMEOUT while work goes on. */
	transcribeTimeoutMs: number;
}

interface Route {
	method: string;
	pattern: RegExp;
	name: string;
	handler: Handler;
}

class HttpError extends Error {
	constructor(
		readonly status: number,
		readonly reason: string,
		message: string,
	) {
		super(message);
	}
}

function base64url(value: unknown): string {
	return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export class Api {
	private readonly tokenSecret = randomToken(32);
	private readonly buckets = new Map<string, { tokens: number; at: number }>();
	private readonly routes: Route[] = [];

	constructor(
		private readonly world: World,
		private readonly clock: FakeClock,
		private readonly faults: Faults,
		private readonly storage: Storage,
		private readonly transcriptions: Transcriptions,
		private readonly timing: TranscribeTiming,
		private readonly openAi: OpenAiStub,
	) {
		const id = '([^/]+)';
		this.route('GET', '/v1.0/recordings', (ex, _p, account) => this.listRecordings(ex, account));
		this.route('GET', `/v1.0/recordings/${id}`, (ex, [rid], account) => {
			ex.json(200, this.world.recordingJson(this.ownRecording(rid, account)));
		});
		this.route('DELETE', `/v1.0/recordings/${id}`, (ex, [rid], account) => {
			const recording = this.ownRecording(rid, account);
			this.world.deleteRecording(recording);
			ex.json(200, this.world.recordingJson(recording));
		});
		this.route('GET', `/v1.0/recordingfiles/${id}`, async (ex, [rid], account) => {
			const url = await this.storage.signedUrlFor(this.ownRecording(rid, account).id);
			const broken = this.faults.takeFileLocationFault();
			if (broken) ex.entry.note = `FAULT_LOCATION_${broken.toUpperCase()}`;
			if (broken === 'missing') return ex.json(307, url);
			const location =
				broken === 'relative'
					? new URL(url).pathname + new URL(url).search
					: broken === 'not-http'
						? url.replace(/^http:/, 'ftp:')
						: url;
			ex.json(307, location, { location });
		});
		this.route('POST', `/v1.0/calls/${id}/recording_start`, (ex, [cid], account) =>
			this.recordingStart(ex, this.ownCall(cid, account), true),
		);
		this.route('POST', `/v1.0/calls/${id}/recording_stop`, (ex, [cid], account) =>
			this.recordingStop(ex, this.ownCall(cid, account)),
		);
		this.route('POST', `/v1.0/conferences/${id}/recording_start`, (ex, [cid], account) =>
			this.recordingStart(ex, this.ownConference(cid, account), false),
		);
		this.route('POST', `/v1.0/conferences/${id}/recording_stop`, (ex, [cid], account) =>
			this.recordingStop(ex, this.ownConference(cid, account)),
		);
		this.route('POST', '/v1.0/transcribes', (ex, _p, account) => this.startTranscribe(ex, account));
		this.route('GET', '/v1.0/transcribes', (ex, _p, account) => this.listTranscribes(ex, account));
		this.route('GET', `/v1.0/transcribes/${id}`, (ex, [tid], account) => {
			ex.json(200, this.transcriptions.transcribeJson(this.ownTranscribe(tid, account)));
		});
		this.route('DELETE', `/v1.0/transcribes/${id}`, (ex, [tid], account) => {
			const transcribe = this.ownTranscribe(tid, account);
			this.refuseProgressing(transcribe);
			this.transcriptions.delete(transcribe);
			ex.json(200, this.transcriptions.transcribeJson(transcribe));
		});
		this.route('POST', `/v1.0/transcribes/${id}/stop`, (ex, [tid], account) => {
			const transcribe = this.ownTranscribe(tid, account);
			this.refuseProgressing(transcribe);
			ex.json(200, this.transcriptions.transcribeJson(transcribe));
		});
		this.route('GET', '/v1.0/transcripts', (ex, _p, account) => this.listTranscripts(ex, account));
	}

	private route(method: string, path: string, handler: Handler): void {
		const pattern = new RegExp(`^${path}$`);
		const name = `${method} ${path.replace(/\(\[\^\/\]\+\)/g, '{id}')}`;
		this.routes.push({ method, pattern, name, handler });
	}

	async handle(ex: Exchange): Promise<void> {
		const path = ex.url.pathname;
		if (path === '/stub/transcribe' && ex.req.method === 'POST') return this.transcribe(ex);
		if (await this.openAi.handle(ex)) return;
		const isLogin = path === '/auth/login' && ex.req.method === 'POST';
		let match: RegExpExecArray | null = null;
		const route = this.routes.find(
			(candidate) => candidate.method === ex.req.method && (match = candidate.pattern.exec(path)),
		);
		ex.entry.route = isLogin ? 'POST /auth/login' : (route?.name ?? '-');
		if (path.startsWith('/v1.0/') || path.startsWith('/auth/')) {
			if (this.faults.delayMs > 0) await sleep(this.faults.delayMs);
			if (this.injectFault(ex)) return;
		}
		if (isLogin) return this.login(ex);
		if (!route || !match) {
			return ex.error(404, 'ROUTE_NOT_FOUND', `No route for ${ex.req.method} ${path}.`);
		}
		try {
			const account = this.authenticate(ex);
			if (!this.allowRequest(ex, account)) return;
			if (account.permission === 'none') {
				throw new HttpError(
					403,
					'PERMISSION_DENIED',
					'The user has no permission for this resource.',
				);
			}
			await route.handler(ex, (match as RegExpExecArray).slice(1), account);
		} catch (error) {
			if (error instanceof HttpError) return ex.error(error.status, error.reason, error.message);
			if (error instanceof BadJson) return ex.error(400, 'INVALID_JSON_BODY', error.message);
			throw error;
		}
	}

	/** Counted faults from the fault control: a dropped socket, a cut-off body, a 5xx or a 429. */
	private injectFault(ex: Exchange): boolean {
		const fault = this.faults.takeApiFault(ex.entry.route);
		if (!fault) return false;
		if (fault.kind === 'reset') {
			ex.destroy('FAULT_RESET');
			return true;
		}
		if (fault.kind === 'truncate') {
			ex.cutBodyInHalf = true;
			return false;
		}
		ex.entry.note = `FAULT_${fault.status}`;
		if (fault.status === 429) {
			this.rateLimited(ex, fault.retryAfter ?? 1);
		} else if (fault.status === 502 || fault.status === 504) {
			// These come from the load balancer in front of the API: HTML, not the JSON envelope.
			const title = fault.status === 502 ? '502 Server Error' : '504 Gateway Timeout';
			const html = `<html><head><title>${title}</title></head><body><h1>Error: ${title}</h1></body></html>`;
			ex.send(fault.status, html, { 'content-type': 'text/html; charset=UTF-8' });
		} else if (fault.status === 503) {
			ex.error(503, 'SERVICE_UNAVAILABLE', 'An upstream service is temporarily unavailable.');
		} else {
			ex.error(500, 'INTERNAL', 'Internal server error.');
		}
		return true;
	}

	private rateLimited(ex: Exchange, retryAfter: number): void {
		ex.error(429, 'RATE_LIMIT_EXCEEDED', 'Too many requests. Please try again later.', {
			headers: { 'retry-after': String(retryAfter) },
			details: [{ limited_by: 'customer' }],
		});
	}

	/** Token bucket per customer, on real time so a client that sleeps Retry-After gets through. */
	private allowRequest(ex: Exchange, account: Account): boolean {
		if (!this.faults.rateLimitOn) return true;
		const now = performance.now() / 1000;
		const bucket = this.buckets.get(account.customerId) ?? { tokens: RATE_BURST, at: now };
		bucket.tokens = Math.min(RATE_BURST, bucket.tokens + (now - bucket.at) * RATE_PER_SECOND);
		bucket.at = now;
		this.buckets.set(account.customerId, bucket);
		if (bucket.tokens >= 1) {
			bucket.tokens -= 1;
			return true;
		}
		this.rateLimited(ex, Math.max(1, Math.ceil((1 - bucket.tokens) / RATE_PER_SECOND)));
		return false;
	}

	/** Cookie, then query, then `Authorization: Bearer`, as the real middleware looks. */
	private authenticate(ex: Exchange): Account {
		const cookies = new Map<string, string>();
		for (const part of (ex.req.headers.cookie ?? '').split(';')) {
			const at = part.indexOf('=');
			if (at > 0)
				cookies.set(part.slice(0, at).trim(), decodeURIComponent(part.slice(at + 1).trim()));
		}
		const query = ex.url.searchParams;
		const header = ex.req.headers.authorization;
		const bearer = header?.match(/^Bearer\s+(.+)$/i)?.[1];
		let account: Account | null;
		if (cookies.has('token')) account = this.accountForToken(cookies.get('token') as string);
		else if (cookies.has('accesskey'))
			account = this.accountForKey(cookies.get('accesskey') as string);
		else if (query.has('token')) account = this.accountForToken(query.get('token') as string);
		else if (query.has('accesskey')) account = this.accountForKey(query.get('accesskey') as string);
		else if (header !== undefined) account = bearer ? this.accountForToken(bearer) : null;
		else
			throw new HttpError(401, 'AUTHENTICATION_REQUIRED', 'No token or access key was supplied.');
		if (!account) {
			throw new HttpError(
				401,
				'INVALID_CREDENTIALS',
				'The supplied token or access key is invalid or expired.',
			);
		}
		return account;
	}

	private accountForKey(key: string): Account | null {
		for (const account of this.world.accounts.values())
			if (account.accessKey === key) return account;
		return null;
	}

	private issueToken(account: Account): string {
		const iat = Math.floor(this.clock.now() / 1000);
		const head = base64url({ alg: 'HS256', typ: 'JWT' });
		const body = base64url({
			type: 'agent',
			customer_id: account.customerId,
			username: account.username,
			iat,
			exp: iat + TOKEN_LIFETIME_SECONDS,
		});
		const signature = createHmac('sha256', this.tokenSecret)
			.update(`${head}.${body}`)
			.digest('base64url');
		return `${head}.${body}.${signature}`;
	}

	private accountForToken(token: string): Account | null {
		const [head, body, signature] = token.split('.');
		if (!head || !body || !signature) return null;
		const expected = Buffer.from(
			createHmac('sha256', this.tokenSecret).update(`${head}.${body}`).digest('base64url'),
		);
		const given = Buffer.from(signature);
		if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
		const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as {
			customer_id: string;
			exp: number;
		};
		if (this.clock.now() >= claims.exp * 1000) return null;
		return this.world.accounts.get(claims.customer_id) ?? null;
	}

	/** Wrong username, password or body: a bare 400, as the real server answers. */
	private async login(ex: Exchange): Promise<void> {
		let body: Record<string, unknown> = {};
		try {
			body = await readJsonObject(ex.req);
		} catch {
			// falls through to the bare 400
		}
		const { username, password } = body;
		const account = [...this.world.accounts.values()].find(
			(candidate) => candidate.username === username && candidate.password === password,
		);
		if (!account || typeof username !== 'string') {
			ex.entry.note = 'LOGIN_FAILED';
			return ex.send(400, '');
		}
		ex.json(200, { username: account.username, token: this.issueToken(account) });
	}

	private ownRecording(id: string, account: Account): Recording {
		if (!isUuid(id)) throw new HttpError(400, 'INVALID_ID', `"${id}" is not a valid UUID.`);
		const recording = this.world.recordings.get(id);
		if (!recording) throw new HttpError(404, 'RECORDING_NOT_FOUND', 'The recording was not found.');
		if (recording.customerId !== account.customerId) {
			throw new HttpError(
				403,
				'PERMISSION_DENIED',
				'The user has no permission for this recording.',
			);
		}
		if (this.world.isDeleted(recording)) {
			throw new HttpError(404, 'RESOURCE_NOT_FOUND', 'The requested resource was not found.');
		}
		return recording;
	}

	private ownCall(id: string, account: Account): Call {
		if (!isUuid(id)) throw new HttpError(400, 'INVALID_ID', `"${id}" is not a valid UUID.`);
		const call = this.world.calls.get(id);
		if (!call) throw new HttpError(404, 'CALL_NOT_FOUND', 'The call was not found.');
		if (call.customerId !== account.customerId) {
			throw new HttpError(403, 'PERMISSION_DENIED', 'The user has no permission for this call.');
		}
		return call;
	}

	private ownConference(id: string, account: Account): Conference {
		if (!isUuid(id)) throw new HttpError(400, 'INVALID_ID', `"${id}" is not a valid UUID.`);
		const conference = this.world.conferences.get(id);
		if (!conference)
			throw new HttpError(404, 'RESOURCE_NOT_FOUND', 'The conference was not found.');
		if (conference.customerId !== account.customerId) {
			throw new HttpError(
				403,
				'PERMISSION_DENIED',
				'The user has no permission for this conference.',
			);
		}
		return conference;
	}

	/** `page_size` (default and max 100; 0 or more becomes 100) and `page_token` (a time, or none). */
	private pageOf(query: URLSearchParams): { pageSize: number; before: number | null } {
		const sizeText = query.get('page_size') ?? '';
		if (sizeText !== '' && !/^\d+$/.test(sizeText)) {
			throw new HttpError(
				400,
				'INVALID_REQUEST_PARAMETER',
				'page_size must be a non-negative integer.',
			);
		}
		const asked = sizeText === '' ? 0 : Number(sizeText);
		const pageSize = asked === 0 || asked > PAGE_SIZE_MAX ? PAGE_SIZE_MAX : asked;
		try {
			return { pageSize, before: parseVoipbinTime(query.get('page_token') ?? '') };
		} catch {
			throw new HttpError(400, 'INVALID_REQUEST_PARAMETER', 'page_token is not a valid time.');
		}
	}

	private listRecordings(ex: Exchange, account: Account): void {
		const { pageSize, before: asked } = this.pageOf(ex.url.searchParams);
		// The `ignorePageToken` fault: a broken server (or proxy) that always gives the first page.
		const before = this.faults.ignorePageToken ? null : asked;
		for (let n = this.faults.takeListCreations(); n > 0; n--) {
			this.world.createRecording(account.customerId);
		}
		const page = this.world.listPage(account.customerId, before, pageSize);
		const last = page[page.length - 1];
		ex.json(200, {
			result: page.map((recording) => this.world.recordingJson(recording)),
			// The token is the last item's tm_create with exactly six fractional digits.
			next_page_token: last ? formatVoipbinTime(last.tmCreate) : '',
		});
	}

	private async recordingStart(
		ex: Exchange,
		target: Call | Conference,
		isCall: boolean,
	): Promise<void> {
		const body = await readJsonObject(ex.req);
		if (body.format !== 'wav') {
			throw new HttpError(400, 'INVALID_ARGUMENT', 'format must be "wav".');
		}
		const duration = body.duration ?? 0;
		if (!Number.isInteger(duration) || (duration as number) < 0) {
			throw new HttpError(400, 'INVALID_ARGUMENT', 'duration must be a non-negative integer.');
		}
		const silence = body.end_of_silence ?? 0;
		if (isCall && (!Number.isInteger(silence) || (silence as number) < 0)) {
			throw new HttpError(
				400,
				'INVALID_ARGUMENT',
				'end_of_silence must be a non-negative integer.',
			);
		}
		const flow = body.on_end_flow_id ?? '';
		if (typeof flow !== 'string' || (flow !== '' && !isUuid(flow))) {
			throw new HttpError(400, 'INVALID_ID', 'on_end_flow_id must be a UUID.');
		}
		if (isCall && (target as Call).status === 'hangup') {
			// The real server reports most start failures as a plain 500.
			throw new HttpError(500, 'INTERNAL', 'Could not start the recording.');
		}
		if (this.world.activeRecording(target)) {
			// The real server has no 409 here: a second recording on one call is a plain 500 too.
			throw new HttpError(500, 'INTERNAL', 'Could not start the recording.');
		}
		this.world.startRecording(target, {
			durationSeconds: duration as number,
			onEndFlowId: flow || NIL_UUID,
		});
		this.answerTarget(ex, target, isCall);
	}

	private recordingStop(ex: Exchange, target: Call | Conference): void {
		const active = this.world.activeRecording(target);
		if (!active) {
			// As the real server: stopping with nothing running is a plain 500, not a 409.
			throw new HttpError(500, 'INTERNAL', 'Could not stop the recording.');
		}
		this.world.stopRecording(active);
		this.answerTarget(ex, target, 'status' in target);
	}

	private answerTarget(ex: Exchange, target: Call | Conference, isCall: boolean): void {
		ex.json(
			200,
			isCall
				? this.world.callJson(target as Call)
				: this.world.conferenceJson(target as Conference),
		);
	}

	/**
	 * `POST /transcribes` for a recording: validated, deduplicated by recording + language, then
	 * the whole speech-to-text inside the request, cut off at the RPC timeout with 503 while the
	 * work goes on. A bad, unknown or deleted recording id crashes the real handler (nil pointer,
	 * gin's recovery): a bare 500 with no body.
	 */
	private async startTranscribe(ex: Exchange, account: Account): Promise<void> {
		const body = await readJsonObject(ex.req);
		const type = body.reference_type;
		if (type !== 'recording' && type !== 'call' && type !== 'conference') {
			throw new HttpError(400, 'INVALID_ARGUMENT', 'The request is invalid.');
		}
		if (type !== 'recording') {
			throw new Error('live call and conference transcription is not modelled by the fake');
		}
		const referenceId = typeof body.reference_id === 'string' ? body.reference_id : '';
		const recording = isUuid(referenceId) ? this.world.recordings.get(referenceId) : undefined;
		if (!recording || this.world.isDeleted(recording)) {
			ex.entry.note = 'PANIC_NIL_RECORDING';
			return ex.send(500, '');
		}
		if (recording.customerId !== account.customerId) {
			throw new HttpError(
				403,
				'PERMISSION_DENIED',
				'The user has no permission for this recording.',
			);
		}
		const language = normalizeLanguage(body.language);
		const existing = this.transcriptions.findExisting(recording.id, language);
		if (existing) return ex.json(200, this.transcriptions.transcribeJson(existing));

		const sttMs = this.faults.transcribeDelayMs ?? this.timing.transcribeMs;
		const transcribe = this.transcriptions.start(
			recording,
			{
				language,
				direction: body.direction,
				provider: body.provider,
				onEndFlowId: body.on_end_flow_id,
			},
			{ sttMs, fails: this.faults.takeTranscribeStuck() },
		);
		const finishing = transcribe.finishesAtMs;
		const waitMs = finishing === null ? sttMs : Math.max(0, finishing - performance.now());
		if (waitMs > this.timing.transcribeTimeoutMs) {
			await sleep(this.timing.transcribeTimeoutMs);
			throw new HttpError(503, 'REQUEST_TIMEOUT', 'The request timed out.');
		}
		if (waitMs > 0) await sleep(waitMs);
		if (finishing === null) {
			throw new HttpError(500, 'INTERNAL', 'Internal server error.');
		}
		// Answered when the work is over (a timer may wake a fraction of a millisecond early).
		this.transcriptions.settle(transcribe, finishing);
		ex.json(200, this.transcriptions.transcribeJson(transcribe));
	}

	private listTranscribes(ex: Exchange, account: Account): void {
		const query = ex.url.searchParams;
		const { pageSize, before } = this.pageOf(query);
		const type = query.get('reference_type');
		const id = query.get('reference_id');
		if ((type === null) !== (id === null)) {
			throw new HttpError(
				400,
				'INVALID_REFERENCE_FILTER',
				'reference_type and reference_id must be given together.',
			);
		}
		if (id !== null && !isUuid(id)) {
			throw new HttpError(400, 'INVALID_REQUEST_PARAMETER', 'reference_id must be a UUID.');
		}
		const page = this.transcriptions
			.list(
				(t) =>
					t.customerId === account.customerId &&
					(before === null || t.tmCreate < before) &&
					(id === null || (type === 'recording' && t.recordingId === id)),
			)
			.slice(0, pageSize);
		const last = page[page.length - 1];
		ex.json(200, {
			result: page.map((t) => this.transcriptions.transcribeJson(t)),
			next_page_token: last ? formatVoipbinTime(last.tmCreate) : '',
		});
	}

	/** The newest 100 transcripts, newest first: `page_size` and `page_token` are read and ignored. */
	private listTranscripts(ex: Exchange, account: Account): void {
		const id = ex.url.searchParams.get('transcribe_id');
		if (!id) {
			throw new HttpError(400, 'MISSING_REQUEST_PARAMETER', 'transcribe_id is required.');
		}
		const transcribe = this.ownTranscribe(id, account, { nonUuidIsNotFound: true });
		const window = this.transcriptions.transcriptWindow(transcribe);
		const last = window[window.length - 1];
		ex.json(200, {
			result: window.map((t) => this.transcriptions.transcriptJson(t)),
			next_page_token: last ? formatVoipbinTime(last.tmCreate) : '',
		});
	}

	/** A non-UUID is 400 INVALID_ID, except where the server parses it into uuid.Nil (then 404). */
	private ownTranscribe(
		id: string,
		account: Account,
		{ nonUuidIsNotFound = false } = {},
	): Transcribe {
		if (!isUuid(id) && !nonUuidIsNotFound) {
			throw new HttpError(400, 'INVALID_ID', `"${id}" is not a valid UUID.`);
		}
		const transcribe = this.transcriptions.transcribes.get(id);
		if (!transcribe) {
			throw new HttpError(404, 'TRANSCRIBE_NOT_FOUND', 'The transcribe was not found.');
		}
		if (transcribe.customerId !== account.customerId) {
			throw new HttpError(
				403,
				'PERMISSION_DENIED',
				'The user has no permission for this transcribe.',
			);
		}
		return transcribe;
	}

	/** Stop (and so delete) of a progressing recording transcribe fails: "invalid reference type". */
	private refuseProgressing(transcribe: Transcribe): void {
		if (this.transcriptions.status(transcribe) === 'progressing') {
			throw new HttpError(500, 'INTERNAL', 'Internal server error.');
		}
	}

	/** Counts the body without keeping it: the demo posts whole recordings here. */
	private async transcribe(ex: Exchange): Promise<void> {
		ex.entry.route = 'POST /stub/transcribe';
		let bytes = 0;
		for await (const chunk of ex.req) bytes += (chunk as Buffer).length;
		ex.json(200, { text: `${bytes} bytes of audio received`, bytes });
	}
}
