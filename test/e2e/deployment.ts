/**
 * The n8n set-ups the end-to-end scenarios run in, all with this package loaded:
 * - `classic`: one `n8n start`, SQLite, n8n's default (in-memory) poll scheduling;
 * - `durable`: the same with n8n's durable poll scheduler and cursors switched on;
 * - `queue`: a main and two `n8n worker` processes, Redis, a fresh PostgreSQL database (dropped
 *   at the end), with a given binary-data mode.
 */
import { randomUUID } from 'node:crypto';

import { N8nApi } from '../../scripts/n8n/api';
import type { RuntimePaths } from '../../scripts/n8n/cache';
import { N8nInstance } from '../../scripts/n8n/instance';
import { createDatabase, deleteRedisKeys, redisFromEnv } from '../../scripts/n8n/services';
import type { CredentialRef } from '../../scripts/n8n/workflows';
import type { FakeProcess } from '../fake-voipbin/process';
import type { Checks } from './checks';

export interface E2eContext {
	runtime: RuntimePaths;
	fake: FakeProcess;
	checks: Checks;
	say: (message: string) => void;
	/** Keep n8n's user folders (E2E_KEEP=1). */
	keep: boolean;
}

export type BinaryDataMode = 'database' | 'filesystem';

export interface DeploymentSpec {
	name: string;
	durable?: boolean;
	queue?: { binaryDataMode: BinaryDataMode };
}

/** A VoIPBIN account on the fake server, and the n8n credential for it. */
export interface Account {
	customerId: string;
	accessKey: string;
	credential: CredentialRef;
	/** The credential's fields (for the credential test). */
	data: Record<string, string>;
}

const DURABLE_ENV = {
	N8N_SCHEDULER_ENABLED: 'true',
	N8N_SCHEDULER_POLL_TRIGGERS_ENABLED: 'true',
	N8N_POLLER_DURABLE_CURSORS_ENABLED: 'true',
};

export class Deployment {
	readonly api: N8nApi;
	private ownerReady = false;

	private constructor(
		private readonly ctx: E2eContext,
		readonly spec: DeploymentSpec,
		readonly n8n: N8nInstance,
		private readonly release: () => Promise<void>,
	) {
		this.api = new N8nApi(n8n.url);
	}

	static async create(ctx: E2eContext, spec: DeploymentSpec): Promise<Deployment> {
		const env: Record<string, string> = { ...(spec.durable ? DURABLE_ENV : {}) };
		if (!spec.queue) {
			const n8n = await N8nInstance.create({ runtime: ctx.runtime, env, log: ctx.say });
			return new Deployment(ctx, spec, n8n, async () => {});
		}
		const database = await createDatabase(ctx.runtime);
		const redis = redisFromEnv();
		const prefix = `voipbin-e2e-${randomUUID().slice(0, 8)}`;
		env.N8N_DEFAULT_BINARY_DATA_MODE = spec.queue.binaryDataMode;
		const n8n = await N8nInstance.create({
			runtime: ctx.runtime,
			database,
			queue: { redis, prefix, workers: 2 },
			env,
			log: ctx.say,
		});
		ctx.say(`${spec.name}: PostgreSQL database ${database.database}, Redis prefix ${prefix}`);
		return new Deployment(ctx, spec, n8n, async () => {
			if (ctx.keep) ctx.say(`kept PostgreSQL database ${database.database}`);
			else await database.drop();
			await deleteRedisKeys(ctx.runtime, redis, prefix);
		});
	}

	get queue(): boolean {
		return !!this.spec.queue;
	}

	/**
	 * Starts n8n (workers first in queue mode) and, the first time, sets up the owner and an API
	 * key. Returns false (with a failed check) when n8n could not load the package.
	 */
	async start(): Promise<boolean> {
		const t0 = Date.now();
		await this.n8n.start();
		this.ctx.say(
			`${this.spec.name}: n8n up at ${this.n8n.url} in ${Math.round((Date.now() - t0) / 1000)} s` +
				(this.queue ? ` with ${this.n8n.workers.length} workers` : ''),
		);
		const loadError = this.n8n.packageLoadError();
		if (
			!this.ctx.checks.check(
				`${this.spec.name}: n8n loads the package`,
				!loadError,
				loadError ?? '',
			)
		)
			return false;
		if (!this.ownerReady) {
			await this.api.setupOwner({ email: 'e2e@example.com', password: `E2e-${randomUUID()}` });
			this.ownerReady = true;
		}
		return true;
	}

	/** A new account on the fake VoIPBIN with its credential stored in n8n (public API). */
	async newAccount(name: string): Promise<Account> {
		const { customerId, accessKey } = await this.ctx.fake.control<{
			customerId: string;
			accessKey: string;
		}>('/accounts', {});
		const data = { baseUrl: this.ctx.fake.baseUrl, authentication: 'accessKey', accessKey };
		const id = await this.api.createCredential({ name, type: 'voipbinApi', data });
		return { customerId, accessKey, credential: { id, name }, data };
	}

	/** Stops n8n, removes its folder, and drops the database and the Redis keys. */
	async close(): Promise<void> {
		try {
			await this.n8n.cleanup({ keep: this.ctx.keep });
		} finally {
			await this.release();
		}
	}
}
