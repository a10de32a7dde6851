/**
 * `npm run demo`: the package inside a real n8n, against the fake VoIPBIN server, with recordings
 * ending every few seconds. Builds the package, installs n8n once into a cache (see
 * scripts/n8n/cache.ts), starts the demo's deployment (scripts/n8n/demo-setup.ts: the fake VoIPBIN
 * in its demo scenario, n8n, a credential, the example workflows with the two transcription
 * pipelines active), prints what to open and watch, then the executions as they finish.
 * Ctrl-C stops everything and removes the temporary n8n folder.
 *
 * Options: --port <n8n port> (default 5678, or a free one when taken), --keep (keep the n8n user
 * folder), --no-build (use dist/ as it is).
 */
import net from 'node:net';
import { parseArgs } from 'node:util';

import { ENDED_STATUSES } from './n8n/api';
import type { Execution } from './n8n/api';
import { ensureN8n, N8N_VERSION, PACKAGE_ROOT } from './n8n/cache';
import { startDemo } from './n8n/demo-setup';
import { freePort, run, sleep } from './n8n/processes';
import { executionError, nodeOutput } from './n8n/workflows';

const { values: args } = parseArgs({
	options: {
		port: { type: 'string' },
		keep: { type: 'boolean', default: false },
		'no-build': { type: 'boolean', default: false },
	},
});

const say = (message: string) => console.log(message);
const step = (message: string) => console.log(`\x1b[36m▸\x1b[0m ${message}`);

const cleanups: Array<() => Promise<void>> = [];
let stopping = false;
async function shutdown(code = 0): Promise<void> {
	if (stopping) return;
	stopping = true;
	step('Stopping…');
	for (const fn of cleanups.reverse()) {
		try {
			await fn();
		} catch (error) {
			say(`  (cleanup: ${(error as Error).message})`);
		}
	}
	say('Stopped. Bye.');
	process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
// `npm run demo` runs this under `sh -c`: a SIGTERM sent to npm ends that shell, not this process,
// which is then handed to another parent. Losing the parent means the same as a SIGTERM.
const parentAtStart = process.ppid;
setInterval(() => {
	if (process.ppid !== parentAtStart) void shutdown(0);
}, 1000).unref();

function portIsFree(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const server = net.createServer();
		server.once('error', () => resolve(false));
		server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
	});
}

async function main(): Promise<void> {
	const t0 = Date.now();
	say(
		`\n\x1b[1mn8n-nodes-voipbin demo\x1b[0m — a real n8n ${N8N_VERSION} with this package, against a fake VoIPBIN\n`,
	);

	if (!args['no-build']) {
		step('Building the package (npm run build)…');
		const built = await run('npm', ['run', 'build'], { cwd: PACKAGE_ROOT, timeoutMs: 5 * 60_000 });
		if (built.code !== 0)
			throw new Error(
				`npm run build failed:\n${(built.stdout + built.stderr).trim().split('\n').slice(-25).join('\n')}`,
			);
	}

	step('Checking the n8n install cache…');
	const runtime = await ensureN8n({ log: (m) => step(m) });

	let port = args.port ? Number(args.port) : 5678;
	if (!(await portIsFree(port))) {
		if (args.port) throw new Error(`Port ${port} is taken.`);
		port = await freePort();
	}
	const demo = await startDemo({
		runtime,
		port,
		log: step,
		onCleanup: (stop) => cleanups.push(stop),
		// The scenario's own news: a call or conference recording started.
		onFakeLine: (line) => {
			if (!stopping && /\bdemo: /.test(line))
				say(`  \x1b[2m${line.replace(/^\[fake-voipbin\] demo: /, 'VoIPBIN (fake): ')}\x1b[0m`);
		},
		keep: args.keep,
	});
	const { n8n, api, owner, fake, accessKey } = demo;
	const { pipeline, voipbinTranscribe, record, cleanup, agent } = demo.workflows;

	const line = '─'.repeat(78);
	say(`\n${line}`);
	say(
		`\x1b[1mn8n is running:\x1b[0m  ${n8n.url}   (ready in ${Math.round((Date.now() - t0) / 1000)} s)`,
	);
	say(`  log in as      ${owner.email} / ${owner.password}`);
	say(`  workflows      ${n8n.url}/home/workflows`);
	say(`  • "${pipeline.name}"  — ACTIVE`);
	say(`      ${n8n.url}/workflow/${pipeline.id}`);
	say("      Polls VoIPBIN every minute (n8n's shortest poll interval in the editor): each ended");
	say(
		"      recording → Download (mono WAV) → Transcribe (the fake's /stub/transcribe) → transcript file.",
	);
	say(`  • "${voipbinTranscribe.name}"  — ACTIVE`);
	say(`      ${n8n.url}/workflow/${voipbinTranscribe.id}`);
	say("      The same recordings → Transcribe (VoIPBIN's own speech-to-text) → transcript file.");
	say(`  • "${record.name}"  — open it and click "Execute workflow"`);
	say(`      ${n8n.url}/workflow/${record.id}   (records call ${demo.callId} for 10 s)`);
	say(`  • "${cleanup.name}"  — open it and click "Execute workflow"`);
	say(`      ${n8n.url}/workflow/${cleanup.id}   (archives 3 recordings older than 30 days into`);
	say(`      ${demo.archiveDir}, then deletes them)`);
	say(`  • "${agent.name}"  — open it and click "Execute workflow"`);
	say(`      ${n8n.url}/workflow/${agent.id}   (the AI Agent lists and downloads with the VoIPBIN`);
	say("      tools; its chat model is the fake's scripted stub)");
	say(
		'\n  What to watch: the Executions tab of the active workflow. The fake server starts a call or',
	);
	say('  conference recording every 20 s, lasting 10–40 s; within a minute of each one ending, an');
	say('  execution appears (one per poll, one item per recording). News is also printed below.');
	say(`\n  Fake VoIPBIN   ${fake.baseUrl}  access key ${accessKey}  (already in the credential)`);
	say(`  n8n log        ${n8n.main.logFile}`);
	say('\n  Press Ctrl-C to stop everything.');
	say(`${line}\n`);

	// Live news: executions of the active workflow as they finish (n8n's public API).
	const seen = new Set<string>();
	for (;;) {
		await sleep(5000);
		if (stopping) return;
		if (n8n.main.exitInfo) {
			say(`n8n stopped unexpectedly. Last log lines:\n${n8n.main.logTail(20)}`);
			return shutdown(1);
		}
		for (const [workflowId, label, transcriptsOf] of [
			[
				pipeline.id,
				'speech-to-text API',
				(e: Execution) => nodeOutput(e, 'Transcript').map((t) => t.json?.transcript),
			],
			[
				voipbinTranscribe.id,
				'VoIPBIN transcription',
				(e: Execution) => nodeOutput(e, 'Transcribe Recording').map((t) => t.json?.text),
			],
		] as const) {
			let executions;
			try {
				executions = await api.executions(workflowId);
			} catch {
				continue;
			}
			for (const e of executions) {
				if (seen.has(e.id) || !ENDED_STATUSES.has(e.status)) continue;
				seen.add(e.id);
				const items = nodeOutput(e, 'Recording Ended');
				const transcripts = transcriptsOf(e);
				const error = executionError(e);
				const when = new Date().toTimeString().slice(0, 8);
				say(
					`${when} ${label} execution #${e.id} (${e.status}): ${items.length} ended recording(s)` +
						(items.length
							? ` — ${items.map((i) => `${String(i.json?.reference_type ?? i.json?.referenceType ?? '')} ${String(i.json?.id).slice(0, 8)}`).join(', ')}`
							: '') +
						(transcripts.length
							? `\n         transcripts: ${transcripts.map((t) => String(t).replace(/\s+/g, ' ').slice(0, 60)).join(' | ')}`
							: '') +
						(error ? `\n         error: ${error}` : ''),
				);
			}
		}
	}
}

main().catch(async (error: Error) => {
	console.error(`\n\x1b[31mDemo failed:\x1b[0m ${error.message}`);
	await shutdown(1);
});
