/**
 * Reads a recording's ZIP front to back as one stream: for the original ZIP (one plain GET, checked
 * as it is stored), and for a storage that ignores `Range`, where mono mix and stereo read the ZIP
 * through two streams (one per direction) since they need both directions at once.
 */
import type { IBinaryData } from 'n8n-workflow';

import {
	assertMixable,
	checkDirections,
	combinedFile,
	combinedHeader,
	directionOf,
	drain,
	withHeader,
} from './audioModel';
import type { AudioFile, AudioIo, AudioResult, Direction, ExtractRequest } from './audioModel';
import { interleaveStereo, mixToMono } from './pcmCombine';
import type { BodyStream } from './storage';
import { teeWithCheck } from './tee';
import { readWav, wavHeader } from './wav';
import type { WavFormat } from './wav';
import type { ZipEntry } from './zipEntryData';
import { readZipEntries } from './zipReader';

/**
 * The ZIP exactly as served, checked while it is stored (so the check overlaps the transfer): the
 * ZIP whole, each WAV valid, the expected directions there. A failed check fails the store, so no
 * file is kept.
 */
export async function storeOriginalZip(io: AudioIo, request: ExtractRequest): Promise<AudioResult> {
	const checked = teeWithCheck(await io.open(), async (copy) => await checkZip(copy, request));
	const binary = await io.store(checked.chunks, `${request.baseName}.zip`, 'application/zip');
	return { files: [{ part: 'zip', binary }], missingDirections: await checked.result };
}

/** The same check as the original ZIP gets, with nothing stored (Transcribe's wait for the files). */
export async function checkOriginalZip(io: AudioIo, request: ExtractRequest): Promise<AudioResult> {
	return { files: [], missingDirections: await checkZip(await io.open(), request) };
}

/** Reads the ZIP through: whole, each WAV's header agreeing with its data, the directions there. */
async function checkZip(
	zip: AsyncIterable<Uint8Array>,
	request: ExtractRequest,
): Promise<Direction[]> {
	const found: Direction[] = [];
	for await (const entry of readZipEntries(zip)) {
		const direction = directionOf(entry.name);
		if (!direction) continue;
		await drain((await readWav(entry.data)).pcm);
		found.push(direction);
	}
	return checkDirections(found, request);
}

/**
 * One WAV per direction from one stream of the ZIP. Each file is stored as its entry streams by,
 * but its stream ends only once the whole ZIP has been read and checked, so a later fault (a
 * corrupt second entry, a missing direction, a cut directory) fails every file and none is kept.
 */
export async function storeSeparateStreamed(
	io: AudioIo,
	request: ExtractRequest,
	body: BodyStream,
): Promise<AudioResult> {
	let settle: { resolve: () => void; reject: (error: unknown) => void } | undefined;
	const zipChecked = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
	zipChecked.catch(() => undefined);
	const stores: Array<{ part: Direction; binary: Promise<IBinaryData> }> = [];
	let missingDirections: Direction[] = [];
	let checked = false;
	try {
		for await (const entry of readZipEntries(body)) {
			const direction = directionOf(entry.name);
			if (!direction || stores.some((s) => s.part === direction)) continue;
			const { format, pcm } = await readWav(entry.data);
			let dataRead: () => void = () => undefined;
			const read = new Promise<void>((resolve) => (dataRead = resolve));
			const binary = io.store(
				withHeader(wavHeader(format, format.dataBytes), pcm, async () => {
					dataRead();
					await zipChecked;
				}),
				`${request.baseName}_${direction}.wav`,
				'audio/wav',
			);
			stores.push({ part: direction, binary });
			// The reader must not move on before this entry's data has been stored (or failed).
			await Promise.race([read, binary.then(() => undefined)]);
		}
		missingDirections = checkDirections(
			stores.map((s) => s.part),
			request,
		);
		settle!.resolve();
		checked = true;
	} finally {
		if (!checked) {
			settle!.reject(new Error('the ZIP failed its checks'));
			await Promise.allSettled(stores.map(async (s) => await s.binary));
		}
	}
	const files: AudioFile[] = [];
	for (const store of stores) files.push({ part: store.part, binary: await store.binary });
	files.sort((a, b) => a.part.localeCompare(b.part));
	return { files, missingDirections };
}

/** One WAV entry found in a ZIP stream, with the rest of the ZIP still to be read. */
interface StreamedWav {
	format: WavFormat;
	pcm: AsyncIterable<Uint8Array>;
	/** Reads the remaining entries and the central directory, which validates the whole ZIP. */
	finish(): Promise<void>;
	/** Stops reading: closes the stream this WAV came from. */
	stop(): void;
}

async function findWav(body: BodyStream, direction: Direction): Promise<StreamedWav | undefined> {
	const entries = readZipEntries(body);
	for (;;) {
		const next = await entries.next();
		if (next.done) return undefined;
		const entry: ZipEntry = next.value;
		if (directionOf(entry.name) !== direction) continue;
		const { format, pcm } = await readWav(entry.data);
		return {
			format,
			pcm,
			finish: async () => {
				for (let rest = await entries.next(); !rest.done; rest = await entries.next()) {
					// Remaining entries are skipped by the reader; reading on checks the ZIP's end.
				}
			},
			stop: () => body.destroy?.(),
		};
	}
}

/**
 * Mono mix or stereo (or a conference's one WAV) from whole streams of the ZIP, one per expected
 * direction; `first` is a stream already open. The directions are checked before anything is stored.
 */
export async function storeCombinedStreamed(
	io: AudioIo,
	request: ExtractRequest,
	first: BodyStream,
): Promise<AudioResult> {
	const streams = [first];
	try {
		for (let i = 1; i < request.expected.length; i++) streams.push(await io.open());
		const sides = await Promise.all(
			request.expected.map(async (direction, i) => await findWav(streams[i], direction)),
		);
		const found = request.expected.filter((_, i) => sides[i]);
		const missingDirections = checkDirections(found, request);
		const present = sides.filter((side): side is StreamedWav => side !== undefined);
		const { part, fileName } = combinedFile(request, found);

		if (present.length === 1) {
			const [only] = present;
			const binary = await io.store(
				withHeader(wavHeader(only.format, only.format.dataBytes), only.pcm, only.finish),
				fileName,
				'audio/wav',
			);
			return { files: [{ part, binary }], missingDirections };
		}

		const [inSide, outSide] = present;
		assertMixable(inSide.format, outSide.format);
		const stereo = request.outputAs === 'stereo';
		const pcm = stereo
			? interleaveStereo(inSide.pcm, outSide.pcm)
			: mixToMono(inSide.pcm, outSide.pcm);
		const binary = await io.store(
			withHeader(
				combinedHeader(inSide.format, outSide.format, stereo),
				pcm,
				async () => await finishEither(inSide, outSide),
			),
			fileName,
			'audio/wav',
		);
		return { files: [{ part, binary }], missingDirections };
	} finally {
		for (const stream of streams) stream.destroy?.();
	}
}

/**
 * Both sides read the same ZIP, so reading one of them to its end checks the whole file (each
 * side's own entry is already checked by its CRC). The side whose entry comes later is nearly at
 * the end; the other would fetch the rest of the ZIP again only to skip it. So the first side to
 * finish settles it and the other stops; if that first one fails, the error stands.
 */
async function finishEither(a: StreamedWav, b: StreamedWav): Promise<void> {
	const finishing = [a, b].map((side) => side.finish().then(() => side));
	// The side that is stopped rejects (its stream is destroyed); that is expected.
	for (const promise of finishing) promise.catch(() => undefined);
	const first = await Promise.race(finishing);
	const other = first === a ? b : a;
	other.stop();
	await finishing[first === a ? 1 : 0].catch(() => undefined);
}
