/**
 * Scenario: the trigger workflows, published with the CLI before n8n starts — the transcription
 * pipeline, the same with VoIPBIN's own transcription, and a trigger that attaches the audio. Every recording that ends gives exactly one
 * emitted item (some end before activation, one between polls); the pipeline transcribes each
 * one; the attached audio is a correct WAV; no access key reaches the storage host. Then n8n's
 * credential test (the editor's "Test" button) with the right and a wrong key.
 */
import { randomUUID } from 'node:crypto';

import type { Execution } from '../../../scripts/n8n/api';
import { sleep } from '../../../scripts/n8n/processes';
import {
	emittedIds,
	executionError,
	loadExample,
	nodeNamed,
	nodeOutput,
	transcribeWithFakeStub,
	useCredential,
} from '../../../scripts/n8n/workflows';
import type { Account, Deployment, E2eContext } from '../deployment';
import {
	allEnded,
	fakeRequests,
	listRequestsSince,
	POLL_EVERY_15_SECONDS,
	triggerWorkflow,
	waitFor,
} from '../triggers';
import { checkWav } from '../wav';

const PIPELINE_TRIGGER = 'Recording Ended';
const AUDIO_TRIGGER = 'Recording Ended (with audio)';

/** Publishes the trigger workflows with the CLI, starts n8n, and checks what they emit. */
export async function triggerWorkflows(
	ctx: E2eContext,
	d: Deployment,
	account: Account,
	actionRecordingId: string | undefined,
): Promise<boolean> {
	const { checks, fake } = ctx;
	const call = await fake.control<{ id: string }>('/calls', { customerId: account.customerId });
	const conference = await fake.control<{ confbridgeId: string }>('/conferences', {
		customerId: account.customerId,
	});

	const pipeline = useCredential(loadExample('transcription-pipeline.json'), account.credential);
	nodeNamed(pipeline, PIPELINE_TRIGGER).parameters.pollTimes = POLL_EVERY_15_SECONDS;
	transcribeWithFakeStub(pipeline, fake.baseUrl);
	const withAudio = triggerWorkflow(
		'e2e: trigger with audio attached',
		AUDIO_TRIGGER,
		account.credential,
		{
			attachAudio: true,
		},
	);
	const voipbinTranscribe = useCredential(
		loadExample('transcribe-with-voipbin.json'),
		account.credential,
	);
	nodeNamed(voipbinTranscribe, PIPELINE_TRIGGER).parameters.pollTimes = POLL_EVERY_15_SECONDS;
	const [pipelineId, withAudioId, voipbinTranscribeId] = await d.n8n.importWorkflows([
		pipeline,
		withAudio,
		voipbinTranscribe,
	]);

	const now = Date.now() * 1000;
	const recording = (
		status: string,
		referenceType: string,
		referenceId: string,
		ago: number,
		seconds?: number,
	) =>
		fake.control<{ id: string }>('/recordings', {
			customerId: account.customerId,
			referenceType,
			referenceId,
			status,
			...(seconds && { durationSeconds: seconds }),
			tmCreate: now - ago * 1_000_000,
		});
	const endedCall = await recording('ended', 'call', call.id, 120, 3);
	const endedConf = await recording('ended', 'confbridge', conference.confbridgeId, 90, 4);
	const live = await recording('recording', 'call', call.id, 20);
	const neverEnds = await recording('recording', 'confbridge', conference.confbridgeId, 10);

	await d.n8n.publishWorkflows([pipelineId, withAudioId, voipbinTranscribeId]);
	checks.check('trigger workflows publish with the n8n CLI', true);

	ctx.say('starting n8n (activation polls at once)…');
	if (!(await d.start())) return false;

	const executionsOf = async () => ({
		pipeline: await d.api.executions(pipelineId),
		withAudio: await d.api.executions(withAudioId),
		voipbinTranscribe: await d.api.executions(voipbinTranscribeId),
	});
	const firstPoll = await waitFor(
		async () => {
			const lists = Object.values(await executionsOf());
			return lists.every((list) => list.length > 0 && allEnded(list));
		},
		{ timeoutMs: 90_000 },
	);
	checks.check(
		'the three trigger workflows ran right after activation',
		firstPoll,
		firstPoll ? '' : d.n8n.main.logTail(15),
	);

	await credentialTest(ctx, d, account);

	// ---- a recording that ends between two polls
	await fake.control(`/recordings/${live.id}/status`, { status: 'ended' });
	const endedAt = Date.now();
	ctx.say('ended one more recording; waiting for the next poll (at most ~15 s)…');
	const expected = [actionRecordingId, endedCall.id, endedConf.id, live.id].filter(
		(id): id is string => !!id,
	);
	const seen = await waitFor(
		async () => {
			const { pipeline: a, withAudio: b, voipbinTranscribe: c } = await executionsOf();
			const ok = (list: Execution[], name: string) =>
				emittedIds(list, name).includes(live.id) && allEnded(list);
			return ok(a, PIPELINE_TRIGGER) && ok(b, AUDIO_TRIGGER) && ok(c, PIPELINE_TRIGGER);
		},
		{ timeoutMs: 60_000, intervalMs: 2000 },
	);
	checks.check(
		'the recording that ended between polls is emitted by every trigger',
		seen,
		`after ${Math.round((Date.now() - endedAt) / 1000)} s`,
	);

	// One more poll of each workflow must add nothing: watch the fake's list requests.
	const afterEmit = Date.now();
	await waitFor(async () => (await listRequestsSince(fake, afterEmit)) >= 3, {
		timeoutMs: 40_000,
		intervalMs: 2000,
	});
	await sleep(3000);

	const final = await executionsOf();
	for (const [label, list, name] of [
		['transcription pipeline', final.pipeline, PIPELINE_TRIGGER],
		['trigger with audio', final.withAudio, AUDIO_TRIGGER],
		['transcription with VoIPBIN', final.voipbinTranscribe, PIPELINE_TRIGGER],
	] as const) {
		const ids = emittedIds(list, name);
		const counts = expected.map((id) => ids.filter((x) => x === id).length);
		checks.check(
			`${label}: every ended recording emitted exactly once`,
			counts.every((c) => c === 1),
			`${JSON.stringify(counts)} over ${list.length} execution(s)`,
		);
		const unexpected = ids.filter((id) => !expected.includes(id));
		checks.check(
			`${label}: nothing else emitted (no live, deleted or old recording)`,
			unexpected.length === 0 && !ids.includes(neverEnds.id),
			unexpected.join(', '),
		);
		const failedRuns = list.filter((e) => e.status !== 'success');
		checks.check(
			`${label}: every execution succeeded`,
			list.length > 0 && failedRuns.length === 0,
			failedRuns.map((e) => `#${e.id} ${e.status}: ${executionError(e)}`).join('; '),
		);
	}

	// Audio attached by the trigger
	const audioItems = final.withAudio.flatMap((e) => nodeOutput(e, AUDIO_TRIGGER));
	checks.check(
		'trigger with attachAudio: every item carries audio/wav in "data"',
		audioItems.length > 0 &&
			audioItems.every((i) => /^audio\/(x-)?wav/.test(i.binary?.data?.mimeType ?? '')),
		audioItems.map((i) => i.binary?.data?.mimeType).join(', '),
	);
	for (const item of audioItems) {
		const id = String(item.json?.id);
		if (id === endedCall.id || id === live.id) {
			const binaryId = item.binary?.data?.id;
			await checkWav(
				checks,
				`trigger audio ${id === live.id ? '(ended between polls)' : '(ended before activation)'}`,
				binaryId ? await d.api.binaryData(binaryId) : undefined,
				fake,
				id,
			);
		}
	}
	// The pipeline: downloaded, sent to the speech-to-text stub, transcript file made
	const transcripts = final.pipeline.flatMap((e) => nodeOutput(e, 'Transcript'));
	checks.check(
		'pipeline: a transcript per recording from the speech-to-text step',
		transcripts.length === expected.length &&
			transcripts.every((t) => /bytes of audio received/.test(String(t.json?.transcript ?? ''))),
		transcripts.map((t) => t.json?.transcript).join(' | '),
	);
	const files = final.pipeline.flatMap((e) => nodeOutput(e, 'Transcript File'));
	checks.check(
		'pipeline: a transcript .txt file per recording',
		files.length === expected.length &&
			files.every((f) => /\.txt$/.test(f.binary?.data?.fileName ?? '')),
		files.map((f) => f.binary?.data?.fileName).join(', '),
	);
	// VoIPBIN's own transcription: one transcript per recording, read from the fake's sentences
	const voipbinTranscripts = final.voipbinTranscribe.flatMap((e) =>
		nodeOutput(e, 'Transcribe Recording'),
	);
	const transcribed = voipbinTranscripts.map((t) => String(t.json?.recordingId));
	checks.check(
		'transcription with VoIPBIN: one transcript per ended recording, with text from both sides',
		transcribed.length === expected.length &&
			expected.every((id) => transcribed.includes(id)) &&
			voipbinTranscripts.every((t) => /^(in|out): \S/m.test(String(t.json?.text ?? ''))),
		voipbinTranscripts.map((t) => String(t.json?.text ?? '').slice(0, 60)).join(' | '),
	);
	const voipbinFiles = final.voipbinTranscribe.flatMap((e) => nodeOutput(e, 'Transcript File'));
	checks.check(
		'transcription with VoIPBIN: a transcript .txt file per recording',
		voipbinFiles.length === expected.length &&
			voipbinFiles.every((f) => /\.txt$/.test(f.binary?.data?.fileName ?? '')),
		voipbinFiles.map((f) => f.binary?.data?.fileName).join(', '),
	);
	const requests = await fakeRequests(fake);
	const stubPosts = requests.filter((r) => r.route === 'POST /stub/transcribe');
	checks.check(
		'pipeline: the speech-to-text stub got one upload per recording',
		stubPosts.length === expected.length,
		`${stubPosts.length} upload(s)`,
	);
	const leaked = requests.filter(
		(r) =>
			r.host === 'storage' &&
			('accesskey' in r.query || 'token' in r.query || 'authorization' in r.headers),
	);
	checks.check(
		'no access key sent to the storage host',
		leaked.length === 0,
		`${leaked.length} request(s)`,
	);
	// Stop polling: later scenarios on this n8n count requests of their own.
	await d.api.publicApi('POST', `/workflows/${pipelineId}/deactivate`);
	await d.api.publicApi('POST', `/workflows/${withAudioId}/deactivate`);
	await d.api.publicApi('POST', `/workflows/${voipbinTranscribeId}/deactivate`);
	return true;
}

/** n8n's credential test (the editor's "Test" button), right and wrong access key. */
async function credentialTest(ctx: E2eContext, d: Deployment, account: Account): Promise<void> {
	const { checks } = ctx;
	const credential = { ...account.credential, type: 'voipbinApi' };
	try {
		const good = await d.api.testCredential({ ...credential, data: account.data });
		checks.check(
			'credential test passes with the right access key',
			good?.status === 'OK',
			JSON.stringify(good),
		);
		const wrongKey = `wrong-${randomUUID()}`;
		const bad = await d.api.testCredential({
			...credential,
			data: { ...account.data, accessKey: wrongKey },
		});
		const message = String(bad?.message ?? '');
		checks.check(
			'credential test fails with a wrong access key',
			bad?.status === 'Error',
			`status ${bad?.status}`,
		);
		checks.check(
			'…with a clear message that does not echo the key',
			/rejected|wrong|invalid/i.test(message) && !message.includes(wrongKey),
			message,
		);
	} catch (error) {
		checks.check('credential test through /rest/credentials/test', false, (error as Error).message);
	}
}
