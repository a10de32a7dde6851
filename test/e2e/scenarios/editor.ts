/**
 * Scenario: the n8n editor in headless Chromium (test/browser/editor.ts), on the demo's deployment
 * (scripts/n8n/demo-setup.ts) — the same n8n, fake server, credential and example workflows a user
 * of `npm run demo` opens. Its screenshots are kept after the run, in a folder named at the end.
 */
import fs from 'node:fs';
import path from 'node:path';

import { PACKAGE_ROOT } from '../../../scripts/n8n/cache';
import { type DemoOptions, startDemo } from '../../../scripts/n8n/demo-setup';
import { freePort } from '../../../scripts/n8n/processes';
import { checkEditor, CHROMIUM } from '../../browser/editor';
import type { E2eContext } from '../deployment';

/** Why the editor check cannot run here, or undefined when it can. */
export async function editorMissing(): Promise<string | undefined> {
	return fs.existsSync(CHROMIUM)
		? undefined
		: `${CHROMIUM} is missing (install Debian's chromium: apt-get install -y chromium)`;
}

/** Runs whose screenshots are kept (about 3 MB each); older ones are removed. */
const KEPT_RUNS = 5;

/**
 * A new folder for this run's screenshots under VOIPBIN_SCREENSHOTS, or test-results/ in the
 * clone; only the newest KEPT_RUNS runs' folders stay.
 */
function newScreenshotDir(): string {
	const root = process.env.VOIPBIN_SCREENSHOTS || path.join(PACKAGE_ROOT, 'test-results');
	const dir = path.join(root, `editor-${new Date().toISOString().replace(/[:.]/g, '-')}`);
	fs.mkdirSync(dir, { recursive: true });
	// The ISO time in the name sorts runs by age.
	const runs = fs
		.readdirSync(root)
		.filter((name) => /^editor-\d{4}-/.test(name))
		.sort();
	for (const old of runs.slice(0, -KEPT_RUNS))
		fs.rmSync(path.join(root, old), { recursive: true, force: true });
	return dir;
}

export async function editorInBrowser(
	ctx: E2eContext,
	onCleanup: DemoOptions['onCleanup'],
): Promise<void> {
	const demo = await startDemo({
		runtime: ctx.runtime,
		port: await freePort(),
		log: ctx.say,
		onCleanup,
		keep: ctx.keep,
	});
	const dir = newScreenshotDir();
	ctx.checks.artifacts.push(`screenshots of the editor check: ${dir}`);
	try {
		const { screenshots } = await checkEditor({
			url: demo.n8n.url,
			owner: demo.owner,
			workflows: Object.values(demo.workflows),
			credential: { id: demo.credential.id, accessKey: demo.accessKey },
			screenshotDir: dir,
			log: (message) => ctx.say(`editor: ${message}`),
			onStep: (name, seconds) =>
				ctx.checks.check(`editor: ${name}`, true, `${seconds.toFixed(1)} s`),
		});
		ctx.checks.check(
			'editor: no page error, no failed request for the package',
			true,
			`${screenshots.length} screenshots`,
		);
	} catch (error) {
		ctx.checks.check('editor: every step passes in Chromium', false, (error as Error).message);
	}
}
