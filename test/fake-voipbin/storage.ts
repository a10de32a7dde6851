/**
 * The "Google Cloud Storage" side: `/recordingfiles/{id}` stores a ZIP object named after the
 * files registered at that moment and hands out a signed URL to it; the storage host checks the
 * signature and expiry and streams the ZIP, never holding a recording in memory.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';

import { wavFileChunks } from './audio';
import type { FakeClock } from './clock';
import type { Faults, StorageFault } from './faults';
import { Exchange, sleep } from './http';
import { randomToken } from './ids';
import type { Direction, World } from './world';
import { zipStream, type ZipSourceEntry } from './zip-writer';

const BUCKET = 'voipbin-fake-bucket';
const EXPIRES_SECONDS = 86400;
const EMPTY_ZIP_BYTES = 22;

interface StoredZip {
	recordingId: string | null;
	directions: Direction[];
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

export class Storage {
	private readonly secret = randomToken(32);
	/** ZIP objects by object path; like the real cache, keyed by the hash of the file ids. */
	private readonly objects = new Map<string, StoredZip>();

	constructor(
		private readonly world: World,
		private readonly clock: FakeClock,
		private readonly faults: Faults,
		private readonly zipLevel: number,
		readonly origin: () => string,
	) {}

	/** "Builds" the ZIP for what is registered now and signs a URL to it. */
	signedUrlFor(recordingId: string): string {
		const recording = this.world.getRecording(recordingId);
		const files = this.world.registeredFiles(recording);
		const hash = createHash('sha256')
			.update(files.map((file) => file.fileId).join(','))
			.digest('hex')
			.slice(0, 32);
		const path = `/${BUCKET}/tmp/${hash}.zip`;
		if (!this.objects.has(path)) {
			this.objects.set(path, {
				recordingId: files.length > 0 ? recordingId : null,
				directions: files.map((file) => file.direction),
			});
		}
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
		await this.streamZip(ex, stored, this.faults.takeStorageFault());
	}

	private xml(ex: Exchange, status: number, body: string): void {
		ex.send(status, body, { 'content-type': 'application/xml; charset=UTF-8' });
	}

	private entries(stored: StoredZip, fault: StorageFault | null): ZipSourceEntry[] {
		if (!stored.recordingId || fault?.emptyZip) return [];
		const recording = this.world.getRecording(stored.recordingId);
		const base = this.world.fileBaseName(recording);
		const seconds = this.world.audioSeconds(recording);
		const isCall = recording.referenceType === 'call';
		return stored.directions
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

	private async streamZip(
		ex: Exchange,
		stored: StoredZip,
		fault: StorageFault | null,
	): Promise<void> {
		const entries = this.entries(stored, fault);
		// GCS sniffs the type on upload: only a ZIP that starts with a local header looks like one.
		const headers: Record<string, string | number> = {
			'content-type': entries.length > 0 ? 'application/zip' : 'application/octet-stream',
			'x-guploader-uploadid': ex.requestId,
		};
		if (entries.length === 0 && fault?.truncateAt === undefined) {
			headers['content-length'] = EMPTY_ZIP_BYTES;
		}
		ex.head(200, headers);
		if (ex.req.method === 'HEAD') return void ex.res.end();
		const { res } = ex;
		let budget = fault?.truncateAt ?? Infinity;
		const zip = zipStream(entries, { level: this.zipLevel });
		try {
			for await (const chunk of zip) {
				if (res.destroyed) return;
				const piece = chunk.length > budget ? chunk.subarray(0, budget) : chunk;
				budget -= piece.length;
				if (!res.write(piece)) await drainOrClose(res);
				if (budget <= 0) {
					ex.entry.note = 'TRUNCATED';
					if (fault?.truncateMode === 'destroy') return void res.destroy();
					break;
				}
			}
			res.end();
		} finally {
			await zip.return(undefined);
		}
	}
}
