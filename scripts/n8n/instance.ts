/**
 * One n8n deployment: a user folder with this package installed as a community package, a
 * database (n8n's SQLite in the user folder, or a PostgreSQL database), and its processes — the
 * main (`n8n start`: editor, REST API, triggers) and, in queue mode, workers (`n8n worker`) that
 * take executions from Redis. Driven with n8n's CLI before start and its REST API after.
 *
 * The package is copied (package.json + dist) into `<user folder>/.n8n/nodes/node_modules/`, where
 * n8n's community-packages module scans for `n8n-nodes-*` at start-up: node types keep their real
 * community names (`n8n-nodes-voipbin.voipbinRecording`) and `require('n8n-workflow')` resolves to
 * n8n's own copy, as for a package a user installs. Main and workers share the user folder, as
 * they share a volume in a real deployment (filesystem binary data needs that).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import {
	defaultLog,
	type Log,
	PACKAGE_NAME,
	PACKAGE_ROOT,
	readJson,
	type RuntimePaths,
} from './cache';
import {
	type ExitInfo,
	freePort,
	rssMb,
	type ProcessGroup,
	run,
	type RunResult,
	sleep,
	spawnGroup,
	tail,
} from './processes';
import type { PostgresDatabase, RedisServer } from './services';

/** Copies the built package where n8n looks for installed community packages. */
export function installPackageInto(userFolder: string, packageDir = PACKAGE_ROOT): string {
	const pkg = readJson<{ name: string; version: string }>(path.join(packageDir, 'package.json'));
	if (!pkg) throw new Error(`No package.json in ${packageDir}`);
	if (!fs.existsSync(path.join(packageDir, 'dist'))) {
		throw new Error(`${packageDir}/dist is missing: run npm run build first`);
	}
	const nodesDir = path.join(userFolder, '.n8n', 'nodes');
	const target = path.join(nodesDir, 'node_modules', pkg.name);
	fs.rmSync(target, { recursive: true, force: true });
	fs.mkdirSync(target, { recursive: true });
	fs.copyFileSync(path.join(packageDir, 'package.json'), path.join(target, 'package.json'));
	fs.cpSync(path.join(packageDir, 'dist'), path.join(target, 'dist'), { recursive: true });
	for (const extra of ['README.md', 'LICENSE.md', 'LICENSE']) {
		if (fs.existsSync(path.join(packageDir, extra)))
			fs.copyFileSync(path.join(packageDir, extra), path.join(target, extra));
	}
	fs.writeFileSync(
		path.join(nodesDir, 'package.json'),
		`${JSON.stringify({ name: 'installed-nodes', private: true, dependencies: { [pkg.name]: pkg.version } }, null, 2)}\n`,
	);
	return target;
}

/** 16 characters from n8n's id alphabet. */
export function n8nId(): string {
	const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
	return Array.from(randomBytes(16), (b) => alphabet[b % alphabet.length]).join('');
}

export interface QueueSettings {
	redis: RedisServer;
	/** Keeps this run's Bull keys apart from others in the same Redis. */
	prefix: string;
	workers: number;
}

export interface N8nOptions {
	runtime: RuntimePaths;
	/** Default: a new temp folder (removed by cleanup()). */
	userFolder?: string;
	/** Main's port; default: a free one. */
	port?: number;
	/** Package to load; false for none. */
	packageDir?: string | false;
	/** Default: SQLite in the user folder. */
	database?: PostgresDatabase;
	/** Queue mode: executions go through Redis to this many `n8n worker` processes. */
	queue?: QueueSettings;
	/** Extra environment for every process and CLI call (N8N_DEFAULT_BINARY_DATA_MODE, …). */
	env?: Record<string, string>;
	log?: Log;
}

type Role = 'main' | `worker-${number}`;

/** One running n8n process with its own log file. */
class N8nProcess {
	private group?: ProcessGroup;
	exitInfo?: ExitInfo;

	constructor(
		readonly role: Role,
		readonly logFile: string,
	) {}

	get running(): boolean {
		return !!this.group && !this.exitInfo;
	}

	get pid(): number | undefined {
		return this.running ? this.group?.child.pid : undefined;
	}

	spawn(runtime: RuntimePaths, args: string[], cwd: string, env: NodeJS.ProcessEnv): void {
		const out = fs.openSync(this.logFile, 'a');
		fs.writeSync(out, `\n===== ${new Date().toISOString()} n8n ${args.join(' ')}\n`);
		this.exitInfo = undefined;
		const group = spawnGroup(runtime.nodeBin, [runtime.n8nBin, ...args], {
			cwd,
			env,
			stdio: ['ignore', out, out],
		});
		fs.closeSync(out);
		this.group = group;
		void group.exited.then((info) => {
			if (this.group === group) this.exitInfo = info;
		});
	}

	/** Polls `url` until it answers 2xx; throws when the process exits first or time runs out. */
	async waitReady(url: string, timeoutMs: number): Promise<void> {
		const deadline = Date.now() + timeoutMs;
		while (Date.now() < deadline) {
			if (this.exitInfo) {
				throw new Error(
					`n8n ${this.role} exited during start-up (${JSON.stringify(this.exitInfo)}):\n${this.logTail(40)}`,
				);
			}
			try {
				const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
				if (res.ok) return;
			} catch {
				// not up yet
			}
			await sleep(500);
		}
		throw new Error(
			`n8n ${this.role} did not become ready (${url}) within ${timeoutMs / 1000} s:\n${this.logTail(40)}`,
		);
	}

	async stop(graceMs: number): Promise<void> {
		const group = this.group;
		this.group = undefined;
		await group?.stop({ graceMs });
	}

	/** SIGKILL to the process group: n8n gets no chance to save or shut down anything. */
	async kill(): Promise<void> {
		const group = this.group;
		this.group = undefined;
		await group?.kill();
	}

	logText(): string {
		try {
			return fs.readFileSync(this.logFile, 'utf8');
		} catch {
			return '';
		}
	}

	logTail(lines = 30): string {
		return tail(this.logText(), lines);
	}
}

export class N8nInstance {
	readonly runtime: RuntimePaths;
	readonly userFolder: string;
	readonly filesDir: string;
	readonly main: N8nProcess;
	readonly workers: N8nProcess[];
	readonly queue?: QueueSettings;
	readonly database?: PostgresDatabase;
	private readonly ownsFolder: boolean;
	private readonly packageDir: string | false;
	private readonly extraEnv: Record<string, string>;
	private readonly encryptionKey = randomBytes(24).toString('hex');
	private readonly log: Log;
	port = 0;

	private constructor(options: N8nOptions) {
		this.runtime = options.runtime;
		this.ownsFolder = !options.userFolder;
		this.userFolder = options.userFolder ?? fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-voipbin-'));
		this.packageDir = options.packageDir ?? PACKAGE_ROOT;
		this.database = options.database;
		this.queue = options.queue;
		this.extraEnv = options.env ?? {};
		this.log = options.log ?? defaultLog;
		this.filesDir = path.join(this.userFolder, 'files');
		this.main = new N8nProcess('main', path.join(this.userFolder, 'n8n.log'));
		this.workers = Array.from(
			{ length: options.queue?.workers ?? 0 },
			(_, i) =>
				new N8nProcess(`worker-${i + 1}`, path.join(this.userFolder, `worker-${i + 1}.log`)),
		);
	}

	static async create(options: N8nOptions): Promise<N8nInstance> {
		const instance = new N8nInstance(options);
		instance.port = options.port ?? (await freePort());
		fs.mkdirSync(instance.filesDir, { recursive: true });
		if (instance.packageDir) installPackageInto(instance.userFolder, instance.packageDir);
		return instance;
	}

	get url(): string {
		return `http://127.0.0.1:${this.port}`;
	}

	/** The environment every n8n process and CLI call of this deployment shares. */
	private async env(): Promise<NodeJS.ProcessEnv> {
		const inherited = { ...process.env };
		// n8n refuses to load nodes when NODE_ENV=test (a test runner's setting).
		if (inherited.NODE_ENV === 'test') delete inherited.NODE_ENV;
		const db = this.database;
		const queue = this.queue;
		return {
			...inherited,
			PATH: `${path.dirname(this.runtime.nodeBin)}${path.delimiter}${process.env.PATH}`,
			N8N_USER_FOLDER: this.userFolder,
			N8N_PORT: String(this.port),
			N8N_LISTEN_ADDRESS: '127.0.0.1',
			N8N_HOST: '127.0.0.1',
			N8N_PROTOCOL: 'http',
			N8N_EDITOR_BASE_URL: this.url,
			WEBHOOK_URL: `${this.url}/`,
			N8N_ENCRYPTION_KEY: this.encryptionKey,
			N8N_DIAGNOSTICS_ENABLED: 'false',
			N8N_PERSONALIZATION_ENABLED: 'false',
			N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
			N8N_TEMPLATES_ENABLED: 'false',
			N8N_HIRING_BANNER_ENABLED: 'false',
			N8N_SECURE_COOKIE: 'false',
			N8N_RESTRICT_FILE_ACCESS_TO: this.filesDir,
			N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
			N8N_RUNNERS_BROKER_PORT: String(await freePort()),
			N8N_LOG_OUTPUT: 'console',
			N8N_LOG_LEVEL: process.env.N8N_LOG_LEVEL ?? 'info',
			DB_SQLITE_POOL_SIZE: '2',
			...(db && {
				DB_TYPE: 'postgresdb',
				DB_POSTGRESDB_HOST: db.host,
				DB_POSTGRESDB_PORT: String(db.port),
				DB_POSTGRESDB_DATABASE: db.database,
				DB_POSTGRESDB_USER: db.user,
				DB_POSTGRESDB_PASSWORD: db.password,
			}),
			...(queue && {
				EXECUTIONS_MODE: 'queue',
				QUEUE_BULL_REDIS_HOST: queue.redis.host,
				QUEUE_BULL_REDIS_PORT: String(queue.redis.port),
				QUEUE_BULL_REDIS_DB: String(queue.redis.db),
				QUEUE_BULL_PREFIX: queue.prefix,
			}),
			...this.extraEnv,
		};
	}

	/** Runs an n8n CLI command (`import:workflow`, `execute`, …) against this deployment. */
	async cli(args: string[], { timeoutMs = 180_000 } = {}): Promise<RunResult> {
		return await run(this.runtime.nodeBin, [this.runtime.n8nBin, ...args], {
			cwd: this.userFolder,
			env: await this.env(),
			timeoutMs,
			logFile: path.join(this.userFolder, 'cli.log'),
		});
	}

	async cliOk(args: string[], options?: { timeoutMs?: number }): Promise<RunResult> {
		const result = await this.cli(args, options);
		if (result.code !== 0) {
			throw new Error(
				`n8n ${args[0]} failed (exit ${result.code}):\n${tail(result.stdout + result.stderr)}`,
			);
		}
		return result;
	}

	/** Imports credentials given as [{id, name, type, data: {...plain fields}}]. */
	async importCredentials(credentials: object[]): Promise<void> {
		const file = path.join(this.userFolder, `credentials-${randomUUID()}.json`);
		fs.writeFileSync(file, JSON.stringify(credentials), { mode: 0o600 });
		try {
			await this.cliOk(['import:credentials', `--input=${file}`]);
		} finally {
			fs.rmSync(file, { force: true });
		}
	}

	/** Imports workflows with one CLI call (each n8n CLI start costs seconds); returns their ids. */
	async importWorkflows(workflows: Array<{ id?: string }>): Promise<string[]> {
		const dir = path.join(this.userFolder, `workflows-${randomUUID()}`);
		fs.mkdirSync(dir);
		const ids: string[] = [];
		for (const workflow of workflows) {
			const wf = { ...workflow, active: false, id: workflow.id ?? n8nId() };
			ids.push(wf.id);
			fs.writeFileSync(path.join(dir, `${wf.id}.json`), JSON.stringify(wf));
		}
		try {
			await this.cliOk(['import:workflow', '--separate', `--input=${dir}`]);
		} finally {
			fs.rmSync(dir, { recursive: true, force: true });
		}
		return ids;
	}

	/** Publishes (activates) workflows; takes effect when the main (re)starts. */
	async publishWorkflows(ids: string[]): Promise<void> {
		for (const id of ids) await this.cliOk(['publish:workflow', `--id=${id}`]);
	}

	/**
	 * Runs a workflow once with `n8n execute` (starts at its Manual Trigger, in the CLI process).
	 * Resolves the run data (IRun) or rejects with n8n's error output.
	 */
	async executeWorkflow(
		id: string,
		{ timeoutMs = 240_000 } = {},
	): Promise<Record<string, unknown>> {
		const result = await this.cli(['execute', `--id=${id}`, '--rawOutput'], { timeoutMs });
		const out = result.stdout;
		// The JSON of the run starts at a line of its own; log lines may come before it.
		const start = out.search(/^\{/m);
		let parsed: unknown;
		if (start >= 0) {
			try {
				parsed = JSON.parse(out.slice(start, out.lastIndexOf('}') + 1));
			} catch {
				parsed = undefined;
			}
		}
		// `n8n execute` sometimes exits non-zero while shutting down its task runner after a
		// complete run: the printed run is what counts.
		if (parsed && typeof parsed === 'object' && 'data' in parsed)
			return parsed as Record<string, unknown>;
		throw new Error(
			`n8n execute --id=${id} failed (exit ${result.code}) without a run result:\n${tail(out + result.stderr, 60)}`,
		);
	}

	/** Starts the workers (queue mode) and the main, and waits until all are ready. */
	async start({ timeoutMs = 180_000 } = {}): Promise<void> {
		await Promise.all([
			...this.workers.map((w) => this.startWorker(w, timeoutMs)),
			this.startMain({ timeoutMs }),
		]);
	}

	/** Starts `n8n start` and waits until /healthz/readiness answers (routes ready). */
	async startMain({ timeoutMs = 180_000 } = {}): Promise<void> {
		if (this.main.running) throw new Error('n8n main already started');
		this.main.spawn(this.runtime, ['start'], this.userFolder, await this.env());
		try {
			await this.main.waitReady(`${this.url}/healthz/readiness`, timeoutMs);
		} catch (error) {
			await this.main.stop(5_000);
			throw error;
		}
	}

	private async startWorker(worker: N8nProcess, timeoutMs: number): Promise<void> {
		const healthPort = await freePort();
		const env = {
			...(await this.env()),
			QUEUE_HEALTH_CHECK_ACTIVE: 'true',
			QUEUE_HEALTH_CHECK_PORT: String(healthPort),
			N8N_WORKER_SERVER_ADDRESS: '127.0.0.1',
		};
		worker.spawn(this.runtime, ['worker', '--concurrency=5'], this.userFolder, env);
		await worker.waitReady(`http://127.0.0.1:${healthPort}/healthz/readiness`, timeoutMs);
	}

	/** A crash of the main: SIGKILL, no shutdown, no last save. Workers keep running. */
	async killMain(): Promise<void> {
		await this.main.kill();
	}

	/** Why n8n could not load this package, from its logs (undefined when it loaded). */
	packageLoadError(): string | undefined {
		for (const proc of [this.main, ...this.workers]) {
			const lines = proc.logText().split('\n');
			const at = lines.findIndex(
				(l) =>
					l.includes(`Failed to load package "${PACKAGE_NAME}"`) ||
					l.includes(`Unrecognized node type: ${PACKAGE_NAME}.`) ||
					l.includes(`Unrecognized credential type`),
			);
			if (at >= 0) return `${proc.role}: ${lines.slice(at, at + 3).join('\n')}`;
		}
		return undefined;
	}

	/**
	 * Where filesystem binary data of a given id (`filesystem-v2:…`) lies: for runs of `n8n execute`,
	 * which end before any server could serve them.
	 */
	binaryDataPath(binaryId: string): string {
		const rel = String(binaryId).replace(/^filesystem(-v2)?:/, '');
		const candidates = ['storage', 'binaryData'].map((dir) =>
			path.join(this.userFolder, '.n8n', dir, rel),
		);
		return candidates.find((c) => fs.existsSync(c)) ?? candidates[0];
	}

	/** Execution ids each worker's log says it finished ("Worker finished execution N"). */
	executionsFinishedByWorkers(): Map<string, string> {
		const byExecution = new Map<string, string>();
		for (const worker of this.workers) {
			for (const m of worker.logText().matchAll(/Worker finished execution (\d+)/g))
				byExecution.set(m[1], worker.role);
		}
		return byExecution;
	}

	/** Resident memory (MB) of each running process by role: now, or its peak so far. */
	rss(field: 'VmRSS' | 'VmHWM' = 'VmRSS'): Record<string, number | undefined> {
		return Object.fromEntries(
			[this.main, ...this.workers].map((p) => [p.role, rssMb(p.pid, field)]),
		);
	}

	/**
	 * Runs `fn` while sampling every process's resident memory (every 100 ms); returns how far
	 * each grew above where it was before, in MB.
	 */
	async rssGrowthDuring(fn: () => Promise<void>): Promise<Record<string, number>> {
		const before = this.rss();
		const peak: Record<string, number> = {};
		const sample = () => {
			for (const [role, mb] of Object.entries(this.rss()))
				if (mb !== undefined) peak[role] = Math.max(peak[role] ?? 0, mb);
		};
		const timer = setInterval(sample, 100);
		try {
			await fn();
		} finally {
			clearInterval(timer);
			sample();
		}
		return Object.fromEntries(
			Object.entries(peak).map(([role, mb]) => [role, mb - (before[role] ?? mb)]),
		);
	}

	/** SIGTERM to every process group (n8n and its task runner), SIGKILL after a grace period. */
	async stop({ graceMs = 20_000 } = {}): Promise<void> {
		await this.main.stop(graceMs);
		await Promise.all(this.workers.map((w) => w.stop(graceMs)));
	}

	/** Stops n8n and removes the temp user folder (when this instance made it), unless `keep`. */
	async cleanup({ keep = false } = {}): Promise<void> {
		await this.stop();
		if (keep) this.log(`kept ${this.userFolder}`);
		else if (this.ownsFolder) fs.rmSync(this.userFolder, { recursive: true, force: true });
	}
}
