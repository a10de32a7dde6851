/** What the ZIP modules share: the error they throw, record signatures, flags, zip64 fields. */

export type ZipProblem =
	| 'truncated'
	| 'bad-signature'
	| 'crc-mismatch'
	| 'size-mismatch'
	| 'unsupported'
	| 'bad-central-directory';

export class ZipFormatError extends Error {
	readonly problem: ZipProblem;

	constructor(problem: ZipProblem, message: string) {
		super(`Invalid ZIP (${problem}): ${message}`);
		this.name = 'ZipFormatError';
		this.problem = problem;
	}
}

export const SIG_LOCAL = 0x04034b50;
export const SIG_CENTRAL = 0x02014b50;
export const SIG_DESCRIPTOR = 0x08074b50;
export const SIG_END = 0x06054b50;
export const SIG_ZIP64_END = 0x06064b50;
export const SIG_ZIP64_LOCATOR = 0x07064b50;
export const UINT16_MAX = 0xffff;
export const UINT32_MAX = 0xffffffff;
export const FLAG_ENCRYPTED = 0x1;
export const FLAG_DESCRIPTOR = 0x8;
export const FLAG_STRONG_ENCRYPTION = 0x40;
export const FLAG_UTF8 = 0x800;

export function truncated(what: string): never {
	throw new ZipFormatError('truncated', `the file ends inside ${what}`);
}

export function readUInt64(b: Buffer, offset: number): number {
	return b.readUInt32LE(offset) + b.readUInt32LE(offset + 4) * 0x100000000;
}

/**
 * Reads the zip64 extended-information extra field: it holds, in this order, exactly those of the
 * 32-bit fields that are set to their maximum (`next(value)` returns the field's true value).
 */
export function zip64Extra(
	extra: Buffer,
	problem: ZipProblem,
	...fields: number[]
): { next(value: number): number } {
	let at = -1;
	for (let i = 0; i + 4 <= extra.length; i += 4 + extra.readUInt16LE(i + 2)) {
		if (extra.readUInt16LE(i) === 0x0001) at = i + 4;
	}
	const needed = fields.filter((value) => value === UINT32_MAX).length;
	if (needed > 0 && (at < 0 || at + 8 * needed > extra.length)) {
		throw new ZipFormatError(problem, 'a zip64 size is missing its extra field');
	}
	return {
		next(value: number) {
			if (value !== UINT32_MAX) return value;
			const wide = readUInt64(extra, at);
			at += 8;
			return wide;
		},
	};
}
