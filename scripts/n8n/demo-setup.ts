/**
 * The demo's deployment, shared by `npm run demo` and the end-to-end run's browser check (which
 * tests the editor on exactly what a user of the demo sees): the fake VoIPBIN in its demo scenario
 * (a call or conference recording every 20 s), n8n with this package, a credential, the five
 * example workflows (the two transcription pipelines published), and an owner to sign in with.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';

import { type FakeProcess, startFakeProcess } from '../../test/fake-voipbin/process';
import { N8nApi, type Owner } from './api';
import type { Log, RuntimePaths } from './cache';
import { n8nId, N8nInstance } from './instance';
import {
	archiveInto,
	type CredentialRef,
	loadExample,
	nodeNamed,
	transcribeWithFakeStub,
	useCredential,
} from './workflows';

export interface DemoWorkflow {
	id: string;
	name: string;
}

export interface Demo {
	fake: FakeProcess;
	n8n: N8nInstance;
	api: N8nApi;
	owner: Owner;
	accessKey: string;
	credential: CredentialRef;
	/** The call the record → wait → download workflow records (10 s). */
	callId: string;
	/** Where the clean-up workflow archives old recordings. */
	archiveDir: string;
	workflows: {
		/** Active: ended recording → download → a speech-to-text API (the fake's stub). */
		pipeline: DemoWorkflow;
		/** Active: ended recording → VoIPBIN's own transcription. */
		voipbinTranscribe: DemoWorkflow;
		/** Manual: start recording a call → wait for the end → download. */
		record: DemoWorkflow;
		/** Manual: archive and delete recordings older than 30 days. */
		cleanup: DemoWorkflow;
		/** Manual: an AI Agent with the VoIPBIN tools; its chat model is the fake's stub. */
		agent: DemoWorkflow;
	};
}

export interface DemoOptions {
	runtime: RuntimePaths;
	port: number;
	log: Log;
	/** Called for each thing started, with what stops it, as soon as it runs. */
	onCleanup: (stop: () => Promise<void>) => void;
	/** Each line the fake prints (its scenario's news among them). */
	onFakeLine?: (line: string) => void;
	/** Keep n8n's user folder when it stops. */
	keep?: boolean;
}

export async function startDemo({
	runtime,
	port,
	log,
	onCleanup,
	onFakeLine,
	keep = false,
}: DemoOptions): Promise<Demo> {
	log('Starting the fake VoIPBIN (demo scenario: a call or conference recording every 20 s)…');
	const accessKey = `demo-${randomBytes(6).toString('hex')}`;
	const fake = await startFakeProcess({
		accessKey,
		filesDelayMs: 2000,
		scenario: 'demo',
		onLine: onFakeLine,
	});
	onCleanup(() => fake.stop());

	// Something for the two manual workflows to work on.
	const call = await fake.control<{ id: string }>('/calls', { customerId: fake.customerId });
	await fake.control('/recordings/seed', {
		customerId: fake.customerId,
		count: 3,
		status: 'ended',
		durationSeconds: 20,
		startMicros: (Date.now() - 45 * 86_400_000) * 1000,
		stepMicros: 3_600_000_000,
	});

	const n8n = await N8nInstance.create({ runtime, port, log });
	onCleanup(() => n8n.cleanup({ keep }));

	log('Importing the credential and the example workflows (n8n CLI)…');
	const credential = { id: n8nId(), name: 'VoIPBIN (fake demo server)' };
	await n8n.importCredentials([
		{
			...credential,
			type: 'voipbinApi',
			data: { baseUrl: fake.baseUrl, authentication: 'accessKey', accessKey },
		},
	]);

	const pipeline = useCredential(loadExample('transcription-pipeline.json'), credential);
	transcribeWithFakeStub(pipeline, fake.baseUrl);
	nodeNamed(pipeline, 'Recording Ended').parameters.onFirstRun = 'lastHours';
	nodeNamed(pipeline, 'Recording Ended').parameters.firstRunHours = 1;

	const record = useCredential(loadExample('record-call-and-download.json'), credential);
	nodeNamed(record, 'Start Recording').parameters.callId = call.id;
	nodeNamed(record, 'Start Recording').parameters.startOptions = { format: 'wav', duration: 10 };
	nodeNamed(record, 'Wait for End').parameters.waitOptions = {
		maxWaitSeconds: 120,
		pollIntervalSeconds: 2,
	};

	const cleanup = useCredential(loadExample('cleanup-old-recordings.json'), credential);
	const archiveDir = path.join(n8n.filesDir, 'voipbin-archive');
	archiveInto(cleanup, archiveDir);

	// The AI Agent's chat model: the fake's scripted OpenAI-compatible stub.
	const model = { id: n8nId(), name: 'Scripted model (fake VoIPBIN)', type: 'openAiApi' };
	await n8n.importCredentials([
		{ ...model, data: { apiKey: 'demo', url: `${fake.baseUrl}/stub/openai/v1` } },
	]);
	const agent = useCredential(loadExample('ai-agent-recordings.json'), credential);
	const chatModel = nodeNamed(agent, 'OpenAI Chat Model');
	chatModel.credentials = { ...chatModel.credentials, openAiApi: model };

	// VoIPBIN's own transcription, beside the pipeline that uses a speech-to-text API.
	const voipbinTranscribe = useCredential(loadExample('transcribe-with-voipbin.json'), credential);
	nodeNamed(voipbinTranscribe, 'Recording Ended').parameters.onFirstRun = 'lastHours';
	nodeNamed(voipbinTranscribe, 'Recording Ended').parameters.firstRunHours = 1;

	const all = [pipeline, record, cleanup, agent, voipbinTranscribe];
	const ids = await n8n.importWorkflows(all);
	const [pipelineRef, recordRef, cleanupRef, agentRef, voipbinTranscribeRef] = all.map(
		(workflow, i) => ({ id: ids[i], name: workflow.name }),
	);
	await n8n.publishWorkflows([pipelineRef.id, voipbinTranscribeRef.id]);

	log(`Starting n8n on port ${port}…`);
	await n8n.startMain();
	const loadError = n8n.packageLoadError();
	if (loadError) throw new Error(`n8n could not load the package:\n${loadError}`);
	const api = new N8nApi(n8n.url);
	const owner = { email: 'demo@example.com', password: `Demo-${randomBytes(5).toString('hex')}` };
	await api.setupOwner(owner);

	return {
		fake,
		n8n,
		api,
		owner,
		accessKey,
		credential,
		callId: call.id,
		archiveDir,
		workflows: {
			pipeline: pipelineRef,
			voipbinTranscribe: voipbinTranscribeRef,
			record: recordRef,
			cleanup: cleanupRef,
			agent: agentRef,
		},
	};
}
