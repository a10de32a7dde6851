#!/usr/bin/env node
// The project's test command (`npm test`): the jest suites (units, the fake VoIPBIN, the nodes in
// n8n-core's real contexts, the trigger soak), then the end-to-end run in a real n8n.
// Ends with one line "tests: N passed, M failed" and exits non-zero when anything failed.
//   npm test                 everything
//   npm test -- --skip-e2e   jest only (quick, no n8n install)
//   npm test -- --e2e-only   the real-n8n run only
//   npm test -- --e2e-only --only=classic,durable   some of its modes (see test/e2e/main.ts)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const skipE2e = args.includes('--skip-e2e');
const e2eOnly = args.includes('--e2e-only');
const e2eArgs = args.filter((a) => a.startsWith('--only='));
const jestArgs = args.filter(
	(a) => !a.startsWith('--skip-e2e') && !a.startsWith('--e2e-only') && !e2eArgs.includes(a),
);

// Everything the tests, n8n and the tools they run write to the temporary directory goes into one
// folder of this run (TMPDIR), removed at the end whatever happens.
const runTmp = mkdtempSync(join(tmpdir(), 'voipbin-test-run-'));
process.on('exit', () => rmSync(runTmp, { recursive: true, force: true }));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));
const env = { ...process.env, TMPDIR: runTmp };

let passed = 0;
let failed = 0;

if (!e2eOnly) {
	const report = join(runTmp, 'jest-report.json');
	const jest = spawnSync(
		process.execPath,
		[
			join(root, 'node_modules/jest/bin/jest.js'),
			'--ci',
			'--json',
			`--outputFile=${report}`,
			...jestArgs,
		],
		{ cwd: root, env, stdio: 'inherit' },
	);
	if (existsSync(report)) {
		const result = JSON.parse(readFileSync(report, 'utf8'));
		// A suite that fails to load runs no test, so jest counts no failed test for it: count
		// each such suite as one failure, and name it.
		const unloaded = result.testResults
			.filter((suite) => suite.status === 'failed' && suite.assertionResults.length === 0)
			.map((suite) => suite.name.slice(root.length + 1));
		passed += result.numPassedTests;
		failed += result.numFailedTests + unloaded.length;
		console.log(
			`jest: ${result.numPassedTests} passed, ${result.numFailedTests + unloaded.length} failed` +
				(unloaded.length ? ` (suites that did not run: ${unloaded.join(', ')})` : ''),
		);
	}
	if (jest.status !== 0 && failed === 0) failed = 1; // jest itself broke
}

if (!skipE2e) {
	// Streamed as it runs (the first run installs n8n, which takes minutes), and kept for its summary.
	const e2e = await new Promise((resolve) => {
		// The end-to-end run is TypeScript, run by tsx as an import hook (one process).
		const child = spawn(
			process.execPath,
			['--import', 'tsx', join(root, 'test/e2e/main.ts'), ...e2eArgs],
			{
				cwd: root,
				env,
				stdio: ['ignore', 'pipe', 'inherit'],
			},
		);
		let output = '';
		child.stdout.on('data', (chunk) => {
			process.stdout.write(chunk);
			output += chunk;
		});
		child.on('close', (status) => resolve({ status, output }));
	});
	const summary = /e2e: (\d+) passed, (\d+) failed/.exec(e2e.output);
	if (summary) {
		passed += Number(summary[1]);
		failed += Number(summary[2]);
	}
	if (e2e.status !== 0 && (!summary || Number(summary[2]) === 0)) failed += 1;
}

console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
