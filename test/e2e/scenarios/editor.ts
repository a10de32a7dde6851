/**
 * Scenario: the n8n editor in headless Chromium (test/browser/editor.ts), on the demo's deployment
 * (scripts/n8n/demo-setup.ts) — the same n8n, fake server, credential and example workflows a user
 * of `npm run demo` opens. Its screenshots are kept after the run, in a folder named at the end.
 */
import fs from 'node:fs';
import path from 'node:path';

import { PACKAGE_ROOT } from '../../../scripts/n8n/cache';
import { startDemo } from '../../../scripts/n8n/demo-setup';
import { freePort } from '../../../scripts/n8n/processes';
import { checkEditor, CHROMIUM } from '../../browser/editor';
import type { E2eContext } from '../deployment';

/** Why the editor check cannot run here, or undefined when it can. */
export async function editorMissing(): Promise<string | undefined> {
	return fs.existsSync(CHROMIUM)
		? undefined
		: `${CHROMIUM} is missing (install Debian's chromium: apt-get install -y chromium)`;
}

/** Where a run keeps its screenshots: VOIPBIN_SCREENSHOTS, or test-results/ in the clone. */
function screenshotDir(): string {
	const stamp = new Date().toISOString().replace(/[:.]/g, '-');
	return path.join(
		process.env.VOIPBIN_SCREENSHOTS || path.join(PACKAGE_ROOT, 'test-results'),
		`editor-${stamp}`,
	);
}

export async function editorInBrowser(
	ctx: E2eContext,
	onCleanup: (stop: () => Promise<void>) => void,
): Promise<void> {
	const demo = await startDemo({
		runtime: ctx.runtime,
		port: await freePort(),
		log: ctx.say,
		onCleanup,
		keep: ctx.keep,
	});
	const { pipeline, voipbinTranscribe, record, cleanup, agent } = demo.workflows;
	const dir = screenshotDir();
	fs.mkdirSync(dir, { recursive: true });
	ctx.checks.artifacts.push(`screenshots of the editor check: ${dir}`);
	try {
		const { screenshots } = await checkEditor({
			url: demo.n8n.url,
			owner: demo.owner,
			workflows: [pipeline, voipbinTranscribe, record, cleanup, agent],
			credential: { id: demo.credential.id, accessKey: demo.accessKey },
			screenshotDir: dir,
			log: (message) => ctx.say(`editor: ${message}`),
			onStep: (name, seconds) => ctx.checks.check(`editor: ${name}`, true, `${seconds.toFixed(1)} s`),
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
