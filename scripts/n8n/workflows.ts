/**
 * Workflow helpers for the demo and the end-to-end run: the example workflows, pointed at a
 * credential; what a node output in an execution.
 */
import fs from 'node:fs';
import path from 'node:path';

import type { Execution, Item, RunExecutionData } from './api';
import { PACKAGE_ROOT } from './cache';

export interface WorkflowNode {
	id?: string;
	name: string;
	type: string;
	typeVersion: number;
	position: [number, number];
	parameters: Record<string, unknown>;
	credentials?: Record<string, { id: string; name: string }>;
	webhookId?: string;
}

export interface Workflow {
	id?: string;
	name: string;
	nodes: WorkflowNode[];
	connections: Record<string, unknown>;
	settings?: Record<string, unknown>;
}

export interface CredentialRef {
	id: string;
	name: string;
}

/** One of the example workflows in `examples/`, parsed. */
export function loadExample(file: string): Workflow {
	return JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'examples', file), 'utf8')) as Workflow;
}

/** Points every VoIPBIN node of a workflow at the given credential. */
export function useCredential(workflow: Workflow, credential: CredentialRef): Workflow {
	for (const node of workflow.nodes) {
		if (node.credentials?.voipbinApi)
			node.credentials.voipbinApi = { id: credential.id, name: credential.name };
	}
	return workflow;
}

/** The node of that name in a workflow; throws when an example no longer has it. */
export function nodeNamed(workflow: Workflow, name: string): WorkflowNode {
	const node = workflow.nodes.find((n) => n.name === name);
	if (!node) throw new Error(`Workflow "${workflow.name}" has no node "${name}"`);
	return node;
}

/** Points the transcription pipeline's speech-to-text step at the fake VoIPBIN's stub. */
export function transcribeWithFakeStub(pipeline: Workflow, fakeBaseUrl: string): Workflow {
	const transcribe = nodeNamed(pipeline, 'Transcribe');
	transcribe.parameters.url = `${fakeBaseUrl}/stub/transcribe`;
	transcribe.parameters.authentication = 'none';
	delete transcribe.parameters.nodeCredentialType;
	delete transcribe.credentials;
	return pipeline;
}

/** Makes the clean-up example save its ZIPs into `dir` (n8n only writes under its files folder). */
export function archiveInto(cleanup: Workflow, dir: string): Workflow {
	fs.mkdirSync(dir, { recursive: true });
	const save = nodeNamed(cleanup, 'Save to Disk');
	save.parameters.fileName = String(save.parameters.fileName).replace(
		'/home/node/.n8n-files/voipbin-archive',
		dir,
	);
	return cleanup;
}

type RunLike = { data?: RunExecutionData } | RunExecutionData | undefined;

function runData(run: RunLike): RunExecutionData | undefined {
	if (!run) return undefined;
	return 'resultData' in run || 'executionData' in run
		? (run as RunExecutionData)
		: (run as { data?: RunExecutionData }).data;
}

/** Output items of one node in a run (IRun or an execution), first run, first output. */
export function nodeOutput(
	run: RunLike,
	nodeName: string,
	{ runIndex = 0, output = 0 } = {},
): Item[] {
	return runData(run)?.resultData?.runData?.[nodeName]?.[runIndex]?.data?.main?.[output] ?? [];
}

/** The error an execution ended with, as text (or undefined). */
export function executionError(run: RunLike): string | undefined {
	const error = runData(run)?.resultData?.error;
	if (!error) return undefined;
	return [error.message, error.description].filter(Boolean).join(' — ');
}

/**
 * The items a trigger handed to an execution: its output, or — for an execution that never got to
 * run the trigger node (the main was killed; n8n marks it crashed) — the items waiting for it on
 * the execution stack, which n8n saved when it created the execution.
 */
export function triggerItems(execution: Execution, triggerName: string): Item[] {
	const output = nodeOutput(execution, triggerName);
	if (output.length) return output;
	const waiting = execution.data?.executionData?.nodeExecutionStack?.find(
		(entry) => entry.node?.name === triggerName,
	);
	return waiting?.data?.main?.[0] ?? [];
}

/** Recording ids a trigger emitted, over all executions of its workflow. */
export function emittedIds(executions: Execution[], triggerName: string): string[] {
	return executions.flatMap((e) =>
		triggerItems(e, triggerName).map((item) => String(item.json?.id)),
	);
}
