/**
 * Switchable misbehaviour. Counted faults (`status429`, `status5xx`, `reset`, `truncateApi`, `storage.count`)
 * are used up one request at a time and then clear themselves, so `get()` shows what is left.
 */

/**
 * Two kinds, counted apart. What a ZIP holds (`corruptWavHeader`, `onlyDirection`, `emptyZip`) is
 * decided when `/recordingfiles` signs a link, as the real storage manager caches a partial or bad
 * ZIP as an object of its own: every request to that link sees the same bad object. How a response
 * is delivered (`truncateAt`, `ignoreRange`, `stallAfter`) applies per storage response.
 */
export interface StorageFault {
	/** End the body after this many bytes. */
	truncateAt?: number;
	/** `end` finishes the response cleanly (a short but "successful" body); `destroy` drops the socket. */
	truncateMode?: 'end' | 'destroy';
	/** Send this many bytes of the body, then nothing more (the connection stays open). */
	stallAfter?: number;
	/** Answer a `Range` request with the whole object and 200, as a storage without ranges does. */
	ignoreRange?: boolean;
	/** WAV headers declare one second more audio than follows. */
	corruptWavHeader?: boolean;
	/** Leave the other direction of a call out of the ZIP. */
	onlyDirection?: 'in' | 'out';
	/** Serve the 22-byte empty ZIP whatever is registered. */
	emptyZip?: boolean;
	/** How many signed links (content faults) and storage responses (delivery faults) this applies to; all while unset. */
	count?: number;
}

export type StorageContentFault = Pick<
	StorageFault,
	'corruptWavHeader' | 'onlyDirection' | 'emptyZip'
>;
export type StorageDeliveryFault = Pick<
	StorageFault,
	'truncateAt' | 'truncateMode' | 'stallAfter' | 'ignoreRange'
>;

const CONTENT_FIELDS = ['corruptWavHeader', 'onlyDirection', 'emptyZip'] as const;
const DELIVERY_FIELDS = ['truncateAt', 'truncateMode', 'stallAfter', 'ignoreRange'] as const;

function pick<K extends keyof StorageFault>(
	fault: StorageFault,
	fields: readonly K[],
): Pick<StorageFault, K> | null {
	const picked: Pick<StorageFault, K> = {} as Pick<StorageFault, K>;
	for (const field of fields) if (fault[field] !== undefined) picked[field] = fault[field];
	return Object.keys(picked).length > 0 ? picked : null;
}

export interface FaultSettings {
	/** The per-customer token bucket (16.7/s, burst 33). */
	rateLimit: 'on' | 'off';
	/** The next `count` API requests get 429 RATE_LIMIT_EXCEEDED. */
	status429: { count: number; retryAfterSeconds?: number } | null;
	/**
	 * The next `count` API requests fail with this status (502/504 as a load balancer's HTML),
	 * after `after` requests have passed (default 0): a client fails halfway through its work.
	 */
	status5xx: {
		count: number;
		status: 500 | 502 | 503 | 504;
		after?: number;
		/** Only requests of this route, e.g. `GET /v1.0/recordingfiles/{id}`; all while unset. */
		route?: string;
	} | null;
	/**
	 * The next `count` `/recordingfiles` redirects carry a broken `Location`: none, a relative one, or
	 * one that is not http(s) (as a misconfigured proxy in front of the API might send).
	 */
	fileLocation: { count: number; kind: 'missing' | 'relative' | 'not-http' } | null;
	/** The socket of the next `count` API requests is destroyed without a response. */
	reset: { count: number } | null;
	/**
	 * The next `count` API responses send their status and headers (with the full Content-Length)
	 * and half the body, then the socket is destroyed: a response cut off mid-body.
	 */
	truncateApi: { count: number } | null;
	/** `GET /v1.0/recordings` ignores `page_token` and always answers the first page. */
	ignorePageToken: boolean;
	/** Every API and storage response waits this long (real time) first. */
	delayMs: number;
	storage: StorageFault | null;
	/** The storage link's speed in bytes per second, shared by all its responses; 0: unlimited. */
	storageBytesPerSecond: number;
	/** Every Nth `GET /v1.0/recordings` first creates `count` new ended recordings for that customer. */
	createDuringListing: { count: number; everyNthListRequest: number } | null;
	/** How long a transcription's speech-to-text takes (real ms), instead of the `transcribeMs` option. */
	transcribeDelayMs: number | null;
	/**
	 * The speech-to-text of the next `count` transcriptions (of recordings with audio) fails: the
	 * POST answers 500 and the transcribe stays `progressing` for good, as on the real server.
	 */
	transcribeStuck: { count: number } | null;
}

/** The fields of {@link FaultSettings}; `null` clears one. */
export type FaultPatch = { [K in keyof FaultSettings]?: FaultSettings[K] | null };

export interface FaultControl {
	set(patch: FaultPatch): void;
	reset(): void;
	get(): FaultSettings;
}

function defaults(): FaultSettings {
	return {
		rateLimit: 'on',
		status429: null,
		status5xx: null,
		reset: null,
		truncateApi: null,
		ignorePageToken: false,
		delayMs: 0,
		storage: null,
		fileLocation: null,
		storageBytesPerSecond: 0,
		createDuringListing: null,
		transcribeDelayMs: null,
		transcribeStuck: null,
	};
}

function check(condition: boolean, message: string): void {
	if (!condition) throw new Error(`Bad fault setting: ${message}`);
}

function isCount(value: unknown): value is number {
	return Number.isInteger(value) && (value as number) >= 0;
}

function validate(patch: FaultPatch): void {
	const known = Object.keys(defaults());
	for (const key of Object.keys(patch)) check(known.includes(key), `unknown fault "${key}"`);
	const { rateLimit, status429, status5xx, reset, truncateApi, ignorePageToken } = patch;
	const { delayMs, storage, createDuringListing } = patch;
	const { transcribeDelayMs, transcribeStuck } = patch;
	const rate = patch.storageBytesPerSecond;
	if (rate != null) check(typeof rate === 'number' && rate >= 0, 'storageBytesPerSecond');
	if (rateLimit != null) check(rateLimit === 'on' || rateLimit === 'off', 'rateLimit is on or off');
	if (status429) {
		check(isCount(status429.count), 'status429.count');
		const after = status429.retryAfterSeconds;
		check(after === undefined || isCount(after), 'status429.retryAfterSeconds');
	}
	if (status5xx) {
		check(isCount(status5xx.count), 'status5xx.count');
		check([500, 502, 503, 504].includes(status5xx.status), 'status5xx.status is 500/502/503/504');
		check(status5xx.after === undefined || isCount(status5xx.after), 'status5xx.after');
	}
	if (reset) check(isCount(reset.count), 'reset.count');
	if (truncateApi) check(isCount(truncateApi.count), 'truncateApi.count');
	if (ignorePageToken != null) check(typeof ignorePageToken === 'boolean', 'ignorePageToken');
	const location = patch.fileLocation;
	if (location) {
		check(isCount(location.count), 'fileLocation.count');
		check(['missing', 'relative', 'not-http'].includes(location.kind), 'fileLocation.kind');
	}
	if (delayMs != null) check(typeof delayMs === 'number' && delayMs >= 0, 'delayMs');
	if (storage) {
		check(storage.truncateAt === undefined || isCount(storage.truncateAt), 'storage.truncateAt');
		const mode = storage.truncateMode;
		check(mode === undefined || mode === 'end' || mode === 'destroy', 'storage.truncateMode');
		const only = storage.onlyDirection;
		check(only === undefined || only === 'in' || only === 'out', 'storage.onlyDirection');
		check(storage.count === undefined || isCount(storage.count), 'storage.count');
		check(storage.stallAfter === undefined || isCount(storage.stallAfter), 'storage.stallAfter');
	}
	if (createDuringListing) {
		check(isCount(createDuringListing.count), 'createDuringListing.count');
		const nth = createDuringListing.everyNthListRequest;
		check(Number.isInteger(nth) && nth >= 1, 'createDuringListing.everyNthListRequest');
	}
	if (transcribeDelayMs != null) check(isCount(transcribeDelayMs), 'transcribeDelayMs');
	if (transcribeStuck) check(isCount(transcribeStuck.count), 'transcribeStuck.count');
}

export class Faults implements FaultControl {
	private settings = defaults();
	private listRequests = 0;
	/** What is left of a counted storage fault, per kind. */
	private storageLeft = { links: 0, responses: 0 };

	set(patch: FaultPatch): void {
		validate(patch);
		const next = { ...this.settings } as Record<string, unknown>;
		for (const [key, value] of Object.entries(patch)) {
			if (value === undefined) continue;
			const fallback = (defaults() as unknown as Record<string, unknown>)[key];
			next[key] = value === null ? fallback : structuredClone(value);
		}
		this.settings = next as unknown as FaultSettings;
		if (patch.createDuringListing !== undefined) this.listRequests = 0;
		const storage = this.settings.storage;
		if (patch.storage !== undefined && storage?.count !== undefined) {
			this.storageLeft = {
				links: pick(storage, CONTENT_FIELDS) ? storage.count : 0,
				responses: pick(storage, DELIVERY_FIELDS) ? storage.count : 0,
			};
		}
	}

	reset(): void {
		this.settings = defaults();
		this.listRequests = 0;
	}

	get(): FaultSettings {
		return structuredClone(this.settings);
	}

	/** The first counted API fault that applies to this request, used up. */
	takeApiFault(
		route: string,
	):
		| { kind: 'reset' }
		| { kind: 'truncate' }
		| { kind: 'status'; status: number; retryAfter?: number }
		| null {
		const { reset, truncateApi, status429 } = this.settings;
		const status5xx =
			this.settings.status5xx?.route === undefined || this.settings.status5xx.route === route
				? this.settings.status5xx
				: null;
		if (reset && reset.count > 0) {
			this.settings.reset = reset.count > 1 ? { count: reset.count - 1 } : null;
			return { kind: 'reset' };
		}
		if (truncateApi && truncateApi.count > 0) {
			this.settings.truncateApi = truncateApi.count > 1 ? { count: truncateApi.count - 1 } : null;
			return { kind: 'truncate' };
		}
		if (status5xx?.after) {
			this.settings.status5xx = { ...status5xx, after: status5xx.after - 1 };
		} else if (status5xx && status5xx.count > 0) {
			this.settings.status5xx =
				status5xx.count > 1 ? { ...status5xx, count: status5xx.count - 1 } : null;
			return { kind: 'status', status: status5xx.status };
		}
		if (status429 && status429.count > 0) {
			this.settings.status429 =
				status429.count > 1 ? { ...status429, count: status429.count - 1 } : null;
			return { kind: 'status', status: 429, retryAfter: status429.retryAfterSeconds ?? 1 };
		}
		return null;
	}

	/** What the ZIP behind a link being signed now holds wrong, used up. */
	takeStorageContentFault(): StorageContentFault | null {
		return this.takeStorage('links', CONTENT_FIELDS);
	}

	/** How this storage response is to be delivered wrong, used up. */
	takeStorageDeliveryFault(): StorageDeliveryFault | null {
		return this.takeStorage('responses', DELIVERY_FIELDS);
	}

	private takeStorage<K extends keyof StorageFault>(
		kind: 'links' | 'responses',
		fields: readonly K[],
	): Pick<StorageFault, K> | null {
		const storage = this.settings.storage;
		const fault = storage && pick(storage, fields);
		if (!storage || !fault) return null;
		if (storage.count === undefined) return fault;
		if (this.storageLeft[kind] <= 0) return null;
		this.storageLeft[kind]--;
		const left = Math.max(this.storageLeft.links, this.storageLeft.responses);
		this.settings.storage = left > 0 ? { ...storage, count: left } : null;
		return fault;
	}

	/** The broken `Location` this `/recordingfiles` redirect is to carry, used up. */
	takeFileLocationFault(): 'missing' | 'relative' | 'not-http' | null {
		const fault = this.settings.fileLocation;
		if (!fault || fault.count <= 0) return null;
		this.settings.fileLocation = fault.count > 1 ? { ...fault, count: fault.count - 1 } : null;
		return fault.kind;
	}

	/** How many recordings to create before answering this list request. */
	takeListCreations(): number {
		const fault = this.settings.createDuringListing;
		if (!fault) return 0;
		this.listRequests++;
		return this.listRequests % fault.everyNthListRequest === 0 ? fault.count : 0;
	}

	get ignorePageToken(): boolean {
		return this.settings.ignorePageToken;
	}

	/** Whether this transcription's speech-to-text fails, used up. */
	takeTranscribeStuck(): boolean {
		const stuck = this.settings.transcribeStuck;
		if (!stuck || stuck.count <= 0) return false;
		this.settings.transcribeStuck = stuck.count > 1 ? { count: stuck.count - 1 } : null;
		return true;
	}

	get transcribeDelayMs(): number | null {
		return this.settings.transcribeDelayMs;
	}

	get rateLimitOn(): boolean {
		return this.settings.rateLimit === 'on';
	}

	get delayMs(): number {
		return this.settings.delayMs;
	}

	get storageBytesPerSecond(): number {
		return this.settings.storageBytesPerSecond;
	}
}
