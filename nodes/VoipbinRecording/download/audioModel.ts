/**
 * What a download is asked for and what it gives back, and the checks every way of reading the
 * recording's ZIP shares: which directions must be there, whether two WAVs can be combined, and
 * the WAV file a result is written as.
 */
import type { IBinaryData } from 'n8n-workflow';

import type { BodyStream, ByteRange, RangeResponse } from './storage';
import { wavHeader } from './wav';
import type { WavFormat } from './wav';

/** How the user wants the audio. */
export type AudioOutput = 'monoMix' | 'stereo' | 'separate' | 'zip';
/** One of the user's forms, or `none`: the ZIP checked whole and nothing kept. */
export type AudioRequest = AudioOutput | 'none';

/** A call has two directions (`_in` and `_out` WAVs); a conference has one (`_in`). */
export type Direction = 'in' | 'out';

/** The files are not (all) there yet, or not whole: worth asking again later. */
export class AudioNotReadyError extends Error {
	constructor(
		message: string,
		readonly missingDirections: Direction[] = [],
	) {
		super(message);
	}
}

/** The files are there but cannot be turned into what was asked; waiting will not help. */
export class UnsupportedAudioError extends Error {}

export interface AudioFile {
	/** Which part of the recording the file holds. */
	part: Direction | 'mix' | 'stereo' | 'zip';
	binary: IBinaryData;
}

export interface AudioResult {
	files: AudioFile[];
	/** Directions of a call the ZIP lacked (only with `allowMissingDirection`). */
	missingDirections: Direction[];
}

/** What extraction needs from the outside world, so it can be tested without n8n. */
export interface AudioIo {
	/** A plain GET of the recording's ZIP (the signed URL may be read more than once). */
	open(): Promise<BodyStream>;
	/** A GET of part of the ZIP; a storage that ignores `Range` answers with the whole of it. */
	openRange(range: ByteRange): Promise<RangeResponse>;
	/** Stores a file as n8n binary data; a stream that throws leaves no file behind. */
	store(
		chunks: AsyncIterable<Uint8Array>,
		fileName: string,
		mimeType: string,
	): Promise<IBinaryData>;
}

export interface ExtractRequest {
	outputAs: AudioRequest;
	/** Directions the recording should have: both for a call, `in` for a conference. */
	expected: Direction[];
	/** Accept a call whose ZIP holds one direction only, reporting the other as missing. */
	allowMissingDirection: boolean;
	/** File name without extension, e.g. `recording_20260115T093000Z_<id>`. */
	baseName: string;
}

export function directionOf(entryName: string): Direction | undefined {
	const match = /_(in|out)\.wav$/i.exec(entryName);
	return match ? (match[1].toLowerCase() as Direction) : undefined;
}

/** Checks the directions found against the ones expected; returns the missing ones it may accept. */
export function checkDirections(found: Direction[], request: ExtractRequest): Direction[] {
	if (found.length === 0) {
		throw new AudioNotReadyError('the recording file holds no audio yet', request.expected);
	}
	const missing = request.expected.filter((d) => !found.includes(d));
	if (missing.length && !request.allowMissingDirection) {
		throw new AudioNotReadyError(
			`the recording file lacks the ${missing.map((d) => `"${d}"`).join(' and ')} direction of the call`,
			missing,
		);
	}
	return missing;
}

export function assertMixable(a: WavFormat, b: WavFormat): void {
	const ok =
		a.audioFormat === 1 &&
		b.audioFormat === 1 &&
		a.bitsPerSample === 16 &&
		b.bitsPerSample === 16 &&
		a.channels === 1 &&
		b.channels === 1 &&
		a.sampleRate === b.sampleRate;
	if (!ok) {
		throw new UnsupportedAudioError(
			`the two directions cannot be combined (in: ${describe(a)}, out: ${describe(b)}); choose "Separate WAV Files" or "Original ZIP"`,
		);
	}
}

function describe(format: WavFormat): string {
	return `${format.channels} channel(s), ${format.sampleRate} Hz, ${format.bitsPerSample}-bit`;
}

/** The header of the WAV that mono mix or stereo makes of two directions. */
export function combinedHeader(
	inFormat: WavFormat,
	outFormat: WavFormat,
	stereo: boolean,
): Uint8Array {
	const dataBytes = Math.max(inFormat.dataBytes, outFormat.dataBytes) * (stereo ? 2 : 1);
	return wavHeader({ ...inFormat, channels: stereo ? 2 : 1 }, dataBytes);
}

/** The file name and part of a combined (or single-WAV) result. */
export function combinedFile(
	request: ExtractRequest,
	found: Direction[],
): { part: AudioFile['part']; fileName: string } {
	if (found.length === 1) return { part: found[0], fileName: `${request.baseName}.wav` };
	const stereo = request.outputAs === 'stereo';
	return {
		part: stereo ? 'stereo' : 'mix',
		fileName: `${request.baseName}${stereo ? '_stereo' : ''}.wav`,
	};
}

/** A WAV file's bytes: the header, then the PCM, then an optional last check before the end. */
export async function* withHeader(
	header: Uint8Array,
	pcm: AsyncIterable<Uint8Array>,
	finish?: () => Promise<void>,
): AsyncGenerator<Uint8Array> {
	yield header;
	yield* pcm;
	if (finish) await finish();
}

/** Reads to the end, which runs the checks. */
export async function drain(chunks: AsyncIterable<Uint8Array>): Promise<void> {
	const iterator = chunks[Symbol.asyncIterator]();
	while (!(await iterator.next()).done);
}
