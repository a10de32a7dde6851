// A real n8n for the demo and the end-to-end test: install it once into a cache outside the
// repository, start it on a free loopback port with a throw-away user folder and this package
// loaded as an installed community package, drive it with n8n's own CLI and REST API, read its
// executions, and stop it cleanly. Plain Node ESM, no dependencies.
//
// Why each choice (all checked against n8n 2.40.7's source in the cache):
// - n8n 2.40.7 needs Node 24; the npm registry ships Node itself as `node-<platform>-<arch>`.
// - `npm install n8n --ignore-scripts` avoids install scripts that download binaries; only
//   sqlite3 needs a native build, done with `npm rebuild` against Node 24's headers.
// - The package is copied (package.json + dist) into `<user folder>/.n8n/nodes/node_modules/`,
//   where n8n's community-packages module scans for `n8n-nodes-*` at start-up. So node types keep
//   their real community names (`n8n-nodes-voipbin.voipbinRecording`) and `require('n8n-workflow')`
//   resolves to n8n's own copy (through the NODE_PATH n8n sets), as for a package a user installs.
// - Credentials and workflows are imported and published with the n8n CLI before the server
//   starts (`publish:workflow` only takes effect at the next start).
// - Executions are read from n8n's SQLite database with Node 24's built-in `node:sqlite`
//   (read-only), their data decoded with the `flatted` module n8n itself uses.
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const N8N_VERSION = '2.40.7';
export const NODE_MAJOR = 24;
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const PACKAGE_NAME = 'n8n-nodes-voipbin';
const MARKER = 'warm.done';

const defaultLog = (message) => process.stderr.write(`${message}\n`);

export function defaultCacheDir() {
	return (
		process.env.VOIPBIN_N8N_CACHE ||
		path.join(os.homedir(), '.cache', 'n8n-nodes-voipbin', `n8n-${N8N_VERSION}`)
	);
}

function nodePackageName() {
	return `node-${process.platform}-${process.arch}`;
}

export function runtimePaths(dir = defaultCacheDir()) {
	const modules = path.join(dir, 'node_modules');
	return {
		dir,
		marker: path.join(dir, MARKER),
		nodeBin: path.join(modules, nodePackageName(), 'bin', 'node'),
		nodeHome: path.join(modules, nodePackageName()),
		n8nBin: path.join(modules, 'n8n', 'bin', 'n8n'),
		n8nPackageJson: path.join(modules, 'n8n', 'package.json'),
		sqliteDir: path.join(modules, 'sqlite3'),
		flatted: path.join(modules, 'flatted', 'cjs', 'index.js'),
	};
}

function readJson(file) {
	try {
		return JSON.parse(fs.readFileSync(file, 'utf8'));
	} catch {
		return undefined;
	}
}

/** What is missing from a cache directory (empty when it is complete). */
export function cacheProblems(dir = defaultCacheDir()) {
	const p = runtimePaths(dir);
	const problems = [];
	if (!fs.existsSync(p.marker)) problems.push(`no ${MARKER} marker`);
	if (!fs.existsSync(p.nodeBin)) problems.push(`no Node ${NODE_MAJOR} binary`);
	const n8nVersion = readJson(p.n8nPackageJson)?.version;
	if (n8nVersion !== N8N_VERSION)
		problems.push(`n8n is ${n8nVersion ?? 'missing'}, want ${N8N_VERSION}`);
	if (!fs.existsSync(p.n8nBin)) problems.push('no n8n bin');
	if (!fs.existsSync(path.join(p.sqliteDir, 'build', 'Release', 'node_sqlite3.node')))
		problems.push('sqlite3 not built');
	if (!fs.existsSync(p.flatted)) problems.push('no flatted module');
	return problems;
}

// ---------------------------------------------------------------------------------------------
// Small process helpers

// Process groups started here that are still running: ended when this process exits, so that an
// interrupted install or test leaves no npm or n8n behind.
const liveGroups = new Set();
process.on('exit', () => {
	for (const pid of liveGroups) killGroup(pid, 'SIGTERM');
});

/**
 * Starts a long-running command in its own process group (so its children go with it), killed
 * when this process exits. `stop()` sends SIGTERM to the group, then SIGKILL after `graceMs`.
 */
export function spawnGroup(cmd, args, options = {}) {
	const child = spawn(cmd, args, { ...options, detached: true });
	const pid = child.pid;
	if (pid) liveGroups.add(pid);
	const exited = new Promise((resolve) =>
		child.on('exit', (code, signal) => {
			liveGroups.delete(pid);
			resolve({ code, signal });
		}),
	);
	const stop = async ({ graceMs = 5_000 } = {}) => {
		killGroup(pid, 'SIGTERM');
		if (!(await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]))) {
			killGroup(pid, 'SIGKILL');
			await Promise.race([exited, sleep(5_000)]);
		}
		// Children may outlive their parent for a moment: clear the group.
		killGroup(pid, 'SIGKILL');
	};
	return { child, exited, stop };
}

/** Runs a command; resolves {code, signal, stdout, stderr}. Output can also go to a log file. */
export function run(cmd, args, { cwd, env, logFile, timeoutMs = 0, input } = {}) {
	return new Promise((resolve, reject) => {
		const child = spawn(cmd, args, {
			cwd,
			env: env ?? process.env,
			stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
			detached: true,
		});
		if (child.pid) liveGroups.add(child.pid);
		const log = logFile ? fs.createWriteStream(logFile, { flags: 'a' }) : undefined;
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (d) => {
			stdout += d;
			log?.write(d);
		});
		child.stderr.on('data', (d) => {
			stderr += d;
			log?.write(d);
		});
		if (input !== undefined) child.stdin.end(input);
		let timedOut = false;
		const timer =
			timeoutMs > 0
				? setTimeout(() => {
						timedOut = true;
						killGroup(child.pid, 'SIGKILL');
					}, timeoutMs)
				: undefined;
		child.on('error', (error) => {
			clearTimeout(timer);
			log?.end();
			reject(error);
		});
		child.on('close', (code, signal) => {
			liveGroups.delete(child.pid);
			clearTimeout(timer);
			log?.end();
			if (timedOut) {
				const error = new Error(
					`${path.basename(cmd)} ${args.slice(0, 2).join(' ')} timed out after ${Math.round(timeoutMs / 1000)} s`,
				);
				Object.assign(error, { stdout, stderr });
				reject(error);
				return;
			}
			resolve({ code, signal, stdout, stderr });
		});
	});
}

function killGroup(pid, signal) {
	if (!pid) return;
	try {
		process.kill(-pid, signal);
	} catch {
		try {
			process.kill(pid, signal);
		} catch {
			// already gone
		}
	}
}

function isAlive(pid) {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return error.code === 'EPERM';
	}
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A free TCP port on 127.0.0.1 (asks the kernel, then releases it). */
export function freePort() {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.unref();
		server.on('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address();
			server.close(() => resolve(port));
		});
	});
}

function npmCommand() {
	const execPath = process.env.npm_execpath;
	if (execPath && /npm-cli\.js$/.test(execPath) && fs.existsSync(execPath)) {
		return { cmd: process.execPath, pre: [execPath] };
	}
	return { cmd: 'npm', pre: [] };
}

/**
 * The environment for npm calls into the cache. npm exports the calling project's settings as
 * `npm_config_*` (this project's .npmrc says ignore-scripts=true), and an inherited one would
 * silently turn the sqlite3 build into a no-op: none are passed on, and each call sets its own.
 */
function npmEnvironment(extra = {}) {
	const env = Object.fromEntries(
		Object.entries(process.env).filter(([key]) => !/^npm_(config|package|lifecycle)_/i.test(key)),
	);
	return {
		...env,
		npm_config_update_notifier: 'false',
		npm_config_fund: 'false',
		npm_config_audit: 'false',
		...extra,
	};
}

/** What sqlite3's native build needs and this machine lacks (empty when all is there). */
export async function missingBuildTools() {
	const has = async (cmd) => {
		try {
			return (await run(cmd, ['--version'], { timeoutMs: 30_000 })).code === 0;
		} catch {
			return false;
		}
	};
	const missing = [];
	if (!(await has('python3'))) missing.push('python3');
	if (!(await has('make'))) missing.push('make');
	if (!(await has('c++')) && !(await has('g++'))) missing.push('a C++ compiler (g++)');
	return missing;
}

function tail(text, lines = 30) {
	return String(text ?? '')
		.trimEnd()
		.split('\n')
		.slice(-lines)
		.join('\n');
}

// ---------------------------------------------------------------------------------------------
// The cached n8n install

async function withLock(dir, log, fn) {
	const lockDir = `${dir}.lock`;
	fs.mkdirSync(path.dirname(lockDir), { recursive: true });
	const started = Date.now();
	let told = false;
	for (;;) {
		try {
			fs.mkdirSync(lockDir);
			fs.writeFileSync(path.join(lockDir, 'pid'), String(process.pid));
			break;
		} catch (error) {
			if (error.code !== 'EEXIST') throw error;
			const pid = Number(
				fs.readFileSync(path.join(lockDir, 'pid'), { encoding: 'utf8', flag: 'a+' }),
			);
			const age = Date.now() - fs.statSync(lockDir).mtimeMs;
			if ((pid && !isAlive(pid)) || (!pid && age > 60_000)) {
				fs.rmSync(lockDir, { recursive: true, force: true });
				continue;
			}
			if (!told) {
				log(`Another process (pid ${pid}) is installing n8n into ${dir}; waiting for it…`);
				told = true;
			}
			if (Date.now() - started > 30 * 60_000) throw new Error(`Timed out waiting for ${lockDir}`);
			await sleep(2000);
		}
	}
	try {
		return await fn();
	} finally {
		fs.rmSync(lockDir, { recursive: true, force: true });
	}
}

/**
 * Makes sure the cache holds Node 24, n8n 2.40.7 and a sqlite3 built for that Node, and returns
 * the paths. Reuses a complete cache at once; (re)does the missing steps otherwise, writing the
 * marker last.
 */
export async function ensureN8n({ cacheDir = defaultCacheDir(), log = defaultLog } = {}) {
	if (cacheProblems(cacheDir).length === 0) return runtimePaths(cacheDir);
	return await withLock(cacheDir, log, async () => {
		if (cacheProblems(cacheDir).length === 0) return runtimePaths(cacheDir);
		const p = runtimePaths(cacheDir);
		const missing = await missingBuildTools();
		if (missing.length) {
			throw new Error(
				`n8n's sqlite3 module is built from source and this machine lacks ${missing.join(', ')}: ` +
					'install them first (Debian/Ubuntu: apt-get install python3 make g++).',
			);
		}
		log(`Installing n8n ${N8N_VERSION} into ${cacheDir} (first run only)`);
		fs.mkdirSync(cacheDir, { recursive: true });
		fs.rmSync(p.marker, { force: true });
		const pkgFile = path.join(cacheDir, 'package.json');
		if (!fs.existsSync(pkgFile)) {
			fs.writeFileSync(
				pkgFile,
				`${JSON.stringify({ private: true, description: 'n8n for n8n-nodes-voipbin demo and e2e', dependencies: {} }, null, 2)}\n`,
			);
		}
		const npm = npmCommand();
		const step = async (message, args, logName, env = npmEnvironment()) => {
			log(message);
			const t0 = Date.now();
			const logFile = path.join(cacheDir, logName);
			fs.writeFileSync(logFile, `$ npm ${args.join(' ')}\n`);
			const result = await run(npm.cmd, [...npm.pre, ...args], {
				cwd: cacheDir,
				env,
				logFile,
				timeoutMs: 20 * 60_000,
			});
			if (result.code !== 0) {
				throw new Error(
					`npm ${args.slice(0, 2).join(' ')} failed (exit ${result.code}); the whole log is ${logFile}\n${tail(result.stderr || result.stdout, 80)}`,
				);
			}
			log(`  done in ${Math.round((Date.now() - t0) / 1000)} s`);
		};

		const nodeOk =
			fs.existsSync(p.nodeBin) &&
			(await run(p.nodeBin, ['-p', 'process.versions.node'])).stdout.trim().split('.')[0] ===
				String(NODE_MAJOR);
		if (!nodeOk) {
			await step(
				`Installing Node ${NODE_MAJOR} for n8n (once)…`,
				['install', '--prefix', cacheDir, '--save-exact', `${nodePackageName()}@${NODE_MAJOR}`],
				'install-node.log',
			);
		}
		// Always (re)run when the marker is missing: npm finishes an interrupted install quickly.
		await step(
			`Installing n8n ${N8N_VERSION} (once, ~4 min, 2.9 GB)…`,
			['install', '--prefix', cacheDir, '--save-exact', '--ignore-scripts=true', `n8n@${N8N_VERSION}`],
			'install-n8n.log',
		);
		// sqlite3 is n8n's one native module: build it against Node 24's headers. The build runs
		// install scripts, so scripts are switched on here whatever the caller's npm config says.
		await step(
			`Building sqlite3 for Node ${NODE_MAJOR} (once, ~1.5 min)…`,
			['rebuild', '--prefix', cacheDir, '--ignore-scripts=false', '--foreground-scripts', 'sqlite3'],
			'rebuild-sqlite3.log',
			npmEnvironment({
				npm_config_ignore_scripts: 'false',
				npm_config_nodedir: p.nodeHome,
				PATH: `${path.dirname(p.nodeBin)}${path.delimiter}${process.env.PATH}`,
			}),
		);
		const check = await run(p.nodeBin, [
			'-e',
			`require(${JSON.stringify(p.sqliteDir)}); require(${JSON.stringify(p.flatted)})`,
		]);
		if (check.code !== 0) {
			throw new Error(
				`sqlite3 does not load in Node ${NODE_MAJOR} after the rebuild (see ${path.join(cacheDir, 'rebuild-sqlite3.log')}):\n${String(check.stderr).trimEnd()}`,
			);
		}
		const problems = cacheProblems(cacheDir).filter((x) => !x.includes(MARKER));
		if (problems.length) throw new Error(`n8n cache still incomplete: ${problems.join(', ')}`);
		fs.writeFileSync(
			p.marker,
			`${JSON.stringify({ n8n: N8N_VERSION, at: new Date().toISOString() })}\n`,
		);
		return p;
	});
}

// ---------------------------------------------------------------------------------------------
// One n8n instance

/** Copies the built package where n8n looks for installed community packages. */
export function installPackageInto(userFolder, packageDir = PACKAGE_ROOT) {
	const pkg = readJson(path.join(packageDir, 'package.json'));
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
export function n8nId() {
	const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
	return Array.from(randomBytes(16), (b) => alphabet[b % alphabet.length]).join('');
}

export class N8nInstance {
	/**
	 * @param {object} o
	 * @param {ReturnType<typeof runtimePaths>} o.runtime from ensureN8n()
	 * @param {string} [o.userFolder] default: a new temp folder (removed by cleanup())
	 * @param {number} [o.port] default: a free port
	 * @param {string|false} [o.packageDir] package to load; false for none
	 * @param {Record<string,string>} [o.env] extra environment
	 * @param {(m: string) => void} [o.log]
	 */
	constructor({
		runtime,
		userFolder,
		port,
		packageDir = PACKAGE_ROOT,
		env = {},
		log = defaultLog,
	}) {
		this.runtime = runtime;
		this.ownsFolder = !userFolder;
		this.userFolder = userFolder ?? fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-voipbin-'));
		this.port = port;
		this.packageDir = packageDir;
		this.extraEnv = env;
		this.log = log;
		this.encryptionKey = randomBytes(24).toString('hex');
		this.filesDir = path.join(this.userFolder, 'files');
		this.logFile = path.join(this.userFolder, 'n8n.log');
		this.child = undefined;
		this.cookie = undefined;
		this.browserId = randomUUID();
	}

	static async create(options) {
		const instance = new N8nInstance(options);
		instance.port ??= await freePort();
		fs.mkdirSync(instance.filesDir, { recursive: true });
		if (instance.packageDir) installPackageInto(instance.userFolder, instance.packageDir);
		return instance;
	}

	get url() {
		return `http://127.0.0.1:${this.port}`;
	}

	get dbFile() {
		return path.join(this.userFolder, '.n8n', 'database.sqlite');
	}

	async env() {
		const binDir = path.dirname(this.runtime.nodeBin);
		const inherited = { ...process.env };
		// n8n refuses to load nodes when NODE_ENV=test (a test runner's setting).
		if (inherited.NODE_ENV === 'test') delete inherited.NODE_ENV;
		return {
			...inherited,
			PATH: `${binDir}${path.delimiter}${process.env.PATH}`,
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
			...this.extraEnv,
		};
	}

	/** Runs an n8n CLI command (`import:workflow`, `execute`, …) against this user folder. */
	async cli(args, { timeoutMs = 180_000, logFile } = {}) {
		const result = await run(this.runtime.nodeBin, [this.runtime.n8nBin, ...args], {
			cwd: this.userFolder,
			env: await this.env(),
			timeoutMs,
			logFile: logFile ?? path.join(this.userFolder, 'cli.log'),
		});
		return result;
	}

	async cliOk(args, options) {
		const result = await this.cli(args, options);
		if (result.code !== 0) {
			throw new Error(
				`n8n ${args[0]} failed (exit ${result.code}):\n${tail(result.stdout + result.stderr)}`,
			);
		}
		return result;
	}

	/** Imports credentials given as [{id, name, type, data: {...plain fields}}]. */
	async importCredentials(credentials) {
		const file = path.join(this.userFolder, `credentials-${randomUUID()}.json`);
		fs.writeFileSync(file, JSON.stringify(credentials), { mode: 0o600 });
		try {
			await this.cliOk(['import:credentials', `--input=${file}`]);
		} finally {
			fs.rmSync(file, { force: true });
		}
	}

	/** Imports one workflow object (gives it an id when it has none); returns the id. */
	async importWorkflow(workflow) {
		const wf = { ...workflow };
		wf.id ??= n8nId();
		wf.active = false;
		const file = path.join(this.userFolder, `workflow-${wf.id}.json`);
		fs.writeFileSync(file, JSON.stringify(wf));
		await this.cliOk(['import:workflow', `--input=${file}`]);
		return wf.id;
	}

	/** Imports several workflows with one CLI call (each n8n CLI start costs seconds); returns ids. */
	async importWorkflows(workflows) {
		const dir = path.join(this.userFolder, `workflows-${randomUUID()}`);
		fs.mkdirSync(dir);
		const ids = [];
		for (const workflow of workflows) {
			const wf = { ...workflow, active: false };
			wf.id ??= n8nId();
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

	/** Why n8n could not load this package, from its log (undefined when it loaded). */
	packageLoadError(text = this.logText()) {
		const lines = text.split('\n');
		const at = lines.findIndex(
			(l) =>
				l.includes(`Failed to load package "${PACKAGE_NAME}"`) ||
				l.includes(`Unrecognized node type: ${PACKAGE_NAME}.`) ||
				l.includes(`Unrecognized credential type`),
		);
		return at < 0 ? undefined : lines.slice(at, at + 3).join('\n');
	}

	/** Publishes (activates) a workflow; takes effect when the server (re)starts. */
	async publishWorkflow(id) {
		await this.cliOk(['publish:workflow', `--id=${id}`]);
	}

	/**
	 * Runs a workflow once with `n8n execute` (starts at its Manual Trigger). Resolves the run
	 * data (IRun) or rejects with n8n's error output.
	 */
	async executeWorkflow(id, { timeoutMs = 240_000 } = {}) {
		const result = await this.cli(['execute', `--id=${id}`, '--rawOutput'], { timeoutMs });
		const out = result.stdout;
		// The JSON of the run starts at a line of its own; log lines may come before it.
		const start = out.search(/^\{/m);
		let parsed;
		if (start >= 0) {
			try {
				parsed = JSON.parse(out.slice(start, out.lastIndexOf('}') + 1));
			} catch {
				parsed = undefined;
			}
		}
		// `n8n execute` sometimes exits non-zero while shutting down its task runner after a
		// complete run: the printed run is what counts.
		if (parsed && typeof parsed === 'object' && 'data' in parsed) return parsed;
		throw new Error(
			`n8n execute --id=${id} failed (exit ${result.code}) without a run result:\n${tail(out + result.stderr, 60)}`,
		);
	}

	/** Starts `n8n start` and waits until /healthz/readiness answers (routes ready). */
	async start({ timeoutMs = 180_000 } = {}) {
		if (this.child) throw new Error('n8n already started');
		const env = await this.env();
		const out = fs.openSync(this.logFile, 'a');
		this.process = spawnGroup(this.runtime.nodeBin, [this.runtime.n8nBin, 'start'], {
			cwd: this.userFolder,
			env,
			stdio: ['ignore', out, out],
		});
		fs.closeSync(out);
		this.child = this.process.child;
		this.exited = this.process.exited;
		let exitInfo;
		this.exitInfo = undefined;
		this.exited.then((info) => {
			exitInfo = info;
			this.exitInfo = info;
		});
		const deadline = Date.now() + timeoutMs;
		while (Date.now() < deadline) {
			if (exitInfo) {
				this.child = undefined;
				throw new Error(
					`n8n exited during start-up (${JSON.stringify(exitInfo)}):\n${this.logTail(40)}`,
				);
			}
			try {
				const res = await fetch(`${this.url}/healthz/readiness`, {
					signal: AbortSignal.timeout(2000),
				});
				if (res.ok) return;
			} catch {
				// not up yet
			}
			await sleep(500);
		}
		await this.stop();
		throw new Error(
			`n8n did not become ready (/healthz/readiness) within ${timeoutMs / 1000} s:\n${this.logTail(40)}`,
		);
	}

	/** Waits until the server log shows a line matching `pattern` (e.g. activation done). */
	async waitForLog(pattern, { timeoutMs = 60_000 } = {}) {
		const deadline = Date.now() + timeoutMs;
		while (Date.now() < deadline) {
			if (pattern.test(this.logText())) return true;
			await sleep(500);
		}
		return false;
	}

	logText() {
		try {
			return fs.readFileSync(this.logFile, 'utf8');
		} catch {
			return '';
		}
	}

	logTail(lines = 30) {
		return tail(this.logText(), lines);
	}

	/** SIGTERM to n8n's process group (n8n and its task runner), SIGKILL after a grace period. */
	async stop({ graceMs = 20_000 } = {}) {
		if (!this.child) return;
		this.child = undefined;
		await this.process.stop({ graceMs });
	}

	/** Stops n8n and removes the temp user folder (when this instance made it). */
	async cleanup() {
		await this.stop();
		if (this.ownsFolder) fs.rmSync(this.userFolder, { recursive: true, force: true });
	}

	// ----- REST (the editor's API, with the owner's session cookie)

	async rest(method, route, body, { expectOk = true } = {}) {
		const headers = { 'browser-id': this.browserId, accept: 'application/json' };
		if (body !== undefined) headers['content-type'] = 'application/json';
		if (this.cookie) headers.cookie = this.cookie;
		const res = await fetch(`${this.url}/rest${route}`, {
			method,
			headers,
			body: body === undefined ? undefined : JSON.stringify(body),
			signal: AbortSignal.timeout(60_000),
		});
		const setCookie = res.headers.getSetCookie?.() ?? [];
		for (const c of setCookie) {
			const pair = c.split(';')[0];
			if (pair.startsWith('n8n-auth=')) this.cookie = pair;
		}
		const text = await res.text();
		let json;
		try {
			json = JSON.parse(text);
		} catch {
			json = undefined;
		}
		if (expectOk && !res.ok) {
			throw new Error(`${method} /rest${route} → ${res.status}: ${text.slice(0, 500)}`);
		}
		return { status: res.status, body: json ?? text };
	}

	/** Sets up the owner account of a fresh instance (and keeps its session). */
	async setupOwner({ email, password, firstName = 'Demo', lastName = 'Owner' }) {
		await this.rest('POST', '/owner/setup', { email, password, firstName, lastName });
		this.owner = { email, password };
	}

	async login({ email, password } = this.owner) {
		await this.rest('POST', '/login', { emailOrLdapLoginId: email, password });
	}

	/**
	 * n8n's "Test" button of the credential dialog: tests the stored credential `id` with `data`
	 * (unchanged fields come from the stored one). Resolves {status: 'OK'|'Error', message}.
	 */
	async testCredential({ id, name = '', type, data }) {
		const res = await this.rest('POST', '/credentials/test', {
			credentials: { id, name, type, data },
		});
		return res.body?.data ?? res.body;
	}

	// ----- executions, from the database

	/**
	 * All executions of a workflow, oldest first: {id, status, mode, finished, startedAt,
	 * stoppedAt, data} where data is the decoded IRun data (resultData.runData, …) or null.
	 */
	async executions(workflowId) {
		if (!fs.existsSync(this.dbFile)) return [];
		const code = `
			const { DatabaseSync } = require('node:sqlite');
			const { parse } = require(process.argv[1]);
			const db = new DatabaseSync(process.argv[2], { readOnly: true, timeout: 10000 });
			const rows = db.prepare(
				'SELECT e.id, e.status, e.mode, e.finished, e.startedAt, e.stoppedAt, d.data ' +
				'FROM execution_entity e LEFT JOIN execution_data d ON d.executionId = e.id ' +
				'WHERE e.workflowId = ? ORDER BY CAST(e.id AS INTEGER)').all(process.argv[3]);
			const out = rows.map((r) => ({ ...r, id: String(r.id), finished: !!r.finished, data: r.data ? parse(r.data) : null }));
			process.stdout.write(JSON.stringify(out));
		`;
		for (let attempt = 0; ; attempt++) {
			const result = await run(
				this.runtime.nodeBin,
				['--no-warnings', '-e', code, this.runtime.flatted, this.dbFile, String(workflowId)],
				{ timeoutMs: 60_000 },
			);
			if (result.code === 0) return JSON.parse(result.stdout);
			if (attempt >= 4) throw new Error(`Reading executions failed:\n${tail(result.stderr)}`);
			await sleep(500);
		}
	}

	/** Path of a binary data file named by its id (`filesystem-v2:…` or `filesystem:…`). */
	binaryDataPath(binaryId) {
		const rel = String(binaryId).replace(/^filesystem(-v2)?:/, '');
		const candidates = [
			path.join(this.userFolder, '.n8n', 'storage', rel),
			path.join(this.userFolder, '.n8n', 'binaryData', rel),
		];
		return candidates.find((c) => fs.existsSync(c)) ?? candidates[0];
	}
}

/** Output items of one node in a run (IRun.data), first run, first output. */
export function nodeOutput(runData, nodeName, { runIndex = 0, output = 0 } = {}) {
	const runs =
		runData?.data?.resultData?.runData?.[nodeName] ?? runData?.resultData?.runData?.[nodeName];
	return runs?.[runIndex]?.data?.main?.[output] ?? [];
}

/** The error an execution ended with, as text (or undefined). */
export function executionError(runData) {
	const error = runData?.data?.resultData?.error ?? runData?.resultData?.error;
	if (!error) return undefined;
	return [error.message, error.description].filter(Boolean).join(' — ');
}

/** One of the example workflows in `examples/`, parsed. */
export function loadExample(file) {
	return JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'examples', file), 'utf8'));
}

/** Points every VoIPBIN node of a workflow at the given credential. */
export function useCredential(workflow, credential) {
	for (const node of workflow.nodes) {
		if (node.credentials?.voipbinApi)
			node.credentials.voipbinApi = { id: credential.id, name: credential.name };
	}
	return workflow;
}

/** The node of that name in a workflow; throws when an example no longer has it. */
export function nodeNamed(workflow, name) {
	const node = workflow.nodes.find((n) => n.name === name);
	if (!node) throw new Error(`Workflow "${workflow.name}" has no node "${name}"`);
	return node;
}
