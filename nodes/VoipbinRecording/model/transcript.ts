import type { IDataObject } from 'n8n-workflow';

/** `GET /transcripts` returns at most this many sentences (the newest), whatever the paging says. */
export const TRANSCRIPT_WINDOW = 100;

/** The names shown before each sentence in the text; a conference recording has only `in`. */
export interface SpeakerLabels {
	in: string;
	out: string;
}

export interface TranscriptSegment extends IDataObject {
	direction: string;
	speaker: string;
	/** Where the sentence starts in the recording, in seconds. */
	startSeconds: number | null;
	text: string;
}

/** One item of Transcribe or Get Transcript. */
export interface TranscriptOutput extends IDataObject {
	recordingId: string | null;
	transcribeId: string;
	language: string | null;
	/** One line per sentence, in conversation order: `<speaker>: <sentence>`. */
	text: string;
	segments: TranscriptSegment[];
	/** True when VoIPBIN's window of the newest sentences was full: the start may be missing. */
	truncated: boolean;
	/** What the user should know about this transcript (a cut start, a replaced language). */
	warnings: string[];
	transcribe: IDataObject;
}

const OFFSET_TIME =
	/^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:Z|[+-]00:?00)?$/;
const DAY_MS = 86_400_000;

function dayNumber(year: number, month: number, day: number): number {
	// Date.UTC maps years 0-99 to 1900-1999, so the year is set on its own.
	const date = new Date(0);
	date.setUTCFullYear(year, month - 1, day);
	return Math.round(date.getTime() / DAY_MS);
}
const EPOCH_DAY = dayNumber(1, 1, 1);

/**
 * Where a sentence starts, in seconds. VoIPBIN writes it as `tm_transcript`: the offset into the
 * audio added to `0001-01-01T00:00:00Z` (not a wall-clock time). Other server versions send
 * `offset_ms` (a number of milliseconds, or such a time). Null when neither can be read.
 */
export function sentenceStartSeconds(transcript: IDataObject): number | null {
	const offsetMs = transcript.offset_ms;
	if (typeof offsetMs === 'number' && Number.isFinite(offsetMs)) return offsetMs / 1000;
	if (typeof offsetMs === 'string' && /^\d+(\.\d+)?$/.test(offsetMs.trim())) {
		return Number(offsetMs) / 1000;
	}
	const time = transcript.tm_transcript ?? offsetMs;
	const match = typeof time === 'string' ? OFFSET_TIME.exec(time.trim()) : null;
	if (!match) return null;
	const [, year, month, day, hour, minute, second, fraction = ''] = match;
	const days = dayNumber(Number(year), Number(month), Number(day)) - EPOCH_DAY;
	return (
		days * 86_400 +
		Number(hour) * 3600 +
		Number(minute) * 60 +
		Number(second) +
		Number(`0.${fraction || '0'}`)
	);
}

/**
 * The transcript in conversation order. The server answers newest first, so sentences are sorted
 * by where they start in the audio (ties: `in` before `out`, then creation order); sentences
 * whose start cannot be read keep the server's creation order at the end.
 */
export function buildTranscript(
	transcribe: IDataObject,
	transcripts: IDataObject[],
	labels: SpeakerLabels,
): TranscriptOutput {
	const byCreation = [...transcripts].reverse();
	const sentences = byCreation
		.map((raw, created) => ({ raw, created, start: sentenceStartSeconds(raw) }))
		.sort(
			(a, b) =>
				(a.start ?? Infinity) - (b.start ?? Infinity) ||
				String(a.raw.direction).localeCompare(String(b.raw.direction)) ||
				a.created - b.created,
		);
	const segments = sentences.map(({ raw, start }): TranscriptSegment => {
		const direction = String(raw.direction ?? '');
		return {
			direction,
			speaker: direction === 'in' || direction === 'out' ? labels[direction] : direction,
			startSeconds: start === null ? null : Math.round(start * 1000) / 1000,
			text: String(raw.message ?? '').trim(),
		};
	});
	const truncated = transcripts.length >= TRANSCRIPT_WINDOW;
	const warnings: string[] = [];
	if (truncated) {
		warnings.push(
			`VoIPBIN returns only the newest ${TRANSCRIPT_WINDOW} sentences of a transcript, so the start of this conversation may be missing` +
				(segments[0]?.startSeconds
					? ` (the text here begins ${segments[0].startSeconds} s in).`
					: '.'),
		);
	}
	return {
		recordingId: typeof transcribe.reference_id === 'string' ? transcribe.reference_id : null,
		transcribeId: String(transcribe.id),
		language: typeof transcribe.language === 'string' ? transcribe.language : null,
		text: segments.map((segment) => `${segment.speaker}: ${segment.text}`).join('\n'),
		segments,
		truncated,
		warnings,
		transcribe,
	};
}
