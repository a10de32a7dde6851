/**
 * Turns the recording's ZIP into the files asked for, streaming all the way (memory does not grow
 * with the recording's length), and checks everything before a file is kept: the expected
 * directions present, the ZIP whole (CRC, sizes, central directory), each WAV's header agreeing
 * with its data. Any failed check throws (ZIP and WAV errors, AudioNotReadyError, or
 * UnsupportedAudioError), and a file whose stream threw is not kept by n8n's store.
 */
import type { AudioIo, AudioResult, ExtractRequest } from './audioModel';
import { RangeNotSupported, readDirectory, storeFromRanges } from './rangedAudio';
import {
	checkOriginalZip,
	storeCombinedStreamed,
	storeOriginalZip,
	storeSeparateStreamed,
} from './streamedAudio';

export async function extractAudio(io: AudioIo, request: ExtractRequest): Promise<AudioResult> {
	// The original ZIP is one plain GET: its bytes are the file, checked as they are stored.
	if (request.outputAs === 'zip') return await storeOriginalZip(io, request);
	if (request.outputAs === 'none') return await checkOriginalZip(io, request);
	const directory = await readDirectory(io);
	if (!(directory instanceof RangeNotSupported)) {
		return await storeFromRanges(io, request, directory);
	}
	// A storage without ranges: the whole ZIP it sent instead is read front to back.
	return request.outputAs === 'separate'
		? await storeSeparateStreamed(io, request, directory.body)
		: await storeCombinedStreamed(io, request, directory.body);
}
