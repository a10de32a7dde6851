import { DateTime } from 'luxon';

/**
 * VoIPBIN times.
 *
 * The live server writes RFC 3339 UTC with 0 to 9 fractional digits (Go's encoder drops trailing
 * zeros); the docs show six digits; older records use `9999-01-01 00:00:00.000000` or `""` for
 * "not yet". Pagination tokens and ordering need microseconds, which `Date` cannot hold, so times
 * are compared as whole microseconds since the epoch (a JS number holds them exactly until 2255).
 */

const TIME_PATTERN =
	/^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/;

/** Years at or after this mean "not set" (the seed's `9999-01-01` sentinel). */
const SENTINEL_YEAR = 9999;

/**
 * Parses a VoIPBIN time into microseconds since the epoch, or `null` when the value means
 * "not set" (absent, empty, or the 9999 sentinel). Throws on text that is not a time at all.
 */
export function parseVoipbinTime(value: unknown): number | null {
	if (value === undefined || value === null || value === '') return null;
	if (typeof value !== 'string') throw new Error(`Not a VoIPBIN time: ${JSON.stringify(value)}`);
	const match = TIME_PATTERN.exec(value.trim());
	if (!match) throw new Error(`Not a VoIPBIN time: ${JSON.stringify(value)}`);
	const [, year, month, day, hour, minute, second, fraction = '', zone = 'Z'] = match;
	if (Number(year) >= SENTINEL_YEAR) return null;
	const wholeMs = Date.UTC(
		Number(year),
		Number(month) - 1,
		Number(day),
		Number(hour),
		Number(minute),
		Number(second),
	);
	if (Number.isNaN(wholeMs)) throw new Error(`Not a VoIPBIN time: ${JSON.stringify(value)}`);
	const micros = Number(fraction.padEnd(6, '0').slice(0, 6));
	return (wholeMs - zoneOffsetMinutes(zone) * 60_000) * 1000 + micros;
}

function zoneOffsetMinutes(zone: string): number {
	if (zone === 'Z') return 0;
	const sign = zone.startsWith('-') ? -1 : 1;
	const digits = zone.slice(1).replace(':', '');
	return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4)));
}

/** Formats microseconds since the epoch as `2026-01-15T09:30:00.123456Z`, the form the API pages with. */
export function formatVoipbinTime(micros: number): string {
	const ms = Math.floor(micros / 1000);
	const fraction = String(micros - ms * 1000).padStart(3, '0');
	return new Date(ms).toISOString().replace('Z', `${fraction}Z`);
}

/** Converts a JS millisecond timestamp (e.g. `Date.now()`) into microseconds. */
export function millisToMicros(ms: number): number {
	return Math.round(ms) * 1000;
}

/**
 * Reads a date the user typed or picked (a `dateTime` parameter, an expression's result) into
 * microseconds since the epoch, or `null` when it is not a date. A date without a zone or offset
 * is read in `timeZone` (the workflow's, from `getTimezone()`), as n8n's date picker means it;
 * one with an offset or `Z` keeps it. Both the Get Many filters and the trigger's "Since" use it,
 * so the same text means the same instant in both.
 */
export function parseUserDate(value: unknown, timeZone: string): number | null {
	if (value instanceof Date)
		return Number.isNaN(value.getTime()) ? null : millisToMicros(value.getTime());
	if (typeof value !== 'string' || value.trim() === '') return null;
	const text = value.trim();
	const options = { zone: timeZone, setZone: true };
	let parsed = DateTime.fromISO(text, options);
	if (!parsed.isValid) parsed = DateTime.fromSQL(text, options);
	return parsed.isValid ? millisToMicros(parsed.toMillis()) : null;
}
