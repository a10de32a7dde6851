// The AI-tool path in a real n8n: an AI Agent whose chat model is the fake server's scripted
// OpenAI-compatible stub calls the VoIPBIN Recording tool twice — Get Many, then Download — and
// answers. Checks the tools' arguments and results as n8n recorded them, what the model was
// handed, and the requests VoIPBIN (the fake) received.
//
// Standalone so that the e2e runner can call it; see README "Use it as an AI tool" and
// test/e2e/scenarios/ai-agent.dev.ts for a driver.
import {
	executionError,
	loadExample,
	n8nId,
	nodeNamed,
	nodeOutput,
} from '../../../scripts/n8n-runtime.mjs';

const WORKFLOW = 'ai-agent-recordings.json';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * @param {object} o
 * @param {import('../../../scripts/n8n-runtime.mjs').N8nInstance} o.n8n an instance whose user
 *   folder has this package (started or not: the workflow runs with `n8n execute`)
 * @param {string} o.fakeBaseUrl the fake VoIPBIN's API address (its `baseUrl`)
 * @param {{ id: string, name: string }} o.voipbinCredential an imported `voipbinApi` credential
 *   for an account of that fake
 * @param {string} o.customerId that account's customer ID (one ended recording is added to it)
 * @param {(message: string) => void} [o.log]
 * @returns {Promise<{ workflowId: string, recordingId: string, answer: string }>}
 */
export async function checkAiAgentTool({
	n8n,
	fakeBaseUrl,
	voipbinCredential,
	customerId,
	log = () => {},
}) {
	const fake = fakeControl(fakeBaseUrl);
	await fake('POST', '/recordings', { customerId, status: 'ended', durationSeconds: 3 });

	const model = { id: n8nId(), name: 'Scripted model (fake VoIPBIN)', type: 'openAiApi' };
	await n8n.importCredentials([
		{ ...model, data: { apiKey: 'stub-key', url: `${fakeBaseUrl}/stub/openai/v1` } },
	]);
	const workflow = loadExample(WORKFLOW);
	for (const name of ['List Recordings', 'Download Recording']) {
		nodeNamed(workflow, name).credentials.voipbinApi = { ...voipbinCredential };
	}
	nodeNamed(workflow, 'OpenAI Chat Model').credentials.openAiApi = {
		id: model.id,
		name: model.name,
	};
	const workflowId = await n8n.importWorkflow(workflow);

	await fake('POST', '/openai/transcript/reset');
	await fake('POST', '/requests/reset');
	log(`AI Agent workflow ${workflowId}: running with n8n execute…`);
	const run = await n8n.executeWorkflow(workflowId);
	const error = executionError(run);
	if (error) throw new Error(`The AI Agent workflow failed: ${error}`);

	// The tools as n8n ran them: arguments in, items out.
	const listed = toolRun(run, 'List Recordings');
	const downloaded = toolRun(run, 'Download Recording');
	expectEqual('List Recordings arguments', pick(listed.args, ['limit']), { limit: 1 });
	if (listed.items.length !== 1)
		fail(`List Recordings returned ${listed.items.length} items, not 1`);
	const recordingId = listed.items[0].id;
	if (!UUID.test(String(recordingId)))
		fail(`List Recordings returned no recording: ${JSON.stringify(listed.items)}`);
	expectEqual('Download Recording arguments', pick(downloaded.args, ['recordingId']), {
		recordingId,
	});
	const file = downloaded.items[0];
	if (
		file?.id !== recordingId ||
		file.status !== 'ended' ||
		!/\.wav$/.test(String(file.audio?.fileName))
	) {
		fail(`Download Recording did not return the recording's WAV: ${JSON.stringify(file)}`);
	}

	// What the model was offered and handed back.
	const { transcript } = await fake('GET', '/openai/transcript');
	const calls = transcript.map((exchange) => exchange.reply.toolCalls);
	expectEqual('the model offered tools', transcript[0]?.tools.sort(), [
		'Download_Recording',
		'List_Recordings',
	]);
	expectEqual('the model turns', calls, [
		[{ name: 'List_Recordings', arguments: { limit: 1 } }],
		[{ name: 'Download_Recording', arguments: { recordingId } }],
		[],
	]);
	const lastResult = transcript[2].toolResults.at(-1)?.content ?? '';
	if (!lastResult.includes(recordingId) || !lastResult.includes(file.audio.fileName)) {
		fail(
			`The download result handed to the model lacks the recording: ${lastResult.slice(0, 300)}`,
		);
	}
	const answer = String(nodeOutput(run, 'AI Agent')[0]?.json?.output ?? '');
	expectEqual('the agent answer', answer, transcript[2].reply.content);
	if (!answer.includes(recordingId) || !answer.includes(file.audio.fileName)) {
		fail(`The agent's answer names neither the recording nor its file: ${answer}`);
	}

	// What reached VoIPBIN: one listing page, then the file (never the key at the storage host).
	const { requests } = await fake('GET', '/requests');
	const routes = requests.map((r) => `${r.host} ${r.route}`);
	for (const route of [
		'api GET /v1.0/recordings',
		'api GET /v1.0/recordingfiles/{id}',
		'storage GET /{object}',
	]) {
		if (!routes.includes(route)) fail(`VoIPBIN never got ${route}; it got ${routes.join(', ')}`);
	}
	log(`AI Agent: listed and downloaded ${recordingId}; answered "${answer}"`);
	return { workflowId, recordingId, answer };
}

/** One run of a tool node: the arguments the model gave and the items the tool returned. */
function toolRun(run, nodeName) {
	const runs = run?.data?.resultData?.runData?.[nodeName];
	if (!runs?.length) fail(`The tool "${nodeName}" never ran`);
	if (runs.length !== 1) fail(`The tool "${nodeName}" ran ${runs.length} times, not once`);
	const [task] = runs;
	if (task.error) fail(`The tool "${nodeName}" failed: ${task.error.message}`);
	const args = task.inputOverride?.ai_tool?.[0]?.[0]?.json ?? {};
	const items = (task.data?.ai_tool?.[0] ?? []).map((item) => item.json);
	return { args, items };
}

function pick(object, keys) {
	return Object.fromEntries(keys.map((key) => [key, object?.[key]]));
}

function expectEqual(what, actual, expected) {
	if (JSON.stringify(actual) !== JSON.stringify(expected)) {
		fail(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
	}
}

function fail(message) {
	throw new Error(`AI Agent check: ${message}`);
}

/** The fake's control routes (`/_fake/...`). */
function fakeControl(baseUrl) {
	return async (method, route, body) => {
		const res = await fetch(`${baseUrl}/_fake${route}`, {
			method,
			headers: body === undefined ? {} : { 'content-type': 'application/json' },
			body: body === undefined ? (method === 'POST' ? '{}' : undefined) : JSON.stringify(body),
		});
		const json = await res.json();
		if (!res.ok)
			throw new Error(`fake ${method} /_fake${route} → ${res.status}: ${JSON.stringify(json)}`);
		return json;
	};
}
