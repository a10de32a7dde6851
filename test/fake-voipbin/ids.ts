import { randomBytes, randomUUID } from 'node:crypto';

export const NIL_UUID = '00000000-0000-0000-0000-000000000000';

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Crockford base32, as in ULIDs: the real request ids look like `req_` + a ULID. */
const BASE32 = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function newUuid(): string {
	return randomUUID();
}

export function isUuid(value: string): boolean {
	return UUID_PATTERN.test(value);
}

/** `req_` + 26 base32 characters: 10 for the millisecond time, 16 random. */
export function newRequestId(): string {
	let time = Date.now();
	let timePart = '';
	for (let i = 0; i < 10; i++) {
		timePart = BASE32[time % 32] + timePart;
		time = Math.floor(time / 32);
	}
	const random = randomBytes(16);
	let randomPart = '';
	for (const byte of random) randomPart += BASE32[byte % 32];
	return `req_${timePart}${randomPart}`;
}

export function randomToken(bytes: number): string {
	return randomBytes(bytes).toString('base64url');
}
