/**
 * The "Google Cloud Storage" side: `/recordingfiles/{id}` builds a ZIP object for the files
 * registered at that moment (once per set of files, then kept, as the real storage manager caches
 * it) and hands out a signed URL to it; the storage host checks the signature and expiry and serves
 * the stored object as GCS does, `Range` included (206 with `Content-Range`, 416 when unsatisfiable),
 * optionally at a limited rate to imitate a real link. Objects live in a temporary folder, so a
 * recording is never held in memory.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';

import { wavFileChunks } from './audio';
import type { FakeClock } from './clock';
import type { Faults, StorageContentFault, StorageDeliveryFault } from './faults';
import { Exchange, sleep } from './http';
import { randomToken } from './ids';
import type { Direction, World } from './world';
import { zipStream, type ZipSourceEntry } from './zip-writer';

const BUCKET = 'voipbin-fake-bucket';
const EXPIRES_SECONDS = 86400;
const READ_CHUNK = 64 * 1024;
/** How many unused bytes of the link a sender may catch up on: two chunks. */
const BURST_BYTES = 2 * READ_CHUNK;

interface StoredZip {
	/** Where the object's bytes are, once built. */
	file: string;
	size: number;
}

function googDate(ms: number): string {
	return new Date(ms).toISOString().replace(/[-:]|\.\d+/g, '');
}

function parseGoogDate(text: string): number | null {
	const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
	if (!match) return null;
	const [, y, mo, d, h, mi, s] = match.map(Number);
	return Date.UTC(y, mo - 1, d, h, mi, s);
}

/** Waits until the client takes more data, or goes away. */
function drainOrClose(res: ServerResponse): Promise<void> {
	return new Promise((resolve) => {
		const done = () => {
			res.off('drain', done);
			res.off('close', done);
			resolve();
		};
		res.on('drain', done);
		res.on('close', done);
	});
}

function xmlError(code: string, message: string, details?: string): string {
	const detail = details ? `<Details>${details}</Details>` : '';
	return `<?xml version='1.0' encoding='UTF-8'?><Error><Code>${code}</Code><Message>${message}</Message>${detail}</Error>`;
}

/**
 * A link's bandwidth, shared by all responses at once: a token bucket. Bytes sent cost tokens, which
 * come back at the link's rate and are saved up to BURST_BYTES, so a sender that is a little late
 * (a timer, a disk read) catches up instead of losing that time, while an idle link saves up too
 * little to send a file faster than its rate.
 */
class Pacer {
	private tokens = 0;

	private at = performance.now();

	async take(bytes: number, bytesPerSecond: number): Promise<void> {
		if (bytesPerSecond <= 0) return;
		const now = performance.now();
		const refill = ((now - this.at) / 1000) * bytesPerSecond;
		this.tokens = Math.min(BURST_BYTES, this.tokens + refill) - bytes;
		this.at = now;
		if (this.tokens < 0) await sleep((-this.tokens / bytesPerSecond) * 1000);
	}
}

/** A single `bytes=` range as GCS reads it; undefined: no usable Range header (serve it all). */
function parseRange(
	header: string | undefined,
	size: number,
): { start: number; end: number } | 'unsatisfiable' | undefined {
	const match = header && /^bytes=(\d*)-(\d*)$/.exec(header.trim());
	if (!match || (match[1] === '' && match[2] === '')) return undefined;
	if (match[1] === '') {
		const suffix = Number(match[2]);
		if (suffix === 0 || size === 0) return 'unsatisfiable';
		return { start: Math.max(0, size - suffix), end: size - 1 };
	}
	const start = Number(match[1]);
	const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
	if (match[2] !== '' && Number(match[2]) < start) return undefined;
	return start >= size ? 'unsatisfiable' : { start, end };
}

export class Storage {
	private readonly secret = randomToken(32);
	/** ZIP objects by object path; like the real cache, keyed by the hash of the file ids. */
	private readonly objects = new Map<string, Promise<StoredZip>>();
	private readonly folder = mkdtempSync(join(tmpdir(), 'fake-voipbin-storage-'));
	private readonly pacer = new Pacer();

	constructor(
		private readonly world: World,
		private readonly clock: FakeClock,
		private readonly faults: Faults,
		private readonly zipLevel: number,
		readonly origin: () => string,
	) {}

	/**
	 * Builds the ZIP for what is registered now (unless built before) and signs a URL to it. Like the
	 * real server, the redirect is answered only once the object is there.
	 */
	async signedUrlFor(recordingId: string): Promise<string> {
		const recording = this.world.getRecording(recordingId);
		const files = this.world.registeredFiles(recording);
		const fault = this.faults.takeStorageContentFault();
		const hash = createHash('sha256')
			.update(files.map((file) => file.fileId).join(','))
			.update(fault ? JSON.stringify(fault) : '')
			.digest('hex')
			.slice(0, 32);
		const path = `/${BUCKET}/tmp/${hash}.zip`;
		if (!this.objects.has(path)) {
			const entries =
				files.length > 0
					? this.entries(
							recordingId,
							files.map((f) => f.direction),
							fault,
						)
					: [];
			const built = this.build(hash, entries);
			this.objects.set(path, built);
			built.catch(() => this.objects.delete(path));
		}
		await this.objects.get(path);
		const date = googDate(this.clock.now());
		const query = new URLSearchParams({
			'X-Goog-Algorithm': 'GOOG4-HMAC-SHA256',
			'X-Goog-Credential': 'fake-voipbin/auto/storage/goog4_request',
			'X-Goog-Date': date,
			'X-Goog-Expires': String(EXPIRES_SECONDS),
			'X-Goog-SignedHeaders': 'host',
			'X-Goog-Signature': this.sign(path, date, String(EXPIRES_SECONDS)),
		});
		return `${this.origin()}${path}?${query}`;
	}

	/** Removes the stored objects. */
	close(): void {
		rmSync(this.folder, { recursive: true, force: true });
	}

	private async build(hash: string, entries: ZipSourceEntry[]): Promise<StoredZip> {
		const file = join(this.folder, `${hash}.zip`);
		let size = 0;
		const counted = async function* (zip: AsyncIterable<Buffer>) {
			for await (const chunk of zip) {
				size += chunk.length;
				yield chunk;
			}
		};
		await pipeline(
			Readable.from(counted(zipStream(entries, { level: this.zipLevel }))),
			createWriteStream(file),
		);
		return { file, size };
	}

	private sign(path: string, date: string, expires: string): string {
		return createHmac('sha256', this.secret).update(`${path}\n${date}\n${expires}`).digest('hex');
	}

	async handle(ex: Exchange): Promise<void> {
		const { req, url } = ex;
		const params = url.searchParams;
		const credential =
			params.has('accesskey') || params.has('token')
				? 'credentials in the query'
				: req.headers.authorization !== undefined
					? 'an Authorization header'
					: req.headers.cookie !== undefined
						? 'a Cookie'
						: null;
		if (credential) {
			ex.entry.note = 'CREDENTIALS_SENT_TO_STORAGE';
			const message = `The storage host must not receive VoIPBIN credentials; this request carried ${credential}.`;
			return this.xml(ex, 403, xmlError('AccessDenied', message));
		}
		if (this.faults.delayMs > 0) await sleep(this.faults.delayMs);
		if (req.method !== 'GET' && req.method !== 'HEAD') {
			return this.xml(ex, 405, xmlError('MethodNotAllowed', 'Only GET is supported.'));
		}
		ex.entry.route = 'GET /{object}';
		const date = params.get('X-Goog-Date') ?? '';
		const expires = params.get('X-Goog-Expires') ?? '';
		const signature = params.get('X-Goog-Signature') ?? '';
		const expected = Buffer.from(this.sign(url.pathname, date, expires));
		const given = Buffer.from(signature);
		if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
			ex.entry.note = 'SIGNATURE_MISMATCH';
			const message =
				'The request signature we calculated does not match the signature you provided.';
			return this.xml(ex, 403, xmlError('SignatureDoesNotMatch', message));
		}
		const signedAt = parseGoogDate(date) as number;
		if (this.clock.now() > signedAt + Number(expires) * 1000) {
			ex.entry.note = 'EXPIRED';
			const details = `Request has expired: ${date}`;
			return this.xml(ex, 400, xmlError('ExpiredToken', 'Invalid argument.', details));
		}
		const stored = this.objects.get(url.pathname);
		if (!stored) {
			return this.xml(ex, 404, xmlError('NoSuchKey', 'The specified key does not exist.'));
		}
		await this.serve(ex, await stored, this.faults.takeStorageDeliveryFault());
	}

	private xml(ex: Exchange, status: number, body: string): void {
		ex.send(status, body, { 'content-type': 'application/xml; charset=UTF-8' });
	}

	private entries(
		recordingId: string,
		directions: Direction[],
		fault: StorageContentFault | null,
	): ZipSourceEntry[] {
		if (fault?.emptyZip) return [];
		const recording = this.world.getRecording(recordingId);
		const base = this.world.fileBaseName(recording);
		const seconds = this.world.audioSeconds(recording);
		const isCall = recording.referenceType === 'call';
		return directions
			.filter((direction) => !fault?.onlyDirection || direction === fault.onlyDirection)
			.map((direction) => ({
				name: `${base}_${direction}.wav`,
				chunks: () =>
					wavFileChunks({
						seed: recording.id,
						direction: isCall ? direction : 'conference',
						seconds,
						corruptHeader: fault?.corruptWavHeader,
					}),
			}));
	}

	/** The stored object, or the part of it the `Range` header asks for. */
	private async serve(
		ex: Exchange,
		stored: StoredZip,
		fault: StorageDeliveryFault | null,
	): Promise<void> {
		const range = fault?.ignoreRange ? undefined : parseRange(ex.req.headers.range, stored.size);
		if (range === 'unsatisfiable') {
			ex.entry.note = 'RANGE_NOT_SATISFIABLE';
			ex.head(416, {
				'content-type': 'application/xml; charset=UTF-8',
				'content-range': `bytes */${stored.size}`,
			});
			return void ex.res.end(xmlError('InvalidRange', 'The requested range cannot be satisfied.'));
		}
		const { start, end } = range ?? { start: 0, end: stored.size - 1 };
		// GCS sniffs the type on upload: only a ZIP that starts with a local header looks like one.
		const headers: Record<string, string | number> = {
			'content-type': stored.size > 22 ? 'application/zip' : 'application/octet-stream',
			'content-length': end - start + 1,
			'accept-ranges': 'bytes',
			'x-guploader-uploadid': ex.requestId,
		};
		if (range) headers['content-range'] = `bytes ${start}-${end}/${stored.size}`;
		// A body cut short but ended "successfully" can only be sent without a length.
		if (fault?.truncateAt !== undefined && fault.truncateMode !== 'destroy') {
			delete headers['content-length'];
		}
		ex.head(range ? 206 : 200, headers);
		if (ex.req.method === 'HEAD' || end < start) return void ex.res.end();
		const { res } = ex;
		let budget = fault?.truncateAt ?? fault?.stallAfter ?? Infinity;
		const body = createReadStream(stored.file, { start, end, highWaterMark: READ_CHUNK });
		try {
			for await (const chunk of body as AsyncIterable<Buffer>) {
				if (res.destroyed) return;
				const piece = chunk.length > budget ? chunk.subarray(0, budget) : chunk;
				budget -= piece.length;
				await this.pacer.take(piece.length, this.faults.storageBytesPerSecond);
				if (!res.write(piece)) await drainOrClose(res);
				if (budget <= 0) break;
			}
			if (budget <= 0 && fault?.stallAfter !== undefined) {
				ex.entry.note = 'STALLED';
				return; // The connection stays open with no more bytes, until the client gives up.
			}
			if (budget <= 0) {
				ex.entry.note = 'TRUNCATED';
				if (fault?.truncateMode === 'destroy') return void res.destroy();
			}
			res.end();
		} finally {
			body.destroy();
		}
	}
}
