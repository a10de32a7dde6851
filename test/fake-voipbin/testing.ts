/** Shared helpers for the fake's own tests: spec validation, requests, and a small ZIP reader. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';

import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

import {
	startFakeVoipbin,
	type FakeAccount,
	type FakeVoipbin,
	type FakeVoipbinOptions,
} from './index';

export const START = Date.UTC(2026, 0, 15, 9, 30, 0);

const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
/** VoIPBIN's own schemas, kept in the repository (see openapi/README.md). */
const SPEC = join(__dirname, 'openapi/schemas.json');
ajv.addSchema(JSON.parse(readFileSync(SPEC, 'utf8')), 'spec');

const validators = new Map<string, ValidateFunction>();

/** Validates `value` against `#/components/schemas/<name>` of the OpenAPI spec; returns errors. */
export function specErrors(name: string, value: unknown): string {
	let validate = validators.get(name);
	if (!validate)
		validators.set(name, (validate = ajv.compile({ $ref: `spec#/components/schemas/${name}` })));
	return validate(value) ? '' : ajv.errorsText(validate.errors);
}

export interface Setup {
	fake: FakeVoipbin;
	account: FakeAccount;
	/** fetch against the API with the account's access key in the query. */
	get(path: string, init?: RequestInit & { query?: Record<string, string> }): Promise<Response>;
	post(path: string, body?: unknown): Promise<Response>;
}

export async function setup(options: FakeVoipbinOptions = {}): Promise<Setup> {
	const fake = await startFakeVoipbin({ clock: 'manual', startTime: START, ...options });
	const account = fake.createAccount();
	const get: Setup['get'] = (path, init = {}) => {
		const url = new URL(`${fake.baseUrl}${path}`);
		url.searchParams.set('accesskey', account.accessKey);
		for (const [key, value] of Object.entries(init.query ?? {})) url.searchParams.set(key, value);
		return fetch(url, { redirect: 'manual', ...init });
	};
	const post: Setup['post'] = (path, body) =>
		get(path, { method: 'POST', body: body === undefined ? undefined : JSON.stringify(body) });
	return { fake, account, get, post };
}

export interface ZipEntry {
	name: string;
	flags: number;
	data: Buffer;
}

/** Reads a whole ZIP through its central directory (no zip64, no comment: all the fake writes). */
export function readZip(zip: Buffer): ZipEntry[] {
	const end = zip.length - 22;
	if (end < 0 || zip.readUInt32LE(end) !== 0x06054b50) throw new Error('No ZIP end record');
	const count = zip.readUInt16LE(end + 10);
	let at = zip.readUInt32LE(end + 16);
	const entries: ZipEntry[] = [];
	for (let i = 0; i < count; i++) {
		if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error('Bad central directory');
		const flags = zip.readUInt16LE(at + 8);
		const compressed = zip.readUInt32LE(at + 20);
		const nameLength = zip.readUInt16LE(at + 28);
		const skip = zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
		const offset = zip.readUInt32LE(at + 42);
		const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
		const dataStart = offset + 30 + zip.readUInt16LE(offset + 26) + zip.readUInt16LE(offset + 28);
		entries.push({
			name,
			flags,
			data: inflateRawSync(zip.subarray(dataStart, dataStart + compressed)),
		});
		at += 46 + nameLength + skip;
	}
	return entries;
}

/** Follows `/recordingfiles/{id}` by hand, without credentials, and returns the storage response. */
export async function download(s: Setup, recordingId: string): Promise<Response> {
	const redirect = await s.get(`/v1.0/recordingfiles/${recordingId}`);
	if (redirect.status !== 307) throw new Error(`Expected 307, got ${redirect.status}`);
	return fetch(redirect.headers.get('location') as string);
}

export async function zipOf(s: Setup, recordingId: string): Promise<ZipEntry[]> {
	const response = await download(s, recordingId);
	return readZip(Buffer.from(await response.arrayBuffer()));
}
