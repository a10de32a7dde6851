/**
 * Scenario (queue mode): record a call → wait for the end → download, started by a production
 * webhook so that it runs as a worker would run any production execution; then the download of
 * one long recording, to see what the binary-data mode costs a worker in memory. Checks the
 * execution through the public API, the WAV through n8n's binary-data route, and the worker log.
 */
import { randomUUID } from 'node:crypto';

import {
	executionError,
	loadExample,
	nodeNamed,
	nodeOutput,
	useCredential,
	type Workflow,
} from '../../../scripts/n8n/workflows';
import type { Deployment, E2eContext } from '../deployment';
import { checkWav } from '../wav';

/** Long enough that holding it in memory shows in a worker's RSS (a 57.6 MB mono WAV). */
const LONG_RECORDING_MINUTES = 60;

/** Puts a production webhook (POST /webhook/<path>, answering with the last node's output) first. */
function startedByWebhook(workflow: Workflow, firstNode: string, path: string): Workflow {
	const node = nodeNamed(workflow, firstNode);
	node.type = 'n8n-nodes-base.webhook';
	node.typeVersion = 2;
	node.webhookId = randomUUID();
	node.parameters = {
		httpMethod: 'POST',
		path,
		responseMode: 'lastNode',
		responseData: 'firstEntryJson',
		options: {},
	};
	return workflow;
}

export async function webhookWorkflows(ctx: E2eContext, d: Deployment): Promise<void> {
	const { checks, fake } = ctx;
	const t0 = Date.now();
	const name = d.spec.name;
	const label = (text: string) => `${name}: ${text}`;
	const account = await d.newAccount(`VoIPBIN (${name}, webhook)`);
	const call = await fake.control<{ id: string }>('/calls', { customerId: account.customerId });

	const record = useCredential(loadExample('record-call-and-download.json'), account.credential);
	const recordPath = `record-${randomUUID()}`;
	startedByWebhook(record, 'Run Workflow', recordPath);
	nodeNamed(record, 'Start Recording').parameters.callId = call.id;
	nodeNamed(record, 'Start Recording').parameters.startOptions = { format: 'wav', duration: 2 };
	nodeNamed(record, 'Wait for End').parameters.waitOptions = {
		maxWaitSeconds: 60,
		pollIntervalSeconds: 1,
	};

	const longDownload: Workflow = {
		name: 'e2e: download one recording',
		nodes: [
			{
				name: 'Webhook',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				position: [0, 0],
				parameters: {},
			},
			{
				...nodeNamed(record, 'Download Recording'),
				parameters: {
					...nodeNamed(record, 'Download Recording').parameters,
					recordingId: '={{ $json.body.recordingId }}',
				},
			},
		],
		connections: { Webhook: { main: [[{ node: 'Download Recording', type: 'main', index: 0 }]] } },
	};
	const longPath = `download-${randomUUID()}`;
	startedByWebhook(longDownload, 'Webhook', longPath);

	const recordId = await d.api.createWorkflow(record);
	const longId = await d.api.createWorkflow(longDownload);
	await d.api.activateWorkflow(recordId);
	await d.api.activateWorkflow(longId);

	ctx.say(`${name}: record → wait → download, through a webhook…`);
	try {
		await d.api.webhook(recordPath, {});
		const [execution] = await d.api.executions(recordId);
		const error = executionError(execution);
		checks.check(
			label('record → wait → download succeeds'),
			execution?.status === 'success',
			error ?? execution?.status,
		);
		const recordingId = String(nodeOutput(execution, 'Start Recording')[0]?.json?.id ?? '');
		const waited = nodeOutput(execution, 'Wait for End')[0]?.json;
		checks.check(
			label('Wait for End returns the ended recording'),
			recordingId && waited?.id === recordingId && waited?.status === 'ended',
			JSON.stringify({ id: waited?.id, status: waited?.status }),
		);
		const binary = nodeOutput(execution, 'Download Recording')[0]?.binary?.data;
		checks.check(
			label(
				`the download is stored in ${d.spec.queue?.binaryDataMode ?? 'filesystem'} binary-data mode`,
			),
			binary?.id?.startsWith(d.spec.queue?.binaryDataMode ?? 'filesystem'),
			String(binary?.id),
		);
		if (binary?.id)
			await checkWav(
				checks,
				label('downloaded'),
				await d.api.binaryData(binary.id),
				fake,
				recordingId,
			);
		const worker = d.n8n.executionsFinishedByWorkers().get(execution?.id ?? '');
		checks.check(
			label('the execution ran on a worker (worker log)'),
			worker,
			worker ?? `#${execution?.id} in no worker log`,
		);
	} catch (error) {
		checks.check(
			label('record → wait → download through a webhook'),
			false,
			(error as Error).message,
		);
	}

	const seeded = await fake.control<{ recordings: Array<{ id: string }> }>('/recordings/seed', {
		customerId: account.customerId,
		count: 1,
		status: 'ended',
		durationSeconds: LONG_RECORDING_MINUTES * 60,
		referenceType: 'call',
		startMicros: (Date.now() - 2 * 3_600_000) * 1000,
		stepMicros: 1_000_000,
	});
	const longRecording = seeded.recordings[0].id;
	ctx.say(`${name}: downloading a ${LONG_RECORDING_MINUTES}-minute recording on a worker…`);
	let growth: Record<string, number> = {};
	try {
		growth = await d.n8n.rssGrowthDuring(async () => {
			await d.api.webhook(longPath, { recordingId: longRecording });
		});
		const [execution] = await d.api.executions(longId);
		checks.check(
			label(`${LONG_RECORDING_MINUTES}-minute download succeeds`),
			execution?.status === 'success',
			executionError(execution) ?? execution?.status,
		);
		const binary = nodeOutput(execution, 'Download Recording')[0]?.binary?.data;
		if (binary?.id)
			await checkWav(
				checks,
				label(`${LONG_RECORDING_MINUTES}-minute download`),
				await d.api.binaryData(binary.id),
				fake,
				longRecording,
			);
	} catch (error) {
		checks.check(
			label(`${LONG_RECORDING_MINUTES}-minute download`),
			false,
			(error as Error).message,
		);
	}
	const rssGrowth = Object.entries(growth)
		.map(([role, mb]) => `${role} +${mb} MB`)
		.join(', ');
	ctx.say(`${name}: RSS growth during the ${LONG_RECORDING_MINUTES}-minute download: ${rssGrowth}`);
	const runs: number[] = [];
	for (const id of [recordId, longId]) {
		await d.api.publicApi('POST', `/workflows/${id}/deactivate`);
		runs.push((await d.api.executions(id, { includeData: false })).length);
	}
	checks.figures.push({
		scenario: `${name}, record → download`,
		recordings: 2,
		executions: runs[0] + runs[1],
		missed: runs.filter((n) => n === 0).length,
		duplicated: runs.reduce((sum, n) => sum + Math.max(0, n - 1), 0),
		restarts: 0,
		seconds: Math.round((Date.now() - t0) / 1000),
		note: `RSS growth while a worker downloads a ${LONG_RECORDING_MINUTES}-minute recording (57.6 MB WAV): ${rssGrowth}`,
	});
}
