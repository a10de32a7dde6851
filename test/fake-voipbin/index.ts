/**
 * A fake VoIPBIN server for tests, benchmarks and the demo: the recording API as FACTS.md
 * describes the live server (faults included) on one port, and the signed-URL storage host on a
 * second. See README.md.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { Api } from './api';
import { createClock, type FakeClock } from './clock';
import { handleControl } from './control';
import { Faults, type FaultControl } from './faults';
import { Exchange, type RequestLogEntry } from './http';
import { NIL_UUID } from './ids';
import { OpenAiStub, type StubExchange } from './openai';
import { Storage } from './storage';
import { Transcriptions } from './transcribes';
import {
	type Account,
	type CreateRecordingOptions,
	type Permission,
	type Recording,
	type RecordingStatus,
	type ReferenceType,
	type SeedOptions,
	World,
} from './world';

export type { FaultControl, FaultPatch, FaultSettings, StorageFault } from './faults';
export type { RequestLogEntry } from './http';
export type {
	CreateRecordingOptions,
	Permission,
	RecordingStatus,
	ReferenceType,
	SeedOptions,
} from './world';

export interface FakeVoipbinOptions {
	/** Loopback only: 127.0.0.1 (default), ::1 or localhost. */
	host?: string;
	/** 0 (default): any free port. */
	port?: number;
	/** The storage host's port; 0 (default): any free port. */
	storagePort?: number;
	/** `manual`: time moves only through `clock.advance` / `clock.set`. */
	clock?: 'real' | 'manual';
	/** Milliseconds since the epoch where the manual clock starts (default: now). */
	startTime?: number;
	/** How long after `ended` a recording's files appear (default 2000). */
	filesDelayMs?: number;
	/** Deflate level of the ZIPs (default 1, for speed). */
	zipLevel?: number;
	/** How long a transcription's speech-to-text takes, real ms (default 1000). */
	transcribeMs?: number;
	/**
	 * How long `POST /transcribes` waits for it before 503 REQUEST_TIMEOUT (the work goes on).
	 * The real server waits 60 000 ms (the default); tests make it short.
	 */
	transcribeTimeoutMs?: number;
	/** One line per request on stdout, credentials redacted. */
	log?: boolean;
}

export type FakeAccount = Account;

export interface FakeRecording {
	id: string;
	customerId: string;
	referenceType: ReferenceType;
	referenceId: string;
	/** µs since the epoch. */
	tmCreate: number;
	/** The status now. */
	readonly status: RecordingStatus;
	/** The recording as `GET /v1.0/recordings/{id}` shows it now (legacy shape if created so). */
	json(): Record<string, unknown>;
}

export interface FakeStats {
	api: number;
	storage: number;
	byRoute: Record<string, number>;
	byStatus: Record<string, number>;
}

export interface FakeVoipbin {
	/** e.g. `http://127.0.0.1:41234`; the API is under `/v1.0`, login at `/auth/login`. */
	baseUrl: string;
	storageUrl: string;
	clock: Pick<FakeClock, 'now' | 'advance' | 'set'>;
	createAccount(opts?: {
		accessKey?: string;
		username?: string;
		password?: string;
		permission?: Permission;
	}): FakeAccount;
	addCall(
		customerId: string,
		opts?: { id?: string; status?: 'progressing' | 'hangup' },
	): { id: string };
	addConference(
		customerId: string,
		opts?: { id?: string; confbridgeId?: string; name?: string },
	): { id: string; confbridgeId: string };
	seedRecordings(customerId: string, count: number, opts?: SeedOptions): FakeRecording[];
	createRecording(customerId: string, opts?: CreateRecordingOptions): FakeRecording;
	getRecording(recordingId: string): FakeRecording;
	/** What `recording_start` does, without HTTP: a live recording that follows the clock. */
	startRecording(
		callOrConferenceId: string,
		opts?: { durationSeconds?: number; onEndFlowId?: string },
	): FakeRecording;
	/** What `recording_stop` does, without HTTP. */
	stopRecording(callOrConferenceId: string): void;
	setStatus(recordingId: string, status: RecordingStatus): void;
	deleteRecording(recordingId: string): void;
	/** Every transcribe of a recording as `GET /transcribes/{id}` shows it now, deleted ones too, oldest first. */
	transcribesOf(recordingId: string): Record<string, unknown>[];
	faults: FaultControl;
	/** Every API and storage request (control routes excluded), oldest first. */
	requests: RequestLogEntry[];
	/** What the scripted chat model (`/stub/openai/...`) was asked and answered, oldest first. */
	openAiTranscript: StubExchange[];
	/** Empties `requests` (and so `stats`). */
	resetRequests(): void;
	/** Request counts from `requests`. */
	stats(): FakeStats;
	close(): Promise<void>;
}

const LOOPBACK = ['127.0.0.1', '::1', 'localhost'];

function listen(server: Server, port: number, host: string): Promise<number> {
	return new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(port, host, () => {
			server.off('error', reject);
			resolve((server.address() as AddressInfo).port);
		});
	});
}

function origin(host: string, port: number): string {
	return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export async function startFakeVoipbin(options: FakeVoipbinOptions = {}): Promise<FakeVoipbin> {
	const host = options.host ?? '127.0.0.1';
	if (!LOOPBACK.includes(host))
		throw new Error(`The fake VoIPBIN binds loopback only, not ${host}`);
	const clock = createClock(options.clock ?? 'real', options.startTime);
	const world = new World(clock, (options.filesDelayMs ?? 2000) * 1000);
	const faults = new Faults();
	let storageOrigin = '';
	const storage = new Storage(world, clock, faults, options.zipLevel ?? 1, () => storageOrigin);
	const transcriptions = new Transcriptions(world, clock);
	const openAi = new OpenAiStub();
	const api = new Api(
		world,
		clock,
		faults,
		storage,
		transcriptions,
		{
			transcribeMs: options.transcribeMs ?? 1000,
			transcribeTimeoutMs: options.transcribeTimeoutMs ?? 60_000,
		},
		openAi,
	);

	const record = (ex: Exchange) => {
		const { entry } = ex;
		fake.requests.push(entry);
		if (!options.log) return;
		ex.res.on('close', () => {
			const query = new URLSearchParams(entry.query).toString();
			const target = query ? `${entry.path}?${query}` : entry.path;
			const note = entry.note ? ` ${entry.note}` : '';
			process.stdout.write(
				`[fake-voipbin] ${entry.host} ${entry.method} ${target} -> ${entry.status}${note} ${entry.requestId}\n`,
			);
		});
	};

	const serve =
		(hostKind: 'api' | 'storage') => async (req: IncomingMessage, res: ServerResponse) => {
			const ex = new Exchange(req, res, hostKind, clock.now());
			try {
				if (hostKind === 'storage') {
					record(ex);
					return await storage.handle(ex);
				}
				res.setHeader('x-request-id', ex.requestId);
				if (ex.url.pathname.startsWith('/_fake/')) return await handleControl(ex, fake);
				record(ex);
				await api.handle(ex);
			} catch (error) {
				if (res.headersSent) return void res.destroy();
				ex.error(500, 'INTERNAL', `Fake VoIPBIN failure: ${(error as Error).message}`);
			}
		};

	const apiServer = createServer(serve('api'));
	const storageServer = createServer(serve('storage'));
	const apiPort = await listen(apiServer, options.port ?? 0, host);
	const storagePort = await listen(storageServer, options.storagePort ?? 0, host);
	storageOrigin = origin(host, storagePort);

	const view = (recording: Recording): FakeRecording => ({
		id: recording.id,
		customerId: recording.customerId,
		referenceType: recording.referenceType,
		referenceId: recording.referenceId,
		tmCreate: recording.tmCreate,
		get status() {
			return world.view(recording).status;
		},
		json: () => world.recordingJson(recording),
	});

	const fake: FakeVoipbin = {
		baseUrl: origin(host, apiPort),
		storageUrl: storageOrigin,
		clock: { now: clock.now, advance: clock.advance, set: clock.set },
		createAccount: (opts) => ({ ...world.createAccount(opts) }),
		addCall: (customerId, opts) => ({ id: world.addCall(customerId, opts).id }),
		addConference: (customerId, opts) => {
			const conference = world.addConference(customerId, opts);
			return { id: conference.id, confbridgeId: conference.confbridgeId };
		},
		seedRecordings: (customerId, count, opts) =>
			world.seedRecordings(customerId, count, opts).map(view),
		createRecording: (customerId, opts) => view(world.createRecording(customerId, opts)),
		getRecording: (id) => view(world.getRecording(id)),
		startRecording: (targetId, opts = {}) =>
			view(
				world.startRecording(world.findTarget(targetId), {
					durationSeconds: opts.durationSeconds ?? 0,
					onEndFlowId: opts.onEndFlowId ?? NIL_UUID,
				}),
			),
		stopRecording: (targetId) => {
			const active = world.activeRecording(world.findTarget(targetId));
			if (!active) throw new Error(`No recording is active on ${targetId}`);
			world.stopRecording(active);
		},
		setStatus: (id, status) => world.setStatus(world.getRecording(id), status),
		deleteRecording: (id) => world.deleteRecording(world.getRecording(id)),
		transcribesOf: (id) =>
			[...transcriptions.transcribes.values()]
				.filter((transcribe) => transcribe.recordingId === id)
				.map((transcribe) => transcriptions.transcribeJson(transcribe)),
		faults,
		requests: [],
		openAiTranscript: openAi.transcript,
		resetRequests() {
			fake.requests.length = 0;
		},
		stats() {
			// Derived from the log, so it is never behind a response the caller already has.
			const stats: FakeStats = { api: 0, storage: 0, byRoute: {}, byStatus: {} };
			for (const entry of fake.requests) {
				stats[entry.host]++;
				stats.byRoute[entry.route] = (stats.byRoute[entry.route] ?? 0) + 1;
				stats.byStatus[entry.status] = (stats.byStatus[entry.status] ?? 0) + 1;
			}
			return stats;
		},
		async close() {
			storage.close();
			await Promise.all(
				[apiServer, storageServer].map(
					(server) =>
						new Promise<void>((resolve) => {
							server.close(() => resolve());
							server.closeAllConnections();
						}),
				),
			);
		},
	};
	return fake;
}
