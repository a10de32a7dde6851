/**
 * End-to-end test of n8n-nodes-voipbin inside a real n8n 2.40.7 (cached, see scripts/n8n/cache.ts)
 * against the fake VoIPBIN server, in each way users run n8n:
 *
 *   classic           one process, SQLite: the example workflows imported and run with the CLI
 *                     (the AI Agent with the VoIPBIN tools among them), the trigger workflows
 *                     (VoIPBIN's own transcription among them), the credential test, a burst
 *                     with hard restarts
 *   durable           the same burst and restarts with n8n's durable poll scheduler and cursors
 *   queue-database    main + 2 workers, Redis, PostgreSQL, binary data in the database (n8n's
 *                     default in queue mode): webhook-started workflows, the burst with restarts
 *   queue-filesystem  the same with filesystem binary data, the burst without restarts
 *   editor            the n8n editor in headless Chromium on the demo's deployment: sign in, the
 *                     example workflows, every panel, Fetch Test Event, a run from the editor with
 *                     its WAV player, the credential test, the node search (screenshots kept)
 *
 *   npm test -- --e2e-only                     all of them (npm test runs this file with tsx)
 *   tsx test/e2e/main.ts --only classic,durable   some of them
 *
 * The queue modes need PostgreSQL and Redis (VOIPBIN_PG_URL, VOIPBIN_REDIS_URL; defaults
 * postgres://postgres@127.0.0.1:5432/postgres and redis://127.0.0.1:6379/0), the editor mode
 * Debian's chromium. A mode whose needs are missing is skipped with one line saying why — a
 * failure when CI=true.
 * Exits non-zero on any failure; the last line is `e2e: N passed, M failed`.
 *
 * Adding a scenario: write `async function myScenario(ctx: E2eContext, d: Deployment)` in
 * scenarios/ (new workflows through `d.api`, a fake account through `d.newAccount()`, checks
 * through `ctx.checks`, figures through `ctx.checks.figures`), and call it from the run() of the
 * modes it belongs to below.
 *
 * Environment: E2E_TIMEOUT_MS (default 1500000, counted after the n8n install), E2E_KEEP=1 keeps
 * n8n's folders, E2E_SKIP_BUILD=1, VOIPBIN_N8N_CACHE (see scripts/n8n/cache.ts),
 * VOIPBIN_SCREENSHOTS (where the editor mode keeps its screenshots; default test-results/).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { ensureN8n, PACKAGE_ROOT } from '../../scripts/n8n/cache';
import { run, tail } from '../../scripts/n8n/processes';
import { queueServicesMissing } from '../../scripts/n8n/services';
import { type FakeProcess, startFakeProcess } from '../fake-voipbin/process';
import { Checks } from './checks';
import { Deployment, type DeploymentSpec, type E2eContext } from './deployment';
import { aiAgentTool } from './scenarios/ai-agent';
import { cliWorkflows, importAccountWithCli } from './scenarios/cli-workflows';
import { editorInBrowser, editorMissing } from './scenarios/editor';
import { KILL_MOMENTS, triggerBurst } from './scenarios/trigger-burst';
import { triggerWorkflows } from './scenarios/trigger-workflows';
import { webhookWorkflows } from './scenarios/webhook-workflows';

type Cleanup = () => Promise<void>;

/** A mode runs its scenarios (each one function in scenarios/) on one n8n set-up. */
type Mode = {
	/** Why the mode cannot run on this machine, or undefined when it can. */
	missing?: () => Promise<string | undefined>;
} & (
	| {
			spec: DeploymentSpec;
			run(ctx: E2eContext, d: Deployment): Promise<void>;
	  }
	| {
			/** A mode that sets up its own deployment, handing each stop to `onCleanup` at once. */
			runAlone(ctx: E2eContext, onCleanup: (stop: Cleanup) => void): Promise<void>;
	  }
);

const MODES: Record<string, Mode> = {
	classic: {
		spec: { name: 'classic' },
		async run(ctx, d) {
			const account = await importAccountWithCli(ctx, d);
			const recordingId = await cliWorkflows(ctx, d, account);
			await aiAgentTool(ctx, d);
			if (!(await triggerWorkflows(ctx, d, account, recordingId))) return;
			await triggerBurst(ctx, d, { kills: KILL_MOMENTS });
		},
	},
	durable: {
		spec: { name: 'durable', durable: true },
		async run(ctx, d) {
			if (await d.start()) await triggerBurst(ctx, d, { kills: KILL_MOMENTS });
		},
	},
	'queue-database': {
		missing: queueServicesMissing,
		spec: { name: 'queue (database)', queue: { binaryDataMode: 'database' } },
		async run(ctx, d) {
			if (!(await d.start())) return;
			await webhookWorkflows(ctx, d);
			await triggerBurst(ctx, d, { kills: KILL_MOMENTS });
		},
	},
	'queue-filesystem': {
		missing: queueServicesMissing,
		spec: { name: 'queue (filesystem)', queue: { binaryDataMode: 'filesystem' } },
		async run(ctx, d) {
			if (!(await d.start())) return;
			await webhookWorkflows(ctx, d);
			await triggerBurst(ctx, d);
		},
	},
	editor: {
		missing: editorMissing,
		runAlone: editorInBrowser,
	},
};

const ROOT = PACKAGE_ROOT;
const TIME_LIMIT_MS = Number(process.env.E2E_TIMEOUT_MS ?? 1_500_000);
const t0 = Date.now();
const say = (message: string) =>
	console.log(`[e2e ${Math.round((Date.now() - t0) / 1000)}s] ${message}`);
const checks = new Checks();

const cleanups: Cleanup[] = [];
let finishing = false;
async function finish(code?: number): Promise<never> {
	if (!finishing) {
		finishing = true;
		for (const fn of cleanups.reverse()) {
			try {
				await fn();
			} catch (error) {
				console.log(`cleanup: ${(error as Error).message}`);
			}
		}
	}
	const failed = checks.summary();
	process.exit(code ?? (failed ? 1 : 0));
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
	process.on(signal, () => {
		checks.check(`not interrupted (${signal})`, false);
		void finish(1);
	});
}

function newestMtime(dir: string, filter: (file: string) => boolean): number {
	let newest = 0;
	if (!fs.existsSync(dir)) return newest;
	for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
		if (!entry.isFile()) continue;
		const file = path.join(entry.parentPath, entry.name);
		if (filter(file)) newest = Math.max(newest, fs.statSync(file).mtimeMs);
	}
	return newest;
}

function buildNeeded(): boolean {
	const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
		n8n: { nodes: string[]; credentials: string[] };
	};
	const outputs = [...pkg.n8n.nodes, ...pkg.n8n.credentials].map((f) => path.join(ROOT, f));
	if (outputs.some((f) => !fs.existsSync(f))) return true;
	const oldestOutput = Math.min(...outputs.map((f) => fs.statSync(f).mtimeMs));
	const source = (f: string) => /\.(ts|svg|json)$/.test(f) && !/\.test\.ts$/.test(f);
	return (
		Math.max(
			newestMtime(path.join(ROOT, 'nodes'), source),
			newestMtime(path.join(ROOT, 'credentials'), source),
		) > oldestOutput
	);
}

async function build(): Promise<boolean> {
	if (process.env.E2E_SKIP_BUILD === '1') return true;
	if (!buildNeeded()) {
		say('dist/ is up to date');
		return true;
	}
	say('Building the package (npm run build)…');
	const result = await run('npm', ['run', 'build'], { cwd: ROOT, timeoutMs: 5 * 60_000 });
	return checks.check(
		'package builds (npm run build)',
		result.code === 0,
		result.code === 0 ? '' : tail(result.stdout + result.stderr, 20),
	);
}

/** The modes to run: all, or those named by --only, without those this machine cannot run. */
async function chooseModes(): Promise<string[]> {
	const { values } = parseArgs({ options: { only: { type: 'string' } } });
	const names = values.only ? values.only.split(',') : Object.keys(MODES);
	const unknown = names.filter((n) => !MODES[n]);
	if (unknown.length)
		throw new Error(
			`Unknown mode(s) ${unknown.join(', ')}; known: ${Object.keys(MODES).join(', ')}`,
		);
	// Modes that share a probe (the queue modes) share its answer and its one line.
	const byProbe = new Map<NonNullable<Mode['missing']>, string[]>();
	for (const name of names) {
		const probe = MODES[name].missing;
		if (probe) byProbe.set(probe, [...(byProbe.get(probe) ?? []), name]);
	}
	const skippedNames: string[] = [];
	for (const [probe, modes] of byProbe) {
		const missing = await probe();
		if (!missing) continue;
		skippedNames.push(...modes);
		const line = `skipped (${modes.join(', ')}): ${missing}`;
		if (process.env.CI === 'true') checks.check(`${line} — not allowed under CI=true`, false);
		else console.log(`e2e: ${line}`);
	}
	return names.filter((n) => !skippedNames.includes(n));
}

async function main(): Promise<void> {
	say(`n8n-nodes-voipbin end-to-end test (repo ${ROOT})`);
	const modes = await chooseModes();
	if (!(await build())) return void finish(1);
	const runtime = await ensureN8n({ log: say });
	say(`n8n ${runtime.dir} ready`);
	setTimeout(() => {
		checks.check(`finished within ${TIME_LIMIT_MS / 1000} s`, false);
		void finish(1);
	}, TIME_LIMIT_MS).unref();

	const fake: FakeProcess = await startFakeProcess({ filesDelayMs: 1000 });
	cleanups.push(() => fake.stop());
	say(`fake VoIPBIN at ${fake.baseUrl}`);
	const ctx: E2eContext = { runtime, fake, checks, say, keep: process.env.E2E_KEEP === '1' };

	for (const name of modes) {
		const started = Date.now();
		say(`── ${name} ──`);
		const mode = MODES[name];
		const stops: Cleanup[] = [];
		const onCleanup = (stop: Cleanup) => {
			stops.push(stop);
			cleanups.push(stop);
		};
		try {
			if ('runAlone' in mode) await mode.runAlone(ctx, onCleanup);
			else {
				const d = await Deployment.create(ctx, mode.spec);
				onCleanup(() => d.close());
				await mode.run(ctx, d);
			}
		} catch (error) {
			checks.check(`${name}: ran to the end`, false, (error as Error).stack ?? String(error));
		} finally {
			for (const stop of stops.reverse()) {
				cleanups.splice(cleanups.indexOf(stop), 1);
				await stop().catch((error: Error) => say(`cleanup: ${error.message}`));
			}
		}
		say(`── ${name} done in ${Math.round((Date.now() - started) / 1000)} s ──`);
	}
	say('done');
	await finish();
}

main().catch((error: Error) => {
	checks.check('e2e ran to the end', false, error?.stack ?? String(error));
	void finish(1);
});
