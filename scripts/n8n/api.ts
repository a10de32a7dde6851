/**
 * n8n's HTTP APIs: the editor's internal REST API (`/rest`, with the owner's session cookie) for
 * what only it offers — owner setup, API keys, the credential test, binary data — and the public
 * REST API (`/api/v1`, with an API key) for reading executions.
 */
import { randomUUID } from 'node:crypto';

import { sleep } from './processes';

/** An execution as the public API lists it, with its data (IRunExecutionData). */
export interface Execution {
	id: string;
	status: string;
	mode: string;
	finished: boolean;
	startedAt: string | null;
	stoppedAt: string | null;
	workflowId: string;
	data?: RunExecutionData;
}

/** The parts of n8n's IRunExecutionData read here. */
export interface RunExecutionData {
	resultData?: {
		runData?: Record<string, Array<{ data?: { main?: Array<Item[] | null> } }>>;
		error?: { message?: string; description?: string };
	};
	executionData?: {
		nodeExecutionStack?: Array<{
			node?: { name?: string };
			data?: { main?: Array<Item[] | null> };
		}>;
	};
}

export interface Item {
	json: Record<string, unknown>;
	binary?: Record<string, { id?: string; mimeType?: string; fileName?: string }>;
}

export interface Owner {
	email: string;
	password: string;
}

/** Statuses after which an execution does not change any more. */
export const ENDED_STATUSES = new Set(['success', 'error', 'crashed', 'canceled']);

export class N8nApi {
	private cookie?: string;
	private apiKey?: string;
	private readonly browserId = randomUUID();

	constructor(readonly baseUrl: string) {}

	private async request(
		url: string,
		init: { method: string; headers: Record<string, string>; body?: unknown },
	): Promise<Response> {
		const headers: Record<string, string> = { accept: 'application/json', ...init.headers };
		if (init.body !== undefined) headers['content-type'] = 'application/json';
		return await fetch(url, {
			method: init.method,
			headers,
			body: init.body === undefined ? undefined : JSON.stringify(init.body),
			signal: AbortSignal.timeout(60_000),
		});
	}

	/** The editor's API; keeps the session cookie n8n sets. */
	async rest<T = unknown>(method: string, route: string, body?: unknown): Promise<T> {
		const headers: Record<string, string> = { 'browser-id': this.browserId };
		if (this.cookie) headers.cookie = this.cookie;
		const res = await this.request(`${this.baseUrl}/rest${route}`, { method, headers, body });
		for (const c of res.headers.getSetCookie()) {
			const pair = c.split(';')[0];
			if (pair.startsWith('n8n-auth=')) this.cookie = pair;
		}
		const text = await res.text();
		if (!res.ok) throw new Error(`${method} /rest${route} → ${res.status}: ${text.slice(0, 500)}`);
		const json = JSON.parse(text) as { data?: T };
		return (json.data ?? json) as T;
	}

	/**
	 * Sets up the owner of a fresh instance (keeping its session) and creates an API key with
	 * every scope the owner's role allows, for the public API.
	 */
	async setupOwner(owner: Owner): Promise<void> {
		await this.rest('POST', '/owner/setup', {
			...owner,
			firstName: 'Test',
			lastName: 'Owner',
		});
		const scopes = await this.rest<string[]>('GET', '/api-keys/scopes');
		const key = await this.rest<{ rawApiKey: string }>('POST', '/api-keys', {
			label: 'n8n-nodes-voipbin e2e',
			scopes,
			expiresAt: null,
		});
		this.apiKey = key.rawApiKey;
	}

	/** The public API (`/api/v1`), authenticated with the owner's API key. */
	async publicApi<T = unknown>(method: string, route: string, body?: unknown): Promise<T> {
		if (!this.apiKey) throw new Error('No API key: call setupOwner() first');
		const res = await this.request(`${this.baseUrl}/api/v1${route}`, {
			method,
			headers: { 'x-n8n-api-key': this.apiKey },
			body,
		});
		const text = await res.text();
		if (!res.ok)
			throw new Error(`${method} /api/v1${route} → ${res.status}: ${text.slice(0, 500)}`);
		return JSON.parse(text) as T;
	}

	/** Stores a credential (n8n encrypts it); returns its id. */
	async createCredential(credential: {
		name: string;
		type: string;
		data: Record<string, unknown>;
	}): Promise<string> {
		return (await this.publicApi<{ id: string }>('POST', '/credentials', credential)).id;
	}

	/** Stores a workflow; returns its id. */
	async createWorkflow(workflow: {
		name: string;
		nodes: unknown[];
		connections: unknown;
		settings?: unknown;
	}): Promise<string> {
		const { name, nodes, connections, settings } = workflow;
		const body = { name, nodes, connections, settings: settings ?? { executionOrder: 'v1' } };
		return (await this.publicApi<{ id: string }>('POST', '/workflows', body)).id;
	}

	/** Publishes (activates) a workflow at once: its triggers start, a poller polls right away. */
	async activateWorkflow(id: string): Promise<void> {
		await this.publicApi('POST', `/workflows/${id}/activate`);
	}

	/** One page after another of `/executions` with these query parameters. */
	private async listExecutions(params: Record<string, string>): Promise<Execution[]> {
		const all: Execution[] = [];
		let cursor: string | null = null;
		do {
			const query = new URLSearchParams({ ...params, ignoreDataSizeLimit: 'true', limit: '250' });
			if (cursor) query.set('cursor', cursor);
			const page: { data: Execution[]; nextCursor: string | null } = await this.publicApi(
				'GET',
				`/executions?${query}`,
			);
			all.push(...page.data);
			cursor = page.nextCursor;
		} while (cursor);
		return all;
	}

	/**
	 * Every execution of a workflow, oldest first, through the public API.
	 *
	 * The list leaves out every execution the main still holds as running in memory, whatever its
	 * stored status; in queue mode after a restart of the main, a finished execution can stay there
	 * and so stay out of every list. Ids are sequential, so each id missing from the list of all
	 * executions (and a few past the last) is asked for alone, which has no such filter.
	 */
	async executions(workflowId: string, { includeData = true } = {}): Promise<Execution[]> {
		const found = new Map<string, Execution>();
		const keep = (e: Execution) => found.set(String(e.id), { ...e, id: String(e.id) });
		for (const status of [undefined, 'running', 'waiting']) {
			const params: Record<string, string> = { workflowId, includeData: String(includeData) };
			if (status) params.status = status;
			(await this.listExecutions(params)).forEach(keep);
		}
		const listed = new Set(
			(await this.listExecutions({ includeData: 'false' })).map((e) => Number(e.id)),
		);
		const last = Math.max(0, ...listed);
		for (let id = 1; id <= last + 3; id++) {
			if (listed.has(id) || found.has(String(id))) continue;
			const res = await this.request(
				`${this.baseUrl}/api/v1/executions/${id}?includeData=${includeData}&ignoreDataSizeLimit=true`,
				{ method: 'GET', headers: { 'x-n8n-api-key': this.apiKey ?? '' } },
			);
			if (res.status === 404) continue;
			if (!res.ok)
				throw new Error(`GET /api/v1/executions/${id} → ${res.status}: ${await res.text()}`);
			const execution = (await res.json()) as Execution;
			if (String(execution.workflowId) === workflowId) keep(execution);
		}
		return [...found.values()].sort((a, b) => Number(a.id) - Number(b.id));
	}

	/** A binary data file an execution stored (any binary-data mode), by its id. */
	async binaryData(id: string): Promise<Buffer> {
		const headers: Record<string, string> = { 'browser-id': this.browserId };
		if (this.cookie) headers.cookie = this.cookie;
		const query = new URLSearchParams({ id, action: 'download' });
		const res = await this.request(`${this.baseUrl}/rest/binary-data?${query}`, {
			method: 'GET',
			headers,
		});
		if (!res.ok) throw new Error(`binary data ${id} → ${res.status}: ${await res.text()}`);
		return Buffer.from(await res.arrayBuffer());
	}

	/**
	 * n8n's "Test" button of the credential dialog: tests the stored credential `id` with `data`
	 * (unchanged fields come from the stored one). Resolves {status: 'OK'|'Error', message}.
	 */
	async testCredential(credential: {
		id: string;
		name: string;
		type: string;
		data: Record<string, unknown>;
	}): Promise<{ status?: string; message?: string }> {
		return await this.rest('POST', '/credentials/test', { credentials: credential });
	}

	/** Calls a production webhook and returns its JSON answer (retries while it registers). */
	async webhook<T = unknown>(
		path: string,
		body: unknown,
		{ timeoutMs = 240_000 } = {},
	): Promise<T> {
		const deadline = Date.now() + 60_000;
		for (;;) {
			const res = await fetch(`${this.baseUrl}/webhook/${path}`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: JSON.stringify(body),
				signal: AbortSignal.timeout(timeoutMs),
			});
			const text = await res.text();
			if (res.ok) return JSON.parse(text) as T;
			if (res.status !== 404 || Date.now() > deadline)
				throw new Error(`POST /webhook/${path} → ${res.status}: ${text.slice(0, 500)}`);
			await sleep(1000);
		}
	}
}
