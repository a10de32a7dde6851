/**
 * VoIPBIN's transcription of recordings (TRANSCRIBE-WS.md part A), as state: transcribes and their
 * transcripts. No HTTP here (api.ts) and no timers: a transcription's speech-to-text finishes at
 * a real-time instant, and every read settles the ones whose instant has passed.
 *
 * What the real service does and this keeps:
 * - the files are listed when the transcription starts: none registered yet (asked too early) gives
 *   an empty `done` transcribe at once; one direction gives only that direction's sentences;
 * - dedup by recording + normalised language over non-deleted transcribes in any status;
 * - only `progressing` and `done`; a failed speech-to-text leaves `progressing` for good;
 * - sentences are inserted in conversation order after the whole speech-to-text, so `tm_create`
 *   order is conversation order, and `tm_transcript` is an offset from 0001-01-01T00:00:00Z.
 */
import { performance } from 'node:perf_hooks';

import type { FakeClock } from './clock';
import { NIL_UUID, newUuid } from './ids';
import { formatGoTime, type Direction, type Recording, type World } from './world';

const SECOND = 1_000_000;
/** `GET /transcripts` answers at most this many, newest first, whatever the paging says. */
export const TRANSCRIPT_WINDOW = 100;

export type TranscribeStatus = 'progressing' | 'done';

export interface Transcribe {
	id: string;
	customerId: string;
	recordingId: string;
	language: string;
	/** What the request said, normalised as the server does (stored, ignored for recordings). */
	direction: 'both' | 'in' | 'out';
	provider: string;
	onEndFlowId: string;
	tmCreate: number;
	/** µs on the fake clock once done. */
	doneAt: number | null;
	deleteAt: number | null;
	/** `performance.now()` ms when the speech-to-text finishes; null: it failed (stuck for good). */
	finishesAtMs: number | null;
	/** The files registered when it started, and the audio length then. */
	directions: Direction[];
	audioSeconds: number;
}

export interface Transcript {
	id: string;
	customerId: string;
	transcribeId: string;
	direction: Direction;
	message: string;
	/** Offset into the audio, µs. */
	offset: number;
	tmCreate: number;
	deleted: boolean;
}

/** What one side of a call says, in turn; a conference recording has only `in`. */
const SCRIPT: Record<Direction, string[]> = {
	in: [
		'Hello, I am calling about my last invoice.',
		'It shows two charges for the same month.',
		'Yes, the order number is four two seven one.',
		'Could you refund the second one?',
		'Thank you, that is all I needed.',
		'Goodbye.',
	],
	out: [
		'Good morning, thank you for calling.',
		'Let me look at your account.',
		'I can see the duplicate charge now.',
		'The refund will reach you within five days.',
		'Is there anything else I can help with?',
		'Have a nice day.',
	],
};
/** Sentence k of `in` starts at 0.4 s + 6 k s, of `out` at 3.4 s + 6 k s (plus k × 1.16 ms). */
const FIRST_OFFSET: Record<Direction, number> = { in: 0.4 * SECOND, out: 3.4 * SECOND };
const TURN = 6 * SECOND;

/** The sentences the fake "hears" in one direction of a recording this long: deterministic. */
export function sentencesOf(
	direction: Direction,
	audioSeconds: number,
): { offset: number; message: string }[] {
	const sentences: { offset: number; message: string }[] = [];
	for (let k = 0; ; k++) {
		const offset = FIRST_OFFSET[direction] + k * TURN + k * 1160;
		if (offset >= audioSeconds * SECOND) return sentences;
		sentences.push({ offset, message: SCRIPT[direction][k % SCRIPT[direction].length] });
	}
}

/**
 * `golang.org/x/text/language` BCP47.Make, roughly: a well-formed tag in canonical case; anything
 * unparseable (`und`) becomes `en-US`.
 */
export function normalizeLanguage(value: unknown): string {
	const text = typeof value === 'string' ? value.trim().replace(/_/g, '-') : '';
	const match = /^([a-zA-Z]{2,3})(?:-([a-zA-Z]{4}))?(?:-([a-zA-Z]{2}|\d{3}))?$/.exec(text);
	if (!match || match[1].toLowerCase() === 'und') return 'en-US';
	const [, lang, script, region] = match;
	return [
		lang.toLowerCase(),
		script && script[0].toUpperCase() + script.slice(1).toLowerCase(),
		region?.toUpperCase(),
	]
		.filter(Boolean)
		.join('-');
}

/** A Go time.Time of `0001-01-01T00:00:00Z` plus `offset` µs, as Go's JSON encoder writes it. */
export function formatOffsetTime(offset: number): string {
	const days = Math.floor(offset / (86_400 * SECOND));
	const rest = offset - days * 86_400 * SECOND;
	const clock = formatGoTime(Date.UTC(2000, 0, 1) * 1000 + rest).slice(10);
	return `0001-01-${String(days + 1).padStart(2, '0')}${clock}`;
}

export class Transcriptions {
	readonly transcribes = new Map<string, Transcribe>();
	private readonly transcripts: Transcript[] = [];
	private lastCreate = 0;

	constructor(
		private readonly world: World,
		private readonly clock: FakeClock,
	) {}

	/** The newest non-deleted transcribe of this recording and language, in any status. */
	findExisting(recordingId: string, language: string): Transcribe | undefined {
		return this.list((t) => t.recordingId === recordingId && t.language === language)[0];
	}

	/**
	 * Starts a transcription: lists the recording's files now and finishes the speech-to-text
	 * `sttMs` from now (at once when there are no files), or never when `fails`.
	 */
	start(
		recording: Recording,
		request: { language: string; direction: unknown; provider: unknown; onEndFlowId: unknown },
		timing: { sttMs: number; fails: boolean },
	): Transcribe {
		const directions = this.world.registeredFiles(recording).map((file) => file.direction);
		const hasAudio = directions.length > 0;
		const direction = ['both', 'in', 'out'].includes(request.direction as string)
			? (request.direction as Transcribe['direction'])
			: 'both';
		const transcribe: Transcribe = {
			id: newUuid(),
			customerId: recording.customerId,
			recordingId: recording.id,
			language: request.language,
			direction,
			provider: typeof request.provider === 'string' ? request.provider : '',
			onEndFlowId:
				typeof request.onEndFlowId === 'string' && request.onEndFlowId
					? request.onEndFlowId
					: NIL_UUID,
			tmCreate: this.nextCreateMicros(),
			doneAt: null,
			deleteAt: null,
			finishesAtMs:
				hasAudio && timing.fails ? null : performance.now() + (hasAudio ? timing.sttMs : 0),
			directions: directions.sort(),
			audioSeconds: this.world.audioSeconds(recording),
		};
		this.transcribes.set(transcribe.id, transcribe);
		this.settle(transcribe);
		return transcribe;
	}

	/**
	 * Finishes the transcription if its speech-to-text is over at `nowMs` (real ms): all sentences,
	 * then `done`.
	 */
	settle(transcribe: Transcribe, nowMs = performance.now()): Transcribe {
		if (transcribe.doneAt !== null || transcribe.finishesAtMs === null) return transcribe;
		if (nowMs < transcribe.finishesAtMs) return transcribe;
		const sentences = transcribe.directions
			.flatMap((direction) =>
				sentencesOf(direction, transcribe.audioSeconds).map((s) => ({ ...s, direction })),
			)
			.sort((a, b) => a.offset - b.offset);
		for (const sentence of sentences) {
			this.transcripts.push({
				id: newUuid(),
				customerId: transcribe.customerId,
				transcribeId: transcribe.id,
				direction: sentence.direction,
				message: sentence.message,
				offset: sentence.offset,
				tmCreate: this.nextCreateMicros(),
				deleted: false,
			});
		}
		transcribe.doneAt = this.nextCreateMicros();
		return transcribe;
	}

	status(transcribe: Transcribe): TranscribeStatus {
		return this.settle(transcribe).doneAt === null ? 'progressing' : 'done';
	}

	/** Non-deleted transcribes matching `keep`, newest first, settled. */
	list(keep: (transcribe: Transcribe) => boolean): Transcribe[] {
		return [...this.transcribes.values()]
			.filter((t) => t.deleteAt === null && keep(t))
			.map((t) => this.settle(t))
			.sort((a, b) => b.tmCreate - a.tmCreate);
	}

	/** Soft-deletes a done transcribe and its transcripts; the caller checks the status. */
	delete(transcribe: Transcribe): void {
		for (const transcript of this.transcripts) {
			if (transcript.transcribeId === transcribe.id) transcript.deleted = true;
		}
		transcribe.deleteAt ??= this.clock.nowMicros();
	}

	/** What `GET /transcripts` gives: the newest {@link TRANSCRIPT_WINDOW}, newest first. */
	transcriptWindow(transcribe: Transcribe): Transcript[] {
		this.settle(transcribe);
		return this.transcripts
			.filter((t) => t.transcribeId === transcribe.id && !t.deleted)
			.sort((a, b) => b.tmCreate - a.tmCreate)
			.slice(0, TRANSCRIPT_WINDOW);
	}

	/** Every live transcript of a transcribe, in conversation order (for tests). */
	allTranscripts(transcribeId: string): Transcript[] {
		return this.transcripts.filter((t) => t.transcribeId === transcribeId && !t.deleted);
	}

	transcribeJson(transcribe: Transcribe): Record<string, unknown> {
		const done = this.status(transcribe) === 'done';
		// Go writes unset *time.Time without omitempty as null (the spec says string: A.2 wins).
		return {
			id: transcribe.id,
			customer_id: transcribe.customerId,
			activeflow_id: NIL_UUID,
			on_end_flow_id: transcribe.onEndFlowId,
			reference_type: 'recording',
			reference_id: transcribe.recordingId,
			status: done ? 'done' : 'progressing',
			language: transcribe.language,
			direction: transcribe.direction,
			provider: transcribe.provider,
			tm_create: formatGoTime(transcribe.tmCreate),
			tm_update: transcribe.doneAt === null ? null : formatGoTime(transcribe.doneAt),
			tm_delete: transcribe.deleteAt === null ? null : formatGoTime(transcribe.deleteAt),
		};
	}

	transcriptJson(transcript: Transcript): Record<string, unknown> {
		return {
			id: transcript.id,
			customer_id: transcript.customerId,
			transcribe_id: transcript.transcribeId,
			direction: transcript.direction,
			message: transcript.message,
			tm_transcript: formatOffsetTime(transcript.offset),
			tm_create: formatGoTime(transcript.tmCreate),
		};
	}

	/** Distinct creation times even when a manual clock stands still. */
	private nextCreateMicros(): number {
		this.lastCreate = Math.max(this.clock.nowMicros(), this.lastCreate + 1);
		return this.lastCreate;
	}
}
