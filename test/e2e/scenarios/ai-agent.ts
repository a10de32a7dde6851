/**
 * Scenario: the AI-tool path. An AI Agent whose chat model is the fake server's scripted
 * OpenAI-compatible stub calls the VoIPBIN Recording tool twice — Get Many, then Download — and
 * answers (examples/ai-agent-recordings.json, run with `n8n execute` before the server starts).
 * Checks the tools' arguments and results as n8n recorded them, what the model was handed, its
 * answer, and the requests VoIPBIN (the fake) received. Uses an account of its own, so that the
 * trigger scenarios after it do not see its recording.
 */
import { n8nId } from '../../../scripts/n8n/instance';
import { executionError, loadExample, nodeNamed, nodeOutput } from '../../../scripts/n8n/workflows';
import type { Deployment, E2eContext } from '../deployment';
import { importAccountWithCli } from './cli-workflows';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface ToolRun {
	args: Record<string, unknown>;
	items: Array<Record<string, unknown>>;
}

interface ModelExchange {
	tools: string[];
	reply: { content: string; toolCalls: Array<{ name: string; arguments: unknown }> };
	toolResults: Array<{ content: string }>;
}

export async function aiAgentTool(ctx: E2eContext, d: Deployment): Promise<void> {
	const { checks, fake } = ctx;
	const account = await importAccountWithCli(ctx, d);
	await fake.control('/recordings', {
		customerId: account.customerId,
		status: 'ended',
		durationSeconds: 3,
	});
	const model = { id: n8nId(), name: 'Scripted model (fake VoIPBIN)' };
	await d.n8n.importCredentials([
		{
			...model,
			type: 'openAiApi',
			data: { apiKey: 'stub-key', url: `${fake.baseUrl}/stub/openai/v1` },
		},
	]);
	const workflow = loadExample('ai-agent-recordings.json');
	for (const name of ['List Recordings', 'Download Recording']) {
		const tool = nodeNamed(workflow, name);
		tool.credentials = { ...tool.credentials, voipbinApi: account.credential };
	}
	const chatModel = nodeNamed(workflow, 'OpenAI Chat Model');
	chatModel.credentials = { ...chatModel.credentials, openAiApi: model };
	const [workflowId] = await d.n8n.importWorkflows([workflow]);

	await fake.control('/openai/transcript/reset', {});
	const requestsBefore = (await fake.control<{ requests: unknown[] }>('/requests')).requests.length;
	let run: Record<string, unknown>;
	try {
		run = await d.n8n.executeWorkflow(workflowId);
	} catch (error) {
		checks.check('AI Agent workflow runs', false, (error as Error).message);
		return;
	}
	const error = executionError(run);
	if (!checks.check('AI Agent workflow runs', !error, error)) return;

	// The tools as n8n ran them: the arguments the model gave, the items the tool returned.
	const listed = toolRun(run, 'List Recordings');
	const downloaded = toolRun(run, 'Download Recording');
	const recordingId = String(listed?.items[0]?.id ?? '');
	checks.check(
		'AI tool Get Many: called once with the limit the model chose, returns one recording',
		listed?.args.limit === 1 && listed.items.length === 1 && UUID.test(recordingId),
		JSON.stringify(listed),
	);
	const file = downloaded?.items[0] as
		| { id?: string; status?: string; audio?: { fileName?: string } }
		| undefined;
	checks.check(
		"AI tool Download: called once with the listed ID, returns the recording's WAV",
		downloaded?.args.recordingId === recordingId &&
			file?.id === recordingId &&
			file.status === 'ended' &&
			/\.wav$/.test(String(file.audio?.fileName)),
		JSON.stringify(downloaded),
	);

	// What the model was offered and handed back, and its answer.
	const { transcript } = await fake.control<{ transcript: ModelExchange[] }>('/openai/transcript');
	const calls = transcript.map((exchange) => exchange.reply.toolCalls);
	checks.check(
		'the model was offered both tools and called them in turn',
		JSON.stringify([...(transcript[0]?.tools ?? [])].sort()) ===
			JSON.stringify(['Download_Recording', 'List_Recordings']) &&
			JSON.stringify(calls) ===
				JSON.stringify([
					[{ name: 'List_Recordings', arguments: { limit: 1 } }],
					[{ name: 'Download_Recording', arguments: { recordingId } }],
					[],
				]),
		JSON.stringify(calls),
	);
	const fileName = String(file?.audio?.fileName ?? '');
	const lastResult = transcript[2]?.toolResults.at(-1)?.content ?? '';
	const answer = String(nodeOutput(run, 'AI Agent')[0]?.json?.output ?? '');
	checks.check(
		"the download result reached the model, and the agent's answer names the recording and file",
		lastResult.includes(recordingId) &&
			lastResult.includes(fileName) &&
			answer === transcript[2]?.reply.content &&
			answer.includes(recordingId) &&
			answer.includes(fileName),
		answer,
	);

	// What reached VoIPBIN: the listing, the file link, the file (never the key at the storage host).
	const { requests } = await fake.control<{
		requests: Array<{ host: string; route: string; query: Record<string, string> }>;
	}>('/requests');
	const fresh = requests.slice(requestsBefore);
	const routes = fresh.map((r) => `${r.host} ${r.route}`);
	checks.check(
		'the AI tools reached VoIPBIN: list, file link, storage; no key at the storage host',
		[
			'api GET /v1.0/recordings',
			'api GET /v1.0/recordingfiles/{id}',
			'storage GET /{object}',
		].every((route) => routes.includes(route)) &&
			!fresh.some((r) => r.host === 'storage' && 'accesskey' in r.query),
		routes.join(', '),
	);
}

/** The one run of a tool node: the arguments the model gave and the items the tool returned. */
function toolRun(run: Record<string, unknown>, nodeName: string): ToolRun | undefined {
	type Task = {
		error?: unknown;
		inputOverride?: { ai_tool?: Array<Array<{ json: Record<string, unknown> }>> };
		data?: { ai_tool?: Array<Array<{ json: Record<string, unknown> }>> };
	};
	const data = (run.data ?? run) as { resultData?: { runData?: Record<string, Task[]> } };
	const runs = data.resultData?.runData?.[nodeName];
	if (runs?.length !== 1 || runs[0].error) return undefined;
	return {
		args: runs[0].inputOverride?.ai_tool?.[0]?.[0]?.json ?? {},
		items: (runs[0].data?.ai_tool?.[0] ?? []).map((item) => item.json),
	};
}
