import {
	formatVoipbinTime,
	millisToMicros,
	parseUserDate,
	parseVoipbinTime,
} from '../../../../nodes/VoipbinRecording/model/time';

const BASE = Date.UTC(2026, 0, 15, 9, 30, 0) * 1000;

describe('parseVoipbinTime', () => {
	it.each([
		['2026-01-15T09:30:00Z', BASE],
		['2026-01-15T09:30:00.1Z', BASE + 100_000],
		['2026-01-15T09:30:00.1234Z', BASE + 123_400],
		['2026-01-15T09:30:00.123456Z', BASE + 123_456],
		// Go writes up to nine digits; microseconds are what the API pages with.
		['2026-01-15T09:30:00.123456789Z', BASE + 123_456],
		['2026-01-15 09:30:00.000000', BASE],
		['2026-01-15T11:30:00+02:00', BASE],
		['2026-01-15T04:30:00.5-05:00', BASE + 500_000],
	])('reads %s', (text, micros) => {
		expect(parseVoipbinTime(text)).toBe(micros);
	});

	it.each([undefined, null, '', '9999-01-01 00:00:00.000000', '9999-01-01T00:00:00Z'])(
		'treats %p as not set',
		(value) => {
			expect(parseVoipbinTime(value)).toBeNull();
		},
	);

	it.each(['yesterday', '2026-13-45', 42, '2026-01-15T09:30'])('rejects %p', (value) => {
		expect(() => parseVoipbinTime(value)).toThrow(/Not a VoIPBIN time/);
	});

	it('orders times that string comparison gets wrong', () => {
		// As strings "…00.1Z" > "…00.123Z" is false but "…00.2Z" > "…00.123Z" by accident only.
		expect(parseVoipbinTime('2026-01-15T09:30:00.2Z')!).toBeGreaterThan(
			parseVoipbinTime('2026-01-15T09:30:00.123Z')!,
		);
		expect(parseVoipbinTime('2026-01-15T09:30:00Z')!).toBeLessThan(
			parseVoipbinTime('2026-01-15T09:30:00.000001Z')!,
		);
	});
});

describe('formatVoipbinTime', () => {
	it('writes the page-token form with six digits', () => {
		expect(formatVoipbinTime(BASE + 123_456)).toBe('2026-01-15T09:30:00.123456Z');
		expect(formatVoipbinTime(BASE + 1)).toBe('2026-01-15T09:30:00.000001Z');
		expect(formatVoipbinTime(BASE)).toBe('2026-01-15T09:30:00.000000Z');
	});

	it('round-trips with parse', () => {
		for (const micros of [BASE, BASE + 999_999, BASE + 1, 0, 4102444800123456]) {
			expect(parseVoipbinTime(formatVoipbinTime(micros))).toBe(micros);
		}
	});

	it('converts milliseconds', () => {
		expect(millisToMicros(1500)).toBe(1_500_000);
	});
});

describe('parseUserDate', () => {
	it.each([
		['2026-01-15T18:30:00', 'Asia/Tokyo', BASE],
		['2026-01-15T04:30:00', 'America/New_York', BASE],
		['2026-01-15 04:30:00', 'America/New_York', BASE],
		['2026-01-15T09:30:00', 'UTC', BASE],
		['2026-01-15T09:30:00Z', 'Asia/Tokyo', BASE],
		['2026-01-15T10:30:00+01:00', 'America/New_York', BASE],
	])('reads %s in %s', (text, zone, micros) => {
		expect(parseUserDate(text, zone)).toBe(micros);
	});

	it.each(['', 'last tuesday', 42, null])('gives null for %p', (value) => {
		expect(parseUserDate(value, 'Europe/Berlin')).toBeNull();
	});
});
