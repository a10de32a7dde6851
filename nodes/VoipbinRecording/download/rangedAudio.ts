/**
 * Reads a recording's ZIP the way its storage allows best: the central directory first (one small
 * ranged request for the end of the file), the expected directions checked from it before any byte
 * is stored, then each needed entry's own byte range — both at once where a mode needs both (mono
 * mix, stereo, separate) — inflated, checked and mixed as the bytes arrive. Every byte of audio
 * crosses the link once and nothing is spooled.
 */
import type { IBinaryData } from 'n8n-workflow';

import {
	AudioNotReadyError,
	assertMixable,
	checkDirections,
	combinedFile,
	combinedHeader,
	directionOf,
	withHeader,
} from './audioModel';
import type { AudioFile, AudioIo, AudioResult, Direction, ExtractRequest } from './audioModel';
import { interleaveStereo, mixToMono } from './pcmCombine';
import type { BodyStream, RangeResponse } from './storage';
import { readWav, wavHeader } from './wav';
import type { WavFormat } from './wav';
import {
	DIRECTORY_TAIL_BYTES,
	locateCentralDirectory,
	parseCentralDirectory,
} from './zipCentralDirectory';
import type { CentralDirectory } from './zipCentralDirectory';
import { listedEntryData } from './zipEntryData';
import type { EntryRecord } from './zipEntryData';
import { ZipFormatError } from './zipFormat';

/** A directory longer than this is not a recording's: refused rather than buffered. */
const MAX_DIRECTORY_BYTES = 1024 * 1024;

/** The storage ignored `Range`: the whole ZIP is on its way in `body`, for the streamed path. */
export class RangeNotSupported {
	constructor(readonly body: BodyStream) {}
}

/** The ZIP's central directory, read from its end; or what the storage sent instead of a range. */
export async function readDirectory(io: AudioIo): Promise<CentralDirectory | RangeNotSupported> {
	const tail = await io.openRange({ suffix: DIRECTORY_TAIL_BYTES });
	if (tail.kind === 'whole') return new RangeNotSupported(tail.body);
	if (tail.kind === 'empty') throw new AudioNotReadyError('the recording file is empty');
	let bytes = await collect(tail.body);
	let from = tail.start;
	const start = locateCentralDirectory(bytes, from, tail.size);
	if (start > tail.size || tail.size - start > MAX_DIRECTORY_BYTES) {
		throw new ZipFormatError('bad-central-directory', `the directory cannot start at ${start}`);
	}
	if (start < from) {
		const more = await io.openRange({ start, end: from - 1 });
		bytes = Buffer.concat([await collect(partOf(more)), bytes]);
		from = start;
	}
	return await parseCentralDirectory(bytes.subarray(start - from), start);
}

/** The WAV entries of the expected directions, checked to be there and to lie before the directory. */
function wavEntries(
	directory: CentralDirectory,
	request: ExtractRequest,
): { found: Map<Direction, { record: EntryRecord; end: number }>; missing: Direction[] } {
	const sorted = [...directory.entries].sort((a, b) => a.offset - b.offset);
	const found = new Map<Direction, { record: EntryRecord; end: number }>();
	sorted.forEach((record, i) => {
		const direction = directionOf(record.name);
		if (!direction || !request.expected.includes(direction) || found.has(direction)) return;
		// The entry's range: its local header up to the next record (its descriptor included).
		const end = (i + 1 < sorted.length ? sorted[i + 1].offset : directory.start) - 1;
		if (end - record.offset < 30 + record.sizes.compressed) {
			throw new ZipFormatError(
				'bad-central-directory',
				`${record.name} does not fit where the central directory puts it`,
			);
		}
		found.set(direction, { record, end });
	});
	const missing = checkDirections([...found.keys()], request);
	return { found, missing };
}

/** One direction's WAV, its header read and its PCM still to come from its byte range. */
interface OpenWav {
	direction: Direction;
	format: WavFormat;
	pcm: AsyncIterable<Uint8Array>;
	/** Closes its byte range unread (its PCM generator may never have started). */
	stop(): void;
}

async function openWav(
	io: AudioIo,
	direction: Direction,
	entry: { record: EntryRecord; end: number },
): Promise<OpenWav> {
	const body = partOf(await io.openRange({ start: entry.record.offset, end: entry.end }));
	const stop = () => body.destroy?.();
	let opened = false;
	try {
		const { format, pcm } = await readWav(listedEntryData(body, entry.record));
		opened = true;
		return { direction, format, pcm, stop };
	} finally {
		if (!opened) stop();
	}
}

/** Mono mix, stereo or separate WAVs from the entries' byte ranges. */
export async function storeFromRanges(
	io: AudioIo,
	request: ExtractRequest,
	directory: CentralDirectory,
): Promise<AudioResult> {
	const { found, missing } = wavEntries(directory, request);
	const directions = request.expected.filter((d) => found.has(d));
	const opening = directions.map(
		async (direction) => await openWav(io, direction, found.get(direction)!),
	);
	const wavs = await Promise.allSettled(opening);
	const failed = wavs.find((w): w is PromiseRejectedResult => w.status === 'rejected');
	const open = wavs.flatMap((w) => (w.status === 'fulfilled' ? [w.value] : []));
	if (failed) {
		for (const wav of open) wav.stop();
		throw failed.reason;
	}
	if (request.outputAs === 'separate') {
		return { files: await storeAllOrNone(io, request, open), missingDirections: missing };
	}
	const { part, fileName } = combinedFile(request, directions);
	if (open.length === 1) {
		const [only] = open;
		const binary = await io.store(
			withHeader(wavHeader(only.format, only.format.dataBytes), only.pcm),
			fileName,
			'audio/wav',
		);
		return { files: [{ part, binary }], missingDirections: missing };
	}
	const [inSide, outSide] = open;
	let mixable = false;
	try {
		assertMixable(inSide.format, outSide.format);
		mixable = true;
	} finally {
		if (!mixable) for (const wav of open) wav.stop();
	}
	const stereo = request.outputAs === 'stereo';
	const pcm = stereo
		? interleaveStereo(inSide.pcm, outSide.pcm)
		: mixToMono(inSide.pcm, outSide.pcm);
	const header = combinedHeader(inSide.format, outSide.format, stereo);
	const binary = await io.store(withHeader(header, pcm), fileName, 'audio/wav');
	return { files: [{ part, binary }], missingDirections: missing };
}

/**
 * Stores one WAV per direction at once. Each file's stream ends only after every file was read
 * whole and checked, so when one fails, all fail and n8n keeps none of them.
 */
async function storeAllOrNone(
	io: AudioIo,
	request: ExtractRequest,
	wavs: OpenWav[],
): Promise<AudioFile[]> {
	let settle: { resolve: () => void; reject: (error: unknown) => void } | undefined;
	const allChecked = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
	allChecked.catch(() => undefined);
	let checked = 0;
	const stores = wavs.map(async (wav) => {
		const finish = async () => {
			if (++checked === wavs.length) settle!.resolve();
			await allChecked;
		};
		const stored = io.store(
			withHeader(wavHeader(wav.format, wav.format.dataBytes), wav.pcm, finish),
			`${request.baseName}_${wav.direction}.wav`,
			'audio/wav',
		);
		stored.catch((error: unknown) => settle!.reject(error));
		return await stored;
	});
	const results = await Promise.allSettled(stores);
	const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
	if (failed) throw failed.reason;
	return wavs
		.map((wav, i) => ({
			part: wav.direction,
			binary: (results[i] as PromiseFulfilledResult<IBinaryData>).value,
		}))
		.sort((a, b) => a.part.localeCompare(b.part));
}

function partOf(response: RangeResponse): BodyStream {
	if (response.kind !== 'part') {
		throw new Error('the storage host stopped answering range requests with parts of the file');
	}
	return response.body;
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
	const parts: Buffer[] = [];
	for await (const chunk of source) parts.push(Buffer.from(chunk));
	return Buffer.concat(parts);
}
