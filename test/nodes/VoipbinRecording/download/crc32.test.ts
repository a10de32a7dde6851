import { crc32 as zlibCrc32 } from 'node:zlib';

import { crc32 } from '../../../../nodes/VoipbinRecording/download/crc32';
import { randomBytes } from './streams';

describe('crc32', () => {
	it.each([
		['', 0],
		['a', 0xe8b7be43],
		['123456789', 0xcbf43926],
		['The quick brown fox jumps over the lazy dog', 0x414fa339],
	])('matches the known vector for %j', (text, expected) => {
		expect(crc32(Buffer.from(text, 'latin1'))).toBe(expected);
	});

	it('matches zlib for lengths 0 to 70 at eight alignments', () => {
		const data = randomBytes(80, 1);
		for (let start = 0; start < 8; start++) {
			for (let length = 0; length <= 70; length++) {
				const slice = data.subarray(start, start + length);
				expect(crc32(slice)).toBe(zlibCrc32(slice));
			}
		}
	});

	it('continues across pieces like one pass over the whole', () => {
		const data = randomBytes(100_003, 2);
		let crc = 0;
		for (let at = 0; at < data.length; at += 777) crc = crc32(data.subarray(at, at + 777), crc);
		expect(crc).toBe(zlibCrc32(data));
		expect(crc32(data)).toBe(crc);
	});

	it('returns an unsigned value', () => {
		expect(crc32(Buffer.from([0xff, 0xff, 0xff, 0xff]))).toBe(0xffffffff);
	});
});
