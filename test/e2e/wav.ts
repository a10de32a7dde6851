/** Checks a downloaded WAV against the recording it came from. */
import type { FakeProcess } from '../fake-voipbin/process';
import type { Checks } from './checks';

interface WavFacts {
	error?: string;
	riffSize?: number;
	fileBytes?: number;
	audioFormat?: number;
	channels?: number;
	sampleRate?: number;
	bitsPerSample?: number;
	dataBytes?: number;
	dataAvailable?: number;
}

/** RIFF/WAVE header facts, or {error}. */
export function parseWav(buf: Buffer): WavFacts {
	if (buf.length < 44) return { error: `only ${buf.length} bytes` };
	if (buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
		return { error: `no RIFF/WAVE header (${JSON.stringify(buf.toString('latin1', 0, 12))})` };
	}
	const wav: WavFacts = { riffSize: buf.readUInt32LE(4), fileBytes: buf.length };
	let offset = 12;
	while (offset + 8 <= buf.length) {
		const id = buf.toString('ascii', offset, offset + 4);
		const size = buf.readUInt32LE(offset + 4);
		if (id === 'fmt ') {
			wav.audioFormat = buf.readUInt16LE(offset + 8);
			wav.channels = buf.readUInt16LE(offset + 10);
			wav.sampleRate = buf.readUInt32LE(offset + 12);
			wav.bitsPerSample = buf.readUInt16LE(offset + 22);
		} else if (id === 'data') {
			wav.dataBytes = size;
			wav.dataAvailable = buf.length - offset - 8;
			break;
		}
		offset += 8 + size + (size % 2);
	}
	return wav;
}

/** "2026-01-15T09:30:00.1234Z" → µs since the epoch (any number of fraction digits). */
function micros(text: unknown): number {
	const m = /^(.*?:\d\d)(?:\.(\d+))?Z$/.exec(String(text ?? ''));
	if (!m) return NaN;
	return Date.parse(`${m[1]}Z`) * 1000 + Number((m[2] ?? '').padEnd(6, '0').slice(0, 6));
}

/** Checks WAV bytes against a recording: PCM, 8 kHz, 16-bit, data length = duration. */
export async function checkWav(
	checks: Checks,
	label: string,
	wavBytes: Buffer | undefined,
	fake: FakeProcess,
	recordingId: string,
	{ channels = 1 } = {},
): Promise<void> {
	if (!checks.check(`${label}: WAV file read back from n8n`, wavBytes?.length)) return;
	const wav = parseWav(wavBytes!);
	if (!checks.check(`${label}: RIFF/WAVE header`, !wav.error, wav.error ?? '')) return;
	checks.check(
		`${label}: PCM 8 kHz 16-bit, ${channels} channel(s)`,
		wav.audioFormat === 1 &&
			wav.sampleRate === 8000 &&
			wav.bitsPerSample === 16 &&
			wav.channels === channels,
		`format ${wav.audioFormat}, ${wav.sampleRate} Hz, ${wav.bitsPerSample}-bit, ${wav.channels} ch`,
	);
	const rec = await fake.control<{ tm_start: string; tm_end: string }>(
		`/recordings/${recordingId}`,
	);
	const seconds = (micros(rec.tm_end) - micros(rec.tm_start)) / 1e6;
	const expected = 2 * channels * Math.round(seconds * 8000);
	checks.check(
		`${label}: data length matches the recording's duration`,
		wav.dataBytes === expected &&
			wav.dataAvailable === wav.dataBytes &&
			wav.riffSize === wav.fileBytes! - 8,
		`${wav.dataBytes} data bytes (${wav.dataAvailable} present) for ${seconds} s, expected ${expected}`,
	);
}
