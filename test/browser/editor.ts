/**
 * The n8n editor as a person uses it, in headless Chromium (Debian's, driven by playwright-core; no
 * browser is downloaded): sign in, open each workflow, every operation's panel, Fetch Test Event
 * for each Event (with and without audio), run a workflow from the editor and look at the WAV in
 * the Download node's binary tab, test the credential with a right and a wrong key, and search
 * "VoIPBIN" in the node panel. A screenshot of each step goes to `screenshotDir`; any page error,
 * or a failed request for one of this package's files, fails the check.
 *
 * Run by the end-to-end run's `editor` mode against the demo's deployment
 * (`npm test -- --e2e-only --only=editor`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { chromium, type Page } from 'playwright-core';

/** Debian's chromium, or another Chromium-based browser (VOIPBIN_CHROMIUM). */
export const CHROMIUM = process.env.VOIPBIN_CHROMIUM || '/usr/bin/chromium';
// Without the background-networking flags Chromium keeps trying Google's hosts, which a closed
// network refuses; a new profile each run keeps one run from seeing another's state.
const CHROMIUM_ARGS = [
	'--headless',
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
];
const ACTION = 'n8n-nodes-voipbin.voipbinRecording';
/** Operation option and its action in the node panel, in the order the panel lists them. */
const OPERATIONS = [
	['Delete', 'Delete a recording'],
	['Download', 'Download a recording'],
	['Get', 'Get a recording'],
	['Get Many', 'Get many recordings'],
	['Get Transcript', 'Get the transcript of a recording'],
	['Start', 'Start a recording'],
	['Stop', 'Stop a recording'],
	['Transcribe', 'Transcribe a recording'],
	['Wait for End', 'Wait for a recording to end'],
] as const;
/** Event option, the `event` of its items, and its entry in the node panel's trigger list. */
const EVENTS = [
	['Recording Ended', 'ended', 'On recording ended'],
	['Recording Started', 'started', 'On recording started'],
	['Any Status Change', 'statusChange', 'On any status change'],
] as const;
/** A sticky note may leave this much empty below its text (pixels) before it looks unfinished. */
const STICKY_SLACK_PX = 60;

export interface EditorCheckOptions {
	/** n8n's address, e.g. http://127.0.0.1:5678 */
	url: string;
	/** A user who can open the workflows. */
	owner: { email: string; password: string };
	/**
	 * Workflows to open. Between them they need a VoIPBIN Recording Trigger and a workflow with a
	 * Manual Trigger and a VoIPBIN Download node that runs from the editor (record → wait → download).
	 */
	workflows: Array<{ id: string; name: string }>;
	/** A VoIPBIN API credential (access key authentication) and its right key: the check saves a
	 * wrong key, then the right one again. */
	credential: { id: string; accessKey: string };
	screenshotDir: string;
	log?: (message: string) => void;
	/** Called as each step passes, with its name and how long it took. */
	onStep?: (name: string, seconds: number) => void;
}

interface CanvasNode {
	name: string;
	type: string;
	subtitle: string;
}

/** Runs every step; throws at the first that fails, naming it (its screenshot is FAILED-…). */
export async function checkEditor({
	url,
	owner,
	workflows,
	credential,
	screenshotDir: dir,
	log = () => {},
	onStep = () => {},
}: EditorCheckOptions): Promise<{ screenshots: string[] }> {
	if (!fs.existsSync(CHROMIUM)) {
		throw new Error(
			`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium).`,
		);
	}
	fs.mkdirSync(dir, { recursive: true });
	const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-editor-profile-'));
	const context = await chromium.launchPersistentContext(profile, {
		executablePath: CHROMIUM,
		headless: true,
		args: CHROMIUM_ARGS,
		viewport: { width: 1440, height: 900 },
	});
	const problems: string[] = [];
	const screenshots: string[] = [];
	const page = context.pages()[0] ?? (await context.newPage());
	page.setDefaultTimeout(30_000);
	page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
	page.on('dialog', (dialog) => void dialog.accept());
	page.on('response', (response) => {
		if (response.status() >= 400 && /voipbin/i.test(response.url())) {
			problems.push(`HTTP ${response.status()} for ${response.url()}`);
		}
	});
	const shot = async (name: string) => {
		const file = path.join(dir, `${String(screenshots.length + 1).padStart(2, '0')}-${name}.png`);
		await settled(page);
		await page.screenshot({ path: file });
		screenshots.push(file);
		log(`screenshot ${path.basename(file)}`);
	};
	const step = async (name: string, body: () => Promise<void>) => {
		log(name);
		const started = Date.now();
		try {
			await body();
			onStep(name, (Date.now() - started) / 1000);
		} catch (error) {
			await shot(`FAILED-${slug(name)}`).catch(() => {});
			throw new Error(`Editor check, "${name}": ${(error as Error).message}`);
		}
	};

	let scratchId: string | undefined;
	try {
		await step('sign in', async () => {
			await page.goto(`${url}/signin`);
			await page.fill('input[name=emailOrLdapLoginId]', owner.email);
			await page.fill('input[name=password]', owner.password);
			await shot('signin');
			await page.click('[data-test-id=form-submit-button]');
			await page.waitForURL((u) => !u.pathname.startsWith('/signin'));
		});

		let runnable: { id: string; download: string } | undefined;
		for (const { id, name } of workflows) {
			await step(`open the workflow "${name}"`, async () => {
				const nodes = await openWorkflow(page, url, id);
				await checkCanvas(page, nodes);
				await shot(`workflow-${slug(name)}`);
				const download = nodes.find((n) => n.type === ACTION && /download/i.test(n.subtitle));
				if (!runnable && download && nodes.some((n) => n.type === 'n8n-nodes-base.manualTrigger')) {
					runnable = { id, download: download.name };
				}
			});
		}
		const run = runnable;
		if (!run)
			throw new Error(
				`Editor check: none of the workflows ${workflows.map((w) => `"${w.name}"`).join(', ')} has a Manual Trigger and a Download node`,
			);

		await step('credential test with the right and a wrong key', async () => {
			await page.goto(`${url}/home/credentials/${credential.id}`);
			const success = page.locator('[data-test-id="credentials-config-container-test-success"]');
			await setAccessKey(page, credential.accessKey);
			await success.waitFor();
			await shot('credential-right-key');
			try {
				await setAccessKey(page, `wrong-${Date.now()}`);
				const modal = page.locator('[data-test-id="editCredential-modal"]');
				await modal.getByText(/connect with these settings/).waitFor();
				await modal.getByText('More details').click();
				await modal.getByText(/VoIPBIN rejected the credential/).waitFor();
				await shot('credential-wrong-key');
			} finally {
				await setAccessKey(page, credential.accessKey);
			}
			await success.waitFor();
			await shot('credential-right-key-again');
			await page.keyboard.press('Escape');
		});

		await step('execute record → wait → download from the editor', async () => {
			await openWorkflow(page, url, run.id);
			await page.click('[data-test-id="execute-workflow-button"]');
			const node = canvasNode(page, run.download);
			const failed = page.locator('[data-test-id="canvas-node-status-error"]');
			await node
				.locator('[data-test-id="canvas-node-status-success"]')
				.or(failed)
				.first()
				.waitFor({ timeout: 180_000 });
			if (await failed.count())
				throw new Error('A node of the workflow failed (see the screenshot)');
			await shot('workflow-executed');
			await openPanel(page, run.download);
			await showBinary(page);
			const text = (await page.locator('[data-test-id="output-panel"]').textContent()) ?? '';
			if (!/audio\/wav|audio\/x-wav|\.wav/i.test(text))
				throw new Error(`The Download node's binary tab shows no WAV: ${text.slice(0, 300)}`);
			await shot('download-binary');
			const view = page
				.locator('[data-test-id="output-panel"] button', { hasText: /^View$/ })
				.first();
			// The binary card opens its player with View.
			if (await view.count()) await view.click();
			await page.locator('audio').first().waitFor({ state: 'attached', timeout: 15_000 });
			await shot('download-audio-player');
		});

		// The node panels are tried in a new workflow, built through the node search as a user
		// would: n8n saves edits by itself, and the workflows given stay as they are.
		await step('search "VoIPBIN" for a trigger in a new workflow', async () => {
			await page.goto(`${url}/workflow/new`);
			await page.locator('[data-test-id="canvas-add-button"]').click();
			await searchNodes(page, 'VoIPBIN');
			await shot('node-search-trigger');
			await openSearchResult(page, 'VoIPBIN Recording');
			const triggers = page
				.locator('[data-test-id="item-iterator-item"]')
				.filter({ hasText: /^On / });
			await triggers.first().waitFor();
			const names = (await triggers.allTextContents()).map((t) => t.trim());
			expectList(
				'trigger events in the node panel',
				names,
				EVENTS.map(([, , label]) => label),
			);
			await shot('node-trigger-events');
			await triggers.first().click();
			await page.locator('[data-test-id="ndv"]').waitFor();
			scratchId = /\/workflow\/([^/?]+)/.exec(page.url())?.[1];
		});

		await step('Fetch Test Event for each Event, then with audio', async () => {
			for (const [event, kind] of EVENTS) {
				await chooseOption(page, 'event', event);
				await checkPanel(page, `event ${event}`);
				const output = await fetchTestEvent(page);
				if (!output.includes(`"event": "${kind}"`)) {
					throw new Error(
						`Fetch Test Event with Event "${event}" gave no "${kind}" event: ${output.slice(0, 300)}`,
					);
				}
				await shot(`fetch-test-event-${slug(event)}`);
			}
			// Audio comes with ended recordings.
			await chooseOption(page, 'event', 'Recording Ended');
			await page.click('[data-test-id="parameter-input-attachAudio"] .el-switch');
			const withAudio = await fetchTestEvent(page);
			if (!/"audio"/.test(withAudio))
				throw new Error(`Fetch Test Event with audio gave no audio: ${withAudio.slice(0, 300)}`);
			await showBinary(page);
			const binary = (await page.locator('[data-test-id="output-panel"]').textContent()) ?? '';
			if (!/audio\/wav/.test(binary))
				throw new Error(`The audio is not shown as a WAV: ${binary.slice(0, 300)}`);
			await shot('fetch-test-event-with-audio');
			await closePanel(page);
		});

		await step('search "VoIPBIN" for an action, and every operation\'s panel', async () => {
			await page.click('[data-test-id="node-creator-plus-button"]');
			await searchNodes(page, 'VoIPBIN');
			await shot('node-search-action');
			await openSearchResult(page, 'VoIPBIN Recording');
			const items = page.locator('[data-test-id="item-iterator-item"]');
			await items.filter({ hasText: OPERATIONS[0][1] }).first().waitFor();
			const names = (await items.allTextContents())
				.map((t) => t.trim())
				.filter((t) => !t.startsWith('VoIPBIN') && !t.startsWith('On '));
			expectList(
				'actions in the node panel',
				names,
				OPERATIONS.map(([, action]) => action),
			);
			await shot('node-actions');
			await items.filter({ hasText: 'Get a recording' }).first().click();
			await page.locator('[data-test-id="ndv"]').waitFor();
			for (const [operation] of OPERATIONS) {
				await chooseOption(page, 'operation', operation);
				await checkPanel(page, `operation ${operation}`);
				await shot(`operation-${slug(operation)}`);
			}
			await closePanel(page);
		});
	} finally {
		if (scratchId) await deleteWorkflow(page, url, scratchId).catch(() => {});
		await context.close();
		fs.rmSync(profile, { recursive: true, force: true });
	}
	if (problems.length) {
		throw new Error(`Editor check: the page reported errors:\n${problems.join('\n')}`);
	}
	return { screenshots };
}

/** Waits (up to 2 s) for the editor's finite animations, such as a panel sliding in, to end. */
async function settled(page: Page): Promise<void> {
	await page
		.waitForFunction(
			() =>
				document
					.getAnimations()
					.every((a) => a.playState !== 'running' || a.effect?.getTiming().iterations === Infinity),
			null,
			{ timeout: 2000 },
		)
		.catch(() => undefined);
}

async function searchNodes(page: Page, text: string) {
	await page.locator('[data-test-id="node-creator-search-bar"]').first().waitFor();
	await page.keyboard.type(text);
	await page.locator('[data-test-id="item-iterator-item"]').first().waitFor();
}

/** Opens a node of the node panel's search results: its triggers and actions are listed. */
async function openSearchResult(page: Page, nodeName: string) {
	await page.locator('[data-test-id="item-iterator-item"]', { hasText: nodeName }).first().click();
}

function expectList(what: string, actual: string[], expected: readonly string[]) {
	if (JSON.stringify(actual) !== JSON.stringify(expected)) {
		throw new Error(`The ${what} are ${JSON.stringify(actual)}, not ${JSON.stringify(expected)}`);
	}
}

/** Removes the scratch workflow (n8n deletes only archived ones). */
async function deleteWorkflow(page: Page, url: string, id: string) {
	await page.evaluate(
		async ({ base, workflowId }) => {
			const headers = { 'browser-id': localStorage.getItem('n8n-browserId') ?? '' };
			await fetch(`${base}/rest/workflows/${workflowId}/archive`, { method: 'POST', headers });
			await fetch(`${base}/rest/workflows/${workflowId}`, { method: 'DELETE', headers });
		},
		{ base: url, workflowId: id },
	);
}

/** Opens a workflow on the canvas; returns its nodes: {name, type, subtitle}. */
async function openWorkflow(page: Page, url: string, id: string): Promise<CanvasNode[]> {
	await page.goto(`${url}/workflow/${id}`);
	await page.locator('[data-test-id="canvas-node"]').first().waitFor();
	await page.waitForTimeout(500);
	return await page.$$eval('[data-test-id="canvas-node"]', (els) =>
		els.map((e) => ({
			name: e.getAttribute('data-node-name') ?? '',
			type: e.getAttribute('data-node-type') ?? '',
			subtitle: e.querySelector('[class*="_subtitle_"]')?.textContent.trim() ?? '',
		})),
	);
}

/** Our nodes' subtitles read as words; sticky notes show their whole text without a large gap. */
async function checkCanvas(page: Page, nodes: CanvasNode[]) {
	for (const { name, type, subtitle } of nodes.filter((n) =>
		n.type.startsWith('n8n-nodes-voipbin.'),
	)) {
		if (!subtitle || /[a-z][A-Z]|:\s/.test(subtitle)) {
			throw new Error(`The node "${name}" (${type}) shows the subtitle "${subtitle}", not words`);
		}
	}
	const stickies = await page.$$eval('[data-test-id="sticky"]', (els: HTMLElement[]) =>
		els.map((e) => {
			const content = e.querySelector('h1,h2,h3,p,ol,ul')?.parentElement;
			return {
				text: e.textContent.trim().slice(0, 40),
				height: e.offsetHeight,
				content: content?.offsetHeight ?? 0,
				overflow: content ? content.scrollHeight > content.clientHeight + 1 : false,
			};
		}),
	);
	for (const sticky of stickies) {
		// 34 px: the note's own padding around its text.
		const empty = sticky.height - sticky.content - 34;
		if (sticky.overflow || empty < -2)
			throw new Error(`The sticky note "${sticky.text}…" cuts off its text`);
		if (empty > STICKY_SLACK_PX)
			throw new Error(`The sticky note "${sticky.text}…" leaves ${empty} px empty`);
	}
}

function canvasNode(page: Page, name: string) {
	return page.locator(`[data-test-id="canvas-node"][data-node-name="${name}"]`);
}

async function openPanel(page: Page, nodeName: string) {
	await canvasNode(page, nodeName).dblclick();
	await page.locator('[data-test-id="ndv"]').waitFor();
	await page.waitForTimeout(300);
}

async function closePanel(page: Page) {
	await page.click('[data-test-id="ndv-close-button"]');
}

/**
 * Picks an option of a select field by its name alone (an option's description may hold another's
 * name: "Get Transcript" says "transcribed"), and waits until the field shows it.
 */
async function chooseOption(page: Page, parameter: string, optionName: string) {
	const field = page.locator(`[data-test-id="parameter-input-${parameter}"]`);
	await field.click();
	const headline = page.locator('.option-headline', { hasText: new RegExp(`^${optionName}$`) });
	await page.locator('.el-select-dropdown__item:visible').filter({ has: headline }).first().click();
	const input = field.locator('input').first();
	for (let waited = 0; (await input.inputValue()) !== optionName; waited += 100) {
		if (waited >= 5000)
			throw new Error(
				`The field "${parameter}" shows "${await input.inputValue()}", not "${optionName}"`,
			);
		await page.waitForTimeout(100);
	}
	await page.waitForTimeout(300);
}

/** The parameter panel shows its fields and no error. */
async function checkPanel(page: Page, what: string) {
	const panel = page.locator('[data-test-id="node-parameters"]');
	await panel.waitFor();
	if ((await panel.locator('[data-test-id="parameter-item"]').count()) < 2) {
		throw new Error(`The panel for ${what} shows no fields`);
	}
	const errors = page.locator(
		'[data-test-id="ndv"] .el-alert--error:visible, [data-test-id="ndv"] [data-test-id="node-issues"]:visible',
	);
	if (await errors.count())
		throw new Error(`The panel for ${what} shows an error: ${await errors.first().textContent()}`);
}

/** Clicks "Fetch Test Event" and returns the output as JSON text. */
async function fetchTestEvent(page: Page): Promise<string> {
	const output = page.locator('[data-test-id="output-panel"]');
	const before = (await output.textContent()) ?? '';
	await page.click('[data-test-id="node-execute-button"]');
	await page.waitForFunction(
		(previous) => {
			const text = document.querySelector('[data-test-id="output-panel"]')?.textContent ?? '';
			return text !== previous && /item/.test(text);
		},
		before,
		{ timeout: 120_000 },
	);
	const json = output.locator('[data-test-id="radio-button-json"]');
	if (await json.count()) await json.click();
	await page.waitForTimeout(500);
	const error = page.locator(
		'[data-test-id="ndv"] [data-test-id="node-error-message"], [data-test-id="ndv"] .node-error-view',
	);
	if (await error.count())
		throw new Error(`Fetch Test Event failed: ${await error.first().textContent()}`);
	return (await output.textContent()) ?? '';
}

/** Switches the output panel to its binary view, where n8n shows files. */
async function showBinary(page: Page) {
	const binary = page.locator(
		'[data-test-id="output-panel"] [data-test-id="radio-button-binary"], [data-test-id="output-panel"] label',
		{ hasText: /^Binary$/ },
	);
	if (await binary.count()) await binary.first().click();
	await page.waitForTimeout(500);
}

/** Saves the credential with this key; n8n tests it as it saves. */
async function setAccessKey(page: Page, key: string) {
	const input = page.locator('[data-test-id="parameter-input-accessKey"] input');
	await input.fill(key);
	const save = page.locator('[data-test-id="credential-save-button"]');
	await save.click();
	await page.waitForFunction(
		() =>
			/^\s*Saved\s*$/.test(
				document.querySelector('[data-test-id="credential-save-button"]')?.textContent ?? '',
			),
		null,
		{ timeout: 60_000 },
	);
}

function slug(text: string): string {
	return text
		.toLowerCase()
		.replace(/[^a-z0-9]+/g, '-')
		.replace(/^-|-$/g, '');
}
