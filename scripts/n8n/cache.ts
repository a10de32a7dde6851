/**
 * The cached n8n install: Node 24, n8n 2.40.7 and a sqlite3 built for that Node, once, in a folder
 * outside the repository (`~/.cache/n8n-nodes-voipbin/n8n-2.40.7`, or VOIPBIN_N8N_CACHE).
 *
 * Why each choice (checked against n8n 2.40.7's source):
 * - n8n 2.40.7 needs Node 24; the npm registry ships Node itself as `node-<platform>-<arch>`.
 * - `npm install n8n --ignore-scripts` avoids install scripts that download binaries; only
 *   sqlite3 needs a native build, done with `npm rebuild` against Node 24's headers.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { withLock } from './lock';
import { run, tail } from './processes';

export const N8N_VERSION = '2.40.7';
export const NODE_MAJOR = 24;
/** The repository (this file is scripts/n8n/cache.ts). */
export const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');
export const PACKAGE_NAME = 'n8n-nodes-voipbin';
const MARKER = 'warm.done';

export type Log = (message: string) => void;
export const defaultLog: Log = (message) => process.stderr.write(`${message}\n`);

export function defaultCacheDir(): string {
	return (
		process.env.VOIPBIN_N8N_CACHE ||
		path.join(os.homedir(), '.cache', 'n8n-nodes-voipbin', `n8n-${N8N_VERSION}`)
	);
}

function nodePackageName(): string {
	return `node-${process.platform}-${process.arch}`;
}

export interface RuntimePaths {
	dir: string;
	marker: string;
	nodeBin: string;
	nodeHome: string;
	n8nBin: string;
	n8nPackageJson: string;
	sqliteDir: string;
	/** n8n's node_modules: PostgreSQL and Redis clients for the queue-mode run come from here. */
	modules: string;
}

export function runtimePaths(dir = defaultCacheDir()): RuntimePaths {
	const modules = path.join(dir, 'node_modules');
	return {
		dir,
		marker: path.join(dir, MARKER),
		nodeBin: path.join(modules, nodePackageName(), 'bin', 'node'),
		nodeHome: path.join(modules, nodePackageName()),
		n8nBin: path.join(modules, 'n8n', 'bin', 'n8n'),
		n8nPackageJson: path.join(modules, 'n8n', 'package.json'),
		sqliteDir: path.join(modules, 'sqlite3'),
		modules,
	};
}

export function readJson<T = Record<string, unknown>>(file: string): T | undefined {
	try {
		return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
	} catch {
		return undefined;
	}
}

/** What is missing from a cache directory (empty when it is complete). */
export function cacheProblems(dir = defaultCacheDir()): string[] {
	const p = runtimePaths(dir);
	const problems: string[] = [];
	if (!fs.existsSync(p.marker)) problems.push(`no ${MARKER} marker`);
	if (!fs.existsSync(p.nodeBin)) problems.push(`no Node ${NODE_MAJOR} binary`);
	const n8nVersion = readJson<{ version?: string }>(p.n8nPackageJson)?.version;
	if (n8nVersion !== N8N_VERSION)
		problems.push(`n8n is ${n8nVersion ?? 'missing'}, want ${N8N_VERSION}`);
	if (!fs.existsSync(p.n8nBin)) problems.push('no n8n bin');
	if (!fs.existsSync(path.join(p.sqliteDir, 'build', 'Release', 'node_sqlite3.node')))
		problems.push('sqlite3 not built');
	return problems;
}

function npmCommand(): { cmd: string; pre: string[] } {
	const execPath = process.env.npm_execpath;
	if (execPath && /npm-cli\.js$/.test(execPath) && fs.existsSync(execPath)) {
		return { cmd: process.execPath, pre: [execPath] };
	}
	return { cmd: 'npm', pre: [] };
}

/**
 * The environment for npm calls into the cache. npm exports the calling project's settings as
 * `npm_config_*` (a caller's ignore-scripts=true, say), and an inherited one would silently turn
 * the sqlite3 build into a no-op: none are passed on, and each call sets its own.
 */
function npmEnvironment(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
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
export async function missingBuildTools(): Promise<string[]> {
	const has = async (cmd: string) => {
		try {
			return (await run(cmd, ['--version'], { timeoutMs: 30_000 })).code === 0;
		} catch {
			return false;
		}
	};
	const missing: string[] = [];
	if (!(await has('python3'))) missing.push('python3');
	if (!(await has('make'))) missing.push('make');
	if (!(await has('c++')) && !(await has('g++'))) missing.push('a C++ compiler (g++)');
	return missing;
}

/**
 * Makes sure the cache holds Node 24, n8n 2.40.7 and a sqlite3 built for that Node, and returns
 * the paths. Reuses a complete cache at once; (re)does the missing steps otherwise, writing the
 * marker last.
 */
export async function ensureN8n({
	cacheDir = defaultCacheDir(),
	log = defaultLog,
}: { cacheDir?: string; log?: Log } = {}): Promise<RuntimePaths> {
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
		// Every npm call runs in the cache folder, whose package.json makes it npm's project; no
		// --prefix, which would also move npm's global config (and a cafile or proxy set there).
		const npm = npmCommand();
		const step = async (
			message: string,
			args: string[],
			logName: string,
			env = npmEnvironment(),
		) => {
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
				['install', '--save-exact', `${nodePackageName()}@${NODE_MAJOR}`],
				'install-node.log',
			);
		}
		// Always (re)run when the marker is missing: npm finishes an interrupted install quickly.
		await step(
			`Installing n8n ${N8N_VERSION} (once, ~4 min, 2.9 GB)…`,
			[
				'install',
				'--save-exact',
				'--ignore-scripts=true',
				`n8n@${N8N_VERSION}`,
			],
			'install-n8n.log',
		);
		// sqlite3 is n8n's one native module: build it against Node 24's headers. The build runs
		// install scripts, so scripts are switched on here whatever the caller's npm config says.
		await step(
			`Building sqlite3 for Node ${NODE_MAJOR} (once, ~1.5 min)…`,
			[
				'rebuild',
				'--ignore-scripts=false',
				'--foreground-scripts',
				'sqlite3',
			],
			'rebuild-sqlite3.log',
			npmEnvironment({
				npm_config_ignore_scripts: 'false',
				npm_config_nodedir: p.nodeHome,
				PATH: `${path.dirname(p.nodeBin)}${path.delimiter}${process.env.PATH}`,
			}),
		);
		const check = await run(p.nodeBin, ['-e', `require(${JSON.stringify(p.sqliteDir)})`]);
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
