/**
 * The fake's state: accounts, calls, conferences and recordings, and how a recording looks at a
 * given moment. Nothing here runs on a timer: a live recording stores when each step of its
 * lifecycle happens, and every read works out the status from the clock.
 */
import { createHash } from 'node:crypto';

import { formatVoipbinTime } from '../../nodes/VoipbinRecording/model/time';

import type { FakeClock } from './clock';
import { NIL_UUID, newUuid, randomToken } from './ids';

export type RecordingStatus = 'initiating' | 'recording' | 'stopping' | 'ended';
export type ReferenceType = 'call' | 'confbridge';
export type Direction = 'in' | 'out';
export type Permission = 'CustomerAdmin' | 'CustomerManager' | 'none';

const SECOND = 1_000_000;
/** initiating → recording, and stopping → ended, each take about a second on the real server. */
const STEP_MICROS = SECOND;
/** A call's two files are registered about half a second apart. */
const SECOND_FILE_MICROS = SECOND / 2;
const STATUSES: RecordingStatus[] = ['initiating', 'recording', 'stopping', 'ended'];

export interface Account {
	customerId: string;
	accessKey: string;
	username: string;
	password: string;
	permission: Permission;
}

export interface Call {
	id: string;
	customerId: string;
	status: 'progressing' | 'hangup';
	recordingIds: string[];
	tmCreate: number;
}

export interface Conference {
	id: string;
	confbridgeId: string;
	customerId: string;
	name: string;
	recordingIds: string[];
	tmCreate: number;
}

export interface Recording {
	id: string;
	customerId: string;
	referenceType: ReferenceType;
	referenceId: string;
	format: 'wav';
	onEndFlowId: string;
	activeflowId: string;
	tmCreate: number;
	/** Lifecycle instants in µs; for a live recording some may lie in the future. */
	startAt: number | null;
	stopAt: number | null;
	endAt: number | null;
	deleteAt: number | null;
	/** Set when a test pinned the status; otherwise the status follows the clock. */
	fixedStatus: RecordingStatus | null;
	/** When the first file registers; null: `filesDelayMs` after `endAt`. */
	filesAt: number | null;
	/** Which files ever get registered (a conference has only `in`). */
	directions: Direction[];
	legacy: boolean;
	legacyUnset: 'sentinel' | 'empty';
}

export interface CreateRecordingOptions {
	id?: string;
	referenceType?: ReferenceType;
	referenceId?: string;
	/** Default `ended`. The status stays put until `setStatus`. */
	status?: RecordingStatus;
	/** µs; default now (distinct per recording). Later times follow it, possibly past now. */
	tmCreate?: number;
	/** Audio length in seconds (tm_end − tm_start); default 5. */
	durationSeconds?: number;
	/** Files of an ended recording are already there (default) or appear `filesDelayMs` from now. */
	filesReady?: boolean;
	/** Which files exist; default both for a call, `in` for a conference. */
	directions?: Direction[];
	/** Answer in the seed page's older shape. */
	legacy?: boolean;
	/** How the legacy shape writes an unset time. */
	legacyUnset?: 'sentinel' | 'empty';
	onEndFlowId?: string;
	activeflowId?: string;
}

export interface SeedOptions {
	referenceType?: ReferenceType;
	status?: RecordingStatus;
	durationSeconds?: number;
	/** µs; every seeded recording gets this `tm_create` when given. */
	tmCreate?: number;
	/** µs of the oldest; default `count` steps before now. */
	startMicros?: number;
	/** µs between consecutive recordings; default one second. */
	stepMicros?: number;
	legacy?: boolean;
}

export interface RegisteredFile {
	direction: Direction;
	registeredAt: number;
	fileId: string;
}

export function isStatus(value: unknown): value is RecordingStatus {
	return STATUSES.includes(value as RecordingStatus);
}

/** Go's JSON encoding of a time: RFC 3339 UTC, trailing fractional zeros dropped. */
export function formatGoTime(micros: number): string {
	return formatVoipbinTime(micros).replace(/\.?0+Z$/, 'Z');
}

/** The seed page's `2021-01-29 05:31:47.870000`. */
function formatLegacyTime(micros: number): string {
	return formatVoipbinTime(micros).replace('T', ' ').replace('Z', '');
}

const LEGACY_SENTINEL = '9999-01-01 00:00:00.000000';

interface View {
	status: RecordingStatus;
	startAt: number | null;
	endAt: number | null;
	updateAt: number;
}

export class World {
	readonly accounts = new Map<string, Account>();
	readonly calls = new Map<string, Call>();
	readonly conferences = new Map<string, Conference>();
	readonly recordings = new Map<string, Recording>();
	/** Per customer, ascending by tm_create (ties in creation order): keyset pages need no sort. */
	private readonly byCustomer = new Map<string, Recording[]>();
	private lastLiveCreate = 0;
	private accountCount = 0;

	constructor(
		private readonly clock: FakeClock,
		private readonly filesDelayMicros: number,
	) {}

	createAccount(opts: Partial<Account> = {}): Account {
		this.accountCount++;
		const account: Account = {
			customerId: opts.customerId ?? newUuid(),
			accessKey: opts.accessKey ?? `ak_${randomToken(24)}`,
			username: opts.username ?? `user${this.accountCount}@fake.voipbin.test`,
			password: opts.password ?? `password-${randomToken(9)}`,
			permission: opts.permission ?? 'CustomerAdmin',
		};
		for (const other of this.accounts.values()) {
			if (other.accessKey === account.accessKey) throw new Error('That access key is taken');
			if (other.username === account.username) throw new Error('That username is taken');
		}
		if (this.accounts.has(account.customerId)) throw new Error('That customer id is taken');
		this.accounts.set(account.customerId, account);
		return account;
	}

	findAccount(customerId: string): Account {
		const account = this.accounts.get(customerId);
		if (!account) throw new Error(`No fake account with customer id ${customerId}`);
		return account;
	}

	addCall(customerId: string, opts: { id?: string; status?: 'progressing' | 'hangup' } = {}): Call {
		this.findAccount(customerId);
		const call: Call = {
			id: opts.id ?? newUuid(),
			customerId,
			status: opts.status ?? 'progressing',
			recordingIds: [],
			tmCreate: this.clock.nowMicros(),
		};
		this.calls.set(call.id, call);
		return call;
	}

	addConference(
		customerId: string,
		opts: { id?: string; confbridgeId?: string; name?: string } = {},
	): Conference {
		this.findAccount(customerId);
		const conference: Conference = {
			id: opts.id ?? newUuid(),
			confbridgeId: opts.confbridgeId ?? newUuid(),
			customerId,
			name: opts.name ?? 'Fake conference',
			recordingIds: [],
			tmCreate: this.clock.nowMicros(),
		};
		this.conferences.set(conference.id, conference);
		return conference;
	}

	findTarget(id: string): Call | Conference {
		const target = this.calls.get(id) ?? this.conferences.get(id);
		if (!target) throw new Error(`No fake call or conference ${id}`);
		return target;
	}

	/** A recording as `recording_start` makes it: status follows the clock from now on. */
	startRecording(
		target: Call | Conference,
		opts: { durationSeconds: number; onEndFlowId: string },
	): Recording {
		const tmCreate = this.nextCreateMicros();
		const startAt = tmCreate + STEP_MICROS;
		const stopAt = opts.durationSeconds > 0 ? startAt + opts.durationSeconds * SECOND : null;
		const isCall = 'status' in target;
		const recording = this.insert({
			id: newUuid(),
			customerId: target.customerId,
			referenceType: isCall ? 'call' : 'confbridge',
			referenceId: isCall ? target.id : target.confbridgeId,
			format: 'wav',
			onEndFlowId: opts.onEndFlowId,
			activeflowId: NIL_UUID,
			tmCreate,
			startAt,
			stopAt,
			endAt: stopAt === null ? null : stopAt + STEP_MICROS,
			deleteAt: null,
			fixedStatus: null,
			filesAt: null,
			directions: isCall ? ['in', 'out'] : ['in'],
			legacy: false,
			legacyUnset: 'sentinel',
		});
		target.recordingIds.push(recording.id);
		return recording;
	}

	/** Now, but distinct for every new recording even when a manual clock has not moved. */
	nextCreateMicros(): number {
		this.lastLiveCreate = Math.max(this.clock.nowMicros(), this.lastLiveCreate + 1);
		return this.lastLiveCreate;
	}

	/** `recording_stop`: stopping now, ended a second later. */
	stopRecording(recording: Recording): void {
		const now = this.clock.nowMicros();
		if (recording.startAt !== null && recording.startAt > now) recording.startAt = null;
		recording.stopAt = now;
		recording.endAt = now + STEP_MICROS;
		recording.filesAt = null;
	}

	/**
	 * The call's or conference's running recording (`initiating` or `recording`), if any: what its
	 * `recording_id` names. Like the real server, `recording_stop` resets `recording_id` at once, so a
	 * `stopping` recording is no longer the target's; it stays the last of `recording_ids`.
	 */
	activeRecording(target: Call | Conference): Recording | null {
		const last = target.recordingIds[target.recordingIds.length - 1];
		const recording = last ? this.recordings.get(last) : undefined;
		const status = recording ? this.view(recording).status : null;
		return status === 'initiating' || status === 'recording' ? (recording as Recording) : null;
	}

	createRecording(customerId: string, opts: CreateRecordingOptions = {}): Recording {
		this.findAccount(customerId);
		const now = this.clock.nowMicros();
		const status = opts.status ?? 'ended';
		if (!isStatus(status)) throw new Error(`Unknown recording status ${String(status)}`);
		const referenceType = opts.referenceType ?? 'call';
		const tmCreate = opts.tmCreate ?? this.nextCreateMicros();
		const duration = Math.round((opts.durationSeconds ?? 5) * SECOND);
		const startAt = status === 'initiating' ? null : tmCreate + STEP_MICROS;
		const endAt = status === 'ended' && startAt !== null ? startAt + duration : null;
		const stopAt = status === 'stopping' ? (startAt as number) + duration : endAt;
		const ready = opts.filesReady ?? true;
		if (opts.id !== undefined && this.recordings.has(opts.id)) throw new Error('Id taken');
		return this.insert({
			id: opts.id ?? newUuid(),
			customerId,
			referenceType,
			referenceId: opts.referenceId ?? newUuid(),
			format: 'wav',
			onEndFlowId: opts.onEndFlowId ?? NIL_UUID,
			activeflowId: opts.activeflowId ?? NIL_UUID,
			tmCreate,
			startAt,
			stopAt,
			endAt,
			deleteAt: null,
			fixedStatus: status,
			filesAt: ready ? 0 : now + this.filesDelayMicros,
			directions: opts.directions ?? (referenceType === 'call' ? ['in', 'out'] : ['in']),
			legacy: opts.legacy ?? false,
			legacyUnset: opts.legacyUnset ?? 'sentinel',
		});
	}

	seedRecordings(customerId: string, count: number, opts: SeedOptions = {}): Recording[] {
		const step = opts.stepMicros ?? SECOND;
		const start = opts.startMicros ?? this.clock.nowMicros() - count * step;
		const seeded: Recording[] = [];
		for (let i = 0; i < count; i++) {
			seeded.push(
				this.createRecording(customerId, {
					referenceType: opts.referenceType,
					status: opts.status,
					durationSeconds: opts.durationSeconds,
					tmCreate: opts.tmCreate ?? start + i * step,
					legacy: opts.legacy,
				}),
			);
		}
		return seeded;
	}

	/** Pins the status from now on, filling the times that status implies. */
	setStatus(recording: Recording, status: RecordingStatus): void {
		if (!isStatus(status)) throw new Error(`Unknown recording status ${String(status)}`);
		const now = this.clock.nowMicros();
		const view = this.view(recording);
		const started = view.startAt ?? now;
		recording.fixedStatus = status;
		recording.startAt = status === 'initiating' ? null : started;
		recording.stopAt = status === 'stopping' || status === 'ended' ? now : null;
		recording.endAt = status === 'ended' ? (view.status === 'ended' ? view.endAt : now) : null;
		if (status !== 'ended' || view.status !== 'ended') recording.filesAt = null;
	}

	deleteRecording(recording: Recording): void {
		recording.deleteAt ??= this.clock.nowMicros();
	}

	getRecording(id: string): Recording {
		const recording = this.recordings.get(id);
		if (!recording) throw new Error(`No fake recording ${id}`);
		return recording;
	}

	/** Status and visible times at the clock's now. */
	view(recording: Recording, now = this.clock.nowMicros()): View {
		const seen = (at: number | null) =>
			at !== null && (recording.fixedStatus !== null || at <= now) ? at : null;
		const startAt = seen(recording.startAt);
		const stopAt = seen(recording.stopAt);
		const endAt = seen(recording.endAt);
		const status =
			recording.fixedStatus ??
			(endAt !== null
				? 'ended'
				: stopAt !== null
					? 'stopping'
					: startAt !== null
						? 'recording'
						: 'initiating');
		const deleteAt = seen(recording.deleteAt);
		const updateAt = Math.max(
			recording.tmCreate,
			startAt ?? 0,
			stopAt ?? 0,
			endAt ?? 0,
			deleteAt ?? 0,
		);
		return { status, startAt, endAt, updateAt };
	}

	isDeleted(recording: Recording): boolean {
		return recording.deleteAt !== null;
	}

	/** The files registered for the recording by now, newest first, as the storage manager lists them. */
	registeredFiles(recording: Recording): RegisteredFile[] {
		const now = this.clock.nowMicros();
		const view = this.view(recording, now);
		if (view.status !== 'ended' || view.endAt === null) return [];
		const base = recording.filesAt ?? view.endAt + this.filesDelayMicros;
		// `in` is registered first, so `out` is the newer one and comes first in the ZIP.
		const files: RegisteredFile[] = [];
		for (const direction of recording.directions) {
			const registeredAt = direction === 'in' ? base : base + SECOND_FILE_MICROS;
			if (registeredAt > now) continue;
			const fileId = createHash('sha1').update(`${recording.id}/${direction}`).digest('hex');
			files.push({ direction, registeredAt, fileId });
		}
		return files.sort((a, b) => b.registeredAt - a.registeredAt);
	}

	/** Audio length in seconds, from the first audio to the end. */
	audioSeconds(recording: Recording): number {
		const view = this.view(recording);
		if (view.startAt === null || view.endAt === null) return 0;
		return Math.max(0, view.endAt - view.startAt) / SECOND;
	}

	/** `call_<reference id>_<time>` or `confbridge_<confbridge id>_<time>`, before `_in.wav`. */
	fileBaseName(recording: Recording): string {
		const stamp = formatVoipbinTime(recording.tmCreate).replace(/[-:]|\.\d+/g, '');
		return `${recording.referenceType}_${recording.referenceId}_${stamp}`;
	}

	/**
	 * One page, newest first: recordings strictly older than `beforeMicros` (no bound when null),
	 * deleted ones skipped inside the query so the page is still full.
	 */
	listPage(customerId: string, beforeMicros: number | null, pageSize: number): Recording[] {
		const sorted = this.byCustomer.get(customerId) ?? [];
		let index = beforeMicros === null ? sorted.length : this.firstAtOrAfter(sorted, beforeMicros);
		const page: Recording[] = [];
		while (--index >= 0 && page.length < pageSize) {
			if (!this.isDeleted(sorted[index])) page.push(sorted[index]);
		}
		return page;
	}

	recordingJson(recording: Recording): Record<string, unknown> {
		const view = this.view(recording);
		if (recording.legacy) {
			const time = (at: number | null) =>
				at !== null
					? formatLegacyTime(at)
					: recording.legacyUnset === 'empty'
						? ''
						: LEGACY_SENTINEL;
			return {
				id: recording.id,
				type: recording.referenceType === 'call' ? 'call' : 'conference',
				reference_id: recording.referenceId,
				status: view.status,
				format: recording.format,
				tm_start: time(view.startAt),
				tm_end: time(view.endAt),
				tm_create: time(recording.tmCreate),
				tm_update: time(view.updateAt),
				tm_delete: time(recording.deleteAt),
			};
		}
		const json: Record<string, unknown> = {
			id: recording.id,
			customer_id: recording.customerId,
			owner_type: '',
			owner_id: NIL_UUID,
			activeflow_id: recording.activeflowId,
			reference_type: recording.referenceType,
			reference_id: recording.referenceId,
			status: view.status,
			format: recording.format,
			on_end_flow_id: recording.onEndFlowId,
		};
		// Go leaves out a time that has not happened (omitempty on a pointer).
		if (view.startAt !== null) json.tm_start = formatGoTime(view.startAt);
		if (view.endAt !== null) json.tm_end = formatGoTime(view.endAt);
		json.tm_create = formatGoTime(recording.tmCreate);
		json.tm_update = formatGoTime(view.updateAt);
		if (recording.deleteAt !== null) json.tm_delete = formatGoTime(recording.deleteAt);
		return json;
	}

	callJson(call: Call): Record<string, unknown> {
		const active = this.activeRecording(call);
		const created = formatGoTime(call.tmCreate);
		return {
			id: call.id,
			customer_id: call.customerId,
			owner_type: '',
			owner_id: NIL_UUID,
			flow_id: NIL_UUID,
			activeflow_id: NIL_UUID,
			type: 'flow',
			master_call_id: NIL_UUID,
			chained_call_ids: [],
			recording_id: active?.id ?? NIL_UUID,
			recording_ids: [...call.recordingIds],
			groupcall_id: NIL_UUID,
			source: { type: 'tel', target: '+15550100001', target_name: '', name: '', detail: '' },
			destination: { type: 'tel', target: '+15550100002', target_name: '', name: '', detail: '' },
			status: call.status,
			direction: 'outgoing',
			mute_direction: '',
			hangup_by: call.status === 'hangup' ? 'remote' : '',
			hangup_reason: call.status === 'hangup' ? 'normal' : '',
			tm_progressing: created,
			tm_ringing: created,
			tm_create: created,
			tm_update: formatGoTime(this.clock.nowMicros()),
		};
	}

	conferenceJson(conference: Conference): Record<string, unknown> {
		const active = this.activeRecording(conference);
		return {
			id: conference.id,
			customer_id: conference.customerId,
			type: 'conference',
			status: 'progressing',
			name: conference.name,
			detail: '',
			data: {},
			timeout: 0,
			pre_flow_id: NIL_UUID,
			post_flow_id: NIL_UUID,
			conferencecall_ids: [],
			recording_id: active?.id ?? NIL_UUID,
			recording_ids: [...conference.recordingIds],
			transcribe_id: NIL_UUID,
			transcribe_ids: [],
			tm_create: formatGoTime(conference.tmCreate),
			tm_update: formatGoTime(this.clock.nowMicros()),
		};
	}

	private insert(recording: Recording): Recording {
		this.recordings.set(recording.id, recording);
		let sorted = this.byCustomer.get(recording.customerId);
		if (!sorted) this.byCustomer.set(recording.customerId, (sorted = []));
		sorted.splice(this.firstAtOrAfter(sorted, recording.tmCreate + 1), 0, recording);
		return recording;
	}

	/** Index of the first recording with tm_create ≥ `micros` (binary search). */
	private firstAtOrAfter(sorted: Recording[], micros: number): number {
		let low = 0;
		let high = sorted.length;
		while (low < high) {
			const mid = (low + high) >>> 1;
			if (sorted[mid].tmCreate < micros) low = mid + 1;
			else high = mid;
		}
		return low;
	}
}
