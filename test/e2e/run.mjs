#!/usr/bin/env node
// End-to-end test of n8n-nodes-voipbin inside a real n8n 2.40.7 (cached, see
// scripts/n8n-runtime.mjs) against the fake VoIPBIN server.
//
//   node test/e2e/run.mjs            (npm test calls it)
//
// 1. builds the package if dist/ is older than the sources, makes sure the cached n8n exists;
// 2. starts the fake VoIPBIN (test/e2e/fake-server.ts, via tsx) and imports into a fresh n8n user
//    folder a credential and the example workflows (examples/*.json, pointed at the fake);
// 3. runs "record a call and download" with `n8n execute` and checks the WAV it produced;
// 4. runs the clean-up example (Get Many → Download → Save to Disk → Delete) the same way;
// 5. publishes two trigger workflows (the transcription pipeline, and a trigger that attaches
//    the audio), starts n8n, and checks that every recording that ends on the fake server gives
//    exactly one emitted item across executions (some end before activation, one between polls);
// 6. checks n8n's credential test (the editor's "Test" button) with a wrong access key.
// Exits non-zero on any failure; the last line is `e2e: N passed, M failed`.
//
// Environment: E2E_TIMEOUT_MS (default 900000, counted after the n8n install), E2E_KEEP=1 keeps
// the temp folder, E2E_SKIP_BUILD=1, VOIPBIN_N8N_CACHE (see n8n-runtime.mjs).
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import {
	ensureN8n,
	executionError,
	loadExample,
	n8nId,
	N8nInstance,
	nodeNamed,
	nodeOutput,
	PACKAGE_ROOT,
	run,
	sleep,
	spawnGroup,
	useCredential,
} from '../../scripts/n8n-runtime.mjs';

const ROOT = PACKAGE_ROOT;
const TIME_LIMIT_MS = Number(process.env.E2E_TIMEOUT_MS ?? 900_000);
const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(0)}s`;
const say = (message) => console.log(`[e2e ${elapsed()}] ${message}`);

// ---------------------------------------------------------------------------------------------
// Results

const results = [];
function check(name, ok, detail = '') {
	results.push({ name, ok: !!ok });
	detail = String(detail);
	if (detail.length > 2500) detail = `…${detail.slice(-2500)}`;
	console.log(`${ok ? '  ok  ' : '  FAIL'} ${name}${detail ? ` — ${detail}` : ''}`);
	return !!ok;
}

function summary() {
	const passed = results.filter((r) => r.ok).length;
	const failed = results.length - passed;
	if (failed) {
		console.log('\nFailed:');
		for (const r of results.filter((x) => !x.ok)) console.log(`  - ${r.name}`);
	}
	console.log(`e2e: ${passed} passed, ${failed} failed`);
	return failed;
}

// ---------------------------------------------------------------------------------------------
// Cleanup (always; also on timeout and Ctrl-C)

const cleanups = [];
let cleanedUp = false;
async function cleanup() {
	if (cleanedUp) return;
	cleanedUp = true;
	for (const fn of cleanups.reverse()) {
		try {
			await fn();
		} catch (error) {
			console.log(`cleanup: ${error.message}`);
		}
	}
}

async function finish(code) {
	await cleanup();
	const failed = summary();
	process.exit(code ?? (failed ? 1 : 0));
}

for (const signal of ['SIGINT', 'SIGTERM']) {
	process.on(signal, () => {
		check(`not interrupted (${signal})`, false);
		void finish(1);
	});
}

// ---------------------------------------------------------------------------------------------
// Helpers

function newestMtime(dir, filter) {
	let newest = 0;
	if (!fs.existsSync(dir)) return newest;
	for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
		if (!entry.isFile()) continue;
		const file = path.join(entry.parentPath ?? entry.path, entry.name);
		if (!filter(file)) continue;
		newest = Math.max(newest, fs.statSync(file).mtimeMs);
	}
	return newest;
}

function buildNeeded() {
	const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
	const outputs = [...pkg.n8n.nodes, ...pkg.n8n.credentials].map((f) => path.join(ROOT, f));
	if (outputs.some((f) => !fs.existsSync(f))) return true;
	const oldestOutput = Math.min(...outputs.map((f) => fs.statSync(f).mtimeMs));
	const source = (f) => /\.(ts|svg|json)$/.test(f) && !/\.test\.ts$/.test(f);
	const newestSource = Math.max(
		newestMtime(path.join(ROOT, 'nodes'), source),
		newestMtime(path.join(ROOT, 'credentials'), source),
	);
	return newestSource > oldestOutput;
}

async function build() {
	if (process.env.E2E_SKIP_BUILD === '1') return true;
	if (!buildNeeded()) {
		say('dist/ is up to date');
		return true;
	}
	say('Building the package (npm run build)…');
	const result = await run('npm', ['run', 'build'], { cwd: ROOT, timeoutMs: 5 * 60_000 });
	return check(
		'package builds (npm run build)',
		result.code === 0,
		result.code === 0 ? '' : tail(result.stdout + result.stderr),
	);
}

function tail(text, lines = 20) {
	return `\n${String(text).trimEnd().split('\n').slice(-lines).join('\n')}`;
}

/** Starts test/e2e/fake-server.ts with tsx; resolves {baseUrl, storageUrl, ctl, stop}. */
async function startFake() {
	const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
	const { child, stop } = spawnGroup(tsx, [path.join(ROOT, 'test', 'e2e', 'fake-server.ts')], {
		cwd: ROOT,
		env: { ...process.env, FAKE_FILES_DELAY_MS: '1000' },
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	let stderr = '';
	child.stderr.on('data', (d) => (stderr += d));
	const info = await new Promise((resolve, reject) => {
		let buffer = '';
		const timer = setTimeout(
			() => reject(new Error(`fake VoIPBIN did not start in 60 s${tail(stderr)}`)),
			60_000,
		);
		child.stdout.on('data', (d) => {
			buffer += d;
			const line = buffer.split('\n')[0];
			if (buffer.includes('\n')) {
				clearTimeout(timer);
				try {
					resolve(JSON.parse(line));
				} catch (error) {
					reject(new Error(`fake VoIPBIN printed ${line}`));
				}
			}
		});
		child.on('exit', (code) => {
			clearTimeout(timer);
			reject(new Error(`fake VoIPBIN exited (${code})${tail(stderr)}`));
		});
	});
	child.stdout.resume();
	const ctl = async (method, route, body) => {
		const res = await fetch(`${info.baseUrl}/_fake${route}`, {
			method,
			headers: body === undefined ? {} : { 'content-type': 'application/json' },
			body: body === undefined ? undefined : JSON.stringify(body),
			signal: AbortSignal.timeout(30_000),
		});
		const json = await res.json();
		if (!res.ok)
			throw new Error(`fake ${method} /_fake${route} → ${res.status}: ${JSON.stringify(json)}`);
		return json;
	};
	return { ...info, ctl, stop };
}

/** "2026-01-15T09:30:00.1234Z" → µs since the epoch (any number of fraction digits). */
function micros(text) {
	const m = /^(.*?:\d\d)(?:\.(\d+))?Z$/.exec(String(text ?? ''));
	if (!m) return NaN;
	return Date.parse(`${m[1]}Z`) * 1000 + Number((m[2] ?? '').padEnd(6, '0').slice(0, 6));
}

async function audioSeconds(fake, recordingId) {
	const rec = await fake.ctl('GET', `/recordings/${recordingId}`);
	return (micros(rec.tm_end) - micros(rec.tm_start)) / 1e6;
}

/** RIFF/WAVE header facts, or {error}. */
function parseWav(buf) {
	if (buf.length < 44) return { error: `only ${buf.length} bytes` };
	if (buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
		return { error: `no RIFF/WAVE header (${JSON.stringify(buf.toString('latin1', 0, 12))})` };
	}
	const wav = { riffSize: buf.readUInt32LE(4), fileBytes: buf.length };
	let offset = 12;
	while (offset + 8 <= buf.length) {
		const id = buf.toString('ascii', offset, offset + 4);
		const size = buf.readUInt32LE(offset + 4);
		if (id === 'fmt ') {
			wav.audioFormat = buf.readUInt16LE(offset + 8);
			wav.channels = buf.readUInt16LE(offset + 10);
			wav.sampleRate = buf.readUInt32LE(offset + 12);
			wav.bitsPerSample = buf.readUInt16LE(offset + 22);
		} else if (id === 'data') {
			wav.dataBytes = size;
			wav.dataAvailable = buf.length - offset - 8;
			break;
		}
		offset += 8 + size + (size % 2);
	}
	return wav;
}

/** Checks a WAV file against a recording: PCM, 8 kHz, 16-bit, data length = duration. */
async function checkWav(label, file, fake, recordingId, { channels = 1 } = {}) {
	if (!check(`${label}: WAV file exists`, file && fs.existsSync(file), String(file))) return;
	const wav = parseWav(fs.readFileSync(file));
	if (!check(`${label}: RIFF/WAVE header`, !wav.error, wav.error ?? '')) return;
	check(
		`${label}: PCM 8 kHz 16-bit, ${channels} channel(s)`,
		wav.audioFormat === 1 &&
			wav.sampleRate === 8000 &&
			wav.bitsPerSample === 16 &&
			wav.channels === channels,
		`format ${wav.audioFormat}, ${wav.sampleRate} Hz, ${wav.bitsPerSample}-bit, ${wav.channels} ch`,
	);
	const seconds = await audioSeconds(fake, recordingId);
	const expected = 2 * channels * Math.round(seconds * 8000);
	check(
		`${label}: data length matches the recording's duration`,
		wav.dataBytes === expected &&
			wav.dataAvailable === wav.dataBytes &&
			wav.riffSize === wav.fileBytes - 8,
		`${wav.dataBytes} data bytes (${wav.dataAvailable} present) for ${seconds} s, expected ${expected}`,
	);
}

async function waitFor(description, fn, { timeoutMs, intervalMs = 1000 }) {
	const deadline = Date.now() + timeoutMs;
	let last;
	while (Date.now() < deadline) {
		last = await fn();
		if (last) return last;
		await sleep(intervalMs);
	}
	say(`gave up waiting for ${description} after ${Math.round(timeoutMs / 1000)} s`);
	return last;
}

/** Recording ids a trigger node emitted, over all executions of its workflow. */
function emittedIds(executions, triggerName) {
	return executions.flatMap((e) => nodeOutput(e, triggerName).map((item) => item.json?.id));
}

// ---------------------------------------------------------------------------------------------

async function main() {
	say(`n8n-nodes-voipbin end-to-end test (repo ${ROOT})`);
	if (!(await build())) return finish(1);

	const runtime = await ensureN8n({ log: (m) => say(m) });
	say(`n8n ${runtime.dir} ready`);

	const watchdog = setTimeout(() => {
		check(`finished within ${TIME_LIMIT_MS / 1000} s`, false);
		void finish(1);
	}, TIME_LIMIT_MS);
	watchdog.unref();

	const fake = await startFake();
	cleanups.push(() => fake.stop());
	say(`fake VoIPBIN at ${fake.baseUrl}`);

	const account = await fake.ctl('POST', '/accounts', {});
	const call = await fake.ctl('POST', '/calls', { customerId: account.customerId });
	const conference = await fake.ctl('POST', '/conferences', { customerId: account.customerId });

	const n8n = await N8nInstance.create({ runtime, log: (m) => say(m) });
	cleanups.push(async () => {
		await n8n.stop();
		if (process.env.E2E_KEEP === '1') say(`kept ${n8n.userFolder}`);
		else fs.rmSync(n8n.userFolder, { recursive: true, force: true });
	});
	say(`n8n user folder ${n8n.userFolder}, port ${n8n.port}`);

	const credential = { id: n8nId(), name: 'VoIPBIN (fake server)', type: 'voipbinApi' };
	await n8n.importCredentials([
		{
			...credential,
			data: { baseUrl: fake.baseUrl, authentication: 'accessKey', accessKey: account.accessKey },
		},
	]);
	check('credential imports with the n8n CLI', true);

	// ---- all workflows, imported with one CLI call
	const action = useCredential(loadExample('record-call-and-download.json'), credential);
	nodeNamed(action, 'Start Recording').parameters.callId = call.id;
	nodeNamed(action, 'Start Recording').parameters.startOptions = { format: 'wav', duration: 2 };
	nodeNamed(action, 'Wait for End').parameters.waitOptions = {
		maxWaitSeconds: 60,
		pollIntervalSeconds: 1,
	};

	const cleanupWf = useCredential(loadExample('cleanup-old-recordings.json'), credential);
	const archiveDir = path.join(n8n.filesDir, 'voipbin-archive');
	fs.mkdirSync(archiveDir, { recursive: true });
	const save = nodeNamed(cleanupWf, 'Save to Disk');
	save.parameters.fileName = save.parameters.fileName.replace(
		'/home/node/.n8n-files/voipbin-archive',
		archiveDir,
	);

	const pipeline = useCredential(loadExample('transcription-pipeline.json'), credential);
	const transcribe = nodeNamed(pipeline, 'Transcribe');
	transcribe.parameters.url = `${fake.baseUrl}/stub/transcribe`;
	transcribe.parameters.authentication = 'none';
	delete transcribe.parameters.nodeCredentialType;
	delete transcribe.credentials;

	const attachTrigger = 'Recording Ended (with audio)';
	const withAudio = {
		name: 'e2e: trigger with audio attached',
		nodes: [
			{
				id: randomUUID(),
				name: attachTrigger,
				type: 'n8n-nodes-voipbin.voipbinRecordingTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {
					pollTimes: { item: [{ mode: 'everyMinute' }] },
					event: 'recordingEnded',
					onFirstRun: 'lastHours',
					firstRunHours: 24,
					filters: {},
					attachAudio: true,
					audioOutputAs: 'monoMix',
					binaryPropertyName: 'data',
				},
				credentials: { voipbinApi: { id: credential.id, name: credential.name } },
			},
		],
		connections: {},
		settings: { executionOrder: 'v1' },
	};
	const [actionId, cleanupId, pipelineId, withAudioId] = await n8n.importWorkflows([
		action,
		cleanupWf,
		pipeline,
		withAudio,
	]);
	check('example workflows import with the n8n CLI', true);

	// ---- the action workflow: start → wait for end → download
	say('running "record a call and download" with n8n execute…');
	let actionRun;
	try {
		actionRun = await n8n.executeWorkflow(actionId);
	} catch (error) {
		if (/Unrecognized (node|credential) type/.test(error.message)) {
			check(
				'n8n loads the package (dist/)',
				false,
				error.message
					.split('\n')
					.filter((l) => /Unrecognized|Cannot find/.test(l))
					.slice(0, 3)
					.join(' / '),
			);
			return finish(1);
		}
		check('action workflow runs', false, error.message);
	}
	let actionRecordingId;
	if (actionRun) {
		const error = executionError(actionRun);
		check(
			'action workflow runs without error',
			!error && actionRun.status === 'success',
			error ?? actionRun.status,
		);
		const started = nodeOutput(actionRun, 'Start Recording');
		actionRecordingId = started[0]?.json?.id;
		check(
			'Start returns the recording (json.id)',
			typeof actionRecordingId === 'string' && actionRecordingId.length > 0,
			String(actionRecordingId),
		);
		const waited = nodeOutput(actionRun, 'Wait for End');
		check(
			'Wait for End returns the ended recording',
			waited[0]?.json?.id === actionRecordingId && waited[0]?.json?.status === 'ended',
			JSON.stringify({ id: waited[0]?.json?.id, status: waited[0]?.json?.status }),
		);
		const downloaded = nodeOutput(actionRun, 'Download Recording');
		const binary = downloaded[0]?.binary?.data;
		check(
			'Download outputs one item with binary "data" (audio/wav)',
			downloaded.length === 1 && /^audio\/(x-)?wav/.test(binary?.mimeType ?? ''),
			`${downloaded.length} item(s), ${binary?.mimeType} ${binary?.fileName}`,
		);
		if (binary && actionRecordingId)
			await checkWav('action download', n8n.binaryDataPath(binary.id), fake, actionRecordingId);
	}

	// ---- the clean-up workflow: Get Many (ended, older than 30 days) → Download → Save → Delete
	const old = await fake.ctl('POST', '/recordings/seed', {
		customerId: account.customerId,
		count: 2,
		status: 'ended',
		durationSeconds: 2,
		referenceType: 'call',
		startMicros: (Date.now() - 40 * 86_400_000) * 1000,
		stepMicros: 60_000_000,
	});
	const oldIds = old.recordings.map((r) => r.id);
	say('running "archive and delete old recordings" with n8n execute…');
	try {
		const cleanupRun = await n8n.executeWorkflow(cleanupId);
		const error = executionError(cleanupRun);
		check(
			'clean-up workflow runs without error',
			!error && cleanupRun.status === 'success',
			error ?? cleanupRun.status,
		);
		const listed = nodeOutput(cleanupRun, 'Get Old Recordings').map((i) => i.json.id);
		check(
			'Get Many lists exactly the ended recordings older than 30 days',
			listed.length === oldIds.length && oldIds.every((id) => listed.includes(id)),
			`listed ${listed.length}, seeded ${oldIds.length}`,
		);
		const saved = oldIds.map((id) => path.join(archiveDir, `recording-${id}.zip`));
		check(
			'each old recording is saved to disk as a ZIP',
			saved.every((f) => fs.existsSync(f) && fs.readFileSync(f).subarray(0, 2).toString() === 'PK'),
			saved.map((f) => path.basename(f)).join(', '),
		);
		const after = await Promise.all(oldIds.map((id) => fake.ctl('GET', `/recordings/${id}`)));
		check(
			'each old recording is deleted on VoIPBIN afterwards',
			after.every((r) => r.tm_delete && !String(r.tm_delete).startsWith('9999')),
			after.map((r) => r.tm_delete).join(', '),
		);
	} catch (error) {
		check('clean-up workflow runs', false, error.message);
	}

	// ---- trigger workflows
	const nowMicros = Date.now() * 1000;
	const endedCall = await fake.ctl('POST', '/recordings', {
		customerId: account.customerId,
		referenceType: 'call',
		referenceId: call.id,
		status: 'ended',
		durationSeconds: 3,
		tmCreate: nowMicros - 120_000_000,
	});
	const endedConf = await fake.ctl('POST', '/recordings', {
		customerId: account.customerId,
		referenceType: 'confbridge',
		referenceId: conference.confbridgeId,
		status: 'ended',
		durationSeconds: 4,
		tmCreate: nowMicros - 90_000_000,
	});
	const live = await fake.ctl('POST', '/recordings', {
		customerId: account.customerId,
		referenceType: 'call',
		referenceId: call.id,
		status: 'recording',
		tmCreate: nowMicros - 20_000_000,
	});
	const neverEnds = await fake.ctl('POST', '/recordings', {
		customerId: account.customerId,
		referenceType: 'confbridge',
		referenceId: conference.confbridgeId,
		status: 'recording',
		tmCreate: nowMicros - 10_000_000,
	});

	await n8n.publishWorkflow(pipelineId);
	await n8n.publishWorkflow(withAudioId);
	check('trigger workflows publish with the n8n CLI', true);

	const expectedFirst = [actionRecordingId, endedCall.id, endedConf.id].filter(Boolean);
	say('starting n8n (activation polls at once)…');
	await n8n.start();
	say(`n8n up at ${n8n.url}`);
	const loadError = n8n.packageLoadError();
	if (!check('n8n loads the package at start-up', !loadError, loadError ?? '')) return finish(1);

	const triggerName = 'Recording Ended';
	const firstPoll = await waitFor(
		'the activation polls',
		async () => {
			const a = await n8n.executions(pipelineId);
			const b = await n8n.executions(withAudioId);
			const done = (list) =>
				list.some((e) => e.finished || e.status === 'error' || e.status === 'crashed');
			return done(a) && done(b) ? { a, b } : undefined;
		},
		{ timeoutMs: 90_000 },
	);
	check(
		'both trigger workflows ran right after activation',
		!!firstPoll,
		firstPoll ? '' : n8n.logTail(15),
	);

	// ---- the editor's credential test, while the first polls settle
	try {
		await n8n.setupOwner({ email: 'e2e@example.com', password: `E2e-${randomUUID()}` });
		const good = await n8n.testCredential({
			...credential,
			data: { baseUrl: fake.baseUrl, authentication: 'accessKey', accessKey: account.accessKey },
		});
		check(
			'credential test passes with the right access key',
			good?.status === 'OK',
			JSON.stringify(good),
		);
		const wrongKey = `wrong-${randomUUID()}`;
		const bad = await n8n.testCredential({
			...credential,
			data: { baseUrl: fake.baseUrl, authentication: 'accessKey', accessKey: wrongKey },
		});
		const message = String(bad?.message ?? '');
		check(
			'credential test fails with a wrong access key',
			bad?.status === 'Error',
			`status ${bad?.status}`,
		);
		check(
			'…with a clear message that does not echo the key',
			/rejected|wrong|invalid/i.test(message) && !message.includes(wrongKey),
			message,
		);
	} catch (error) {
		check('credential test through /rest/credentials/test', false, error.message);
	}

	// ---- a recording that ends between two polls
	await fake.ctl('POST', `/recordings/${live.id}/status`, { status: 'ended' });
	const endedAt = Date.now();
	say('ended one more recording; waiting for the next poll (at most ~60 s)…');
	const expectedAll = [...expectedFirst, live.id];
	const allSeen = await waitFor(
		'the recording that ended between polls',
		async () => {
			const a = await n8n.executions(pipelineId);
			const b = await n8n.executions(withAudioId);
			const ok = (list, name) =>
				emittedIds(list, name).includes(live.id) &&
				list.every((e) => e.finished || e.status === 'error' || e.status === 'crashed');
			return ok(a, triggerName) && ok(b, attachTrigger) ? { a, b } : undefined;
		},
		{ timeoutMs: 100_000, intervalMs: 2000 },
	);
	check(
		'the recording that ended between polls is emitted by both triggers',
		!!allSeen,
		`after ${Math.round((Date.now() - endedAt) / 1000)} s`,
	);

	// One more poll of each workflow must add nothing: watch the fake's list requests.
	const listCountSince = async (since) => {
		const { requests } = await fake.ctl('GET', '/requests');
		return requests.filter(
			(r) => r.method === 'GET' && /^\/v1\.0\/recordings\/?$/.test(r.path) && r.time >= since,
		).length;
	};
	const afterEmit = Date.now();
	const extraPolls = await waitFor(
		'two more polls',
		async () => (await listCountSince(afterEmit)) >= 2,
		{ timeoutMs: 75_000, intervalMs: 2000 },
	);
	await sleep(5000);
	if (!extraPolls)
		say('(could not confirm two more polls from the fake request log; checking anyway)');

	const finalA = await n8n.executions(pipelineId);
	const finalB = await n8n.executions(withAudioId);
	for (const [label, list, name] of [
		['transcription pipeline', finalA, triggerName],
		['trigger with audio', finalB, attachTrigger],
	]) {
		const ids = emittedIds(list, name);
		const counts = Object.fromEntries(
			expectedAll.map((id) => [id, ids.filter((x) => x === id).length]),
		);
		check(
			`${label}: every ended recording emitted exactly once`,
			expectedAll.every((id) => counts[id] === 1),
			JSON.stringify(Object.values(counts)) + ` over ${list.length} execution(s)`,
		);
		const unexpected = ids.filter((id) => !expectedAll.includes(id));
		check(
			`${label}: nothing else emitted (no live, deleted or old recording)`,
			unexpected.length === 0 && !ids.includes(neverEnds.id),
			unexpected.join(', '),
		);
		const failedRuns = list.filter((e) => e.status !== 'success');
		check(
			`${label}: every execution succeeded`,
			list.length > 0 && failedRuns.length === 0,
			failedRuns.map((e) => `#${e.id} ${e.status}: ${executionError(e)}`).join('; '),
		);
	}

	// Audio attached by the trigger
	const audioItems = finalB.flatMap((e) => nodeOutput(e, attachTrigger));
	check(
		'trigger with attachAudio: every item carries audio/wav in "data"',
		audioItems.length > 0 &&
			audioItems.every((i) => /^audio\/(x-)?wav/.test(i.binary?.data?.mimeType ?? '')),
		audioItems.map((i) => i.binary?.data?.mimeType).join(', '),
	);
	for (const item of audioItems) {
		const id = item.json?.id;
		if (id === endedCall.id || id === live.id) {
			await checkWav(
				`trigger audio ${id === live.id ? '(ended between polls)' : '(ended before activation)'}`,
				item.binary?.data ? n8n.binaryDataPath(item.binary.data.id) : undefined,
				fake,
				id,
			);
		}
	}
	// The pipeline: downloaded, sent to the speech-to-text stub, transcript file made
	const transcripts = finalA.flatMap((e) => nodeOutput(e, 'Transcript'));
	check(
		'pipeline: a transcript per recording from the speech-to-text step',
		transcripts.length === expectedAll.length &&
			transcripts.every((t) => /bytes of audio received/.test(t.json?.transcript ?? '')),
		transcripts.map((t) => t.json?.transcript).join(' | '),
	);
	const files = finalA.flatMap((e) => nodeOutput(e, 'Transcript File'));
	check(
		'pipeline: a transcript .txt file per recording',
		files.length === expectedAll.length &&
			files.every((f) => /\.txt$/.test(f.binary?.data?.fileName ?? '')),
		files.map((f) => f.binary?.data?.fileName).join(', '),
	);
	const { requests } = await fake.ctl('GET', '/requests');
	const stubPosts = requests.filter((r) => r.route === 'POST /stub/transcribe');
	check(
		'pipeline: the speech-to-text stub got one upload per recording',
		stubPosts.length === expectedAll.length,
		`${stubPosts.length} upload(s)`,
	);
	const leaked = requests.filter(
		(r) =>
			r.host === 'storage' &&
			('accesskey' in r.query || 'token' in r.query || 'authorization' in r.headers),
	);
	check(
		'no access key sent to the storage host',
		leaked.length === 0,
		`${leaked.length} request(s)`,
	);

	clearTimeout(watchdog);
	say('done');
	return finish();
}

main().catch((error) => {
	check('e2e ran to the end', false, error?.stack ?? String(error));
	void finish(1);
});
