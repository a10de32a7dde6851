/**
 * A scripted OpenAI-compatible chat model, for proving the AI-tool path in a real n8n without a
 * real model: `POST /stub/openai/v1/chat/completions` (and `GET /stub/openai/v1/models`, which
 * the editor's model list asks). Point an OpenAI credential's Base URL at
 * `<fake>/stub/openai/v1`. Deterministic: the answer depends only on the conversation so far.
 *
 * 1. No tool result yet: call the tool that lists recordings (the one taking `limit`) with 1.
 * 2. One result: call the tool that downloads (the one taking `recordingId`) with the first
 *    recording ID found in that result.
 * 3. Then: a final answer naming the recording and the file the download returned.
 *
 * Tools are recognised by their parameters, not their names (n8n names a tool after its node).
 * Every exchange is kept in `transcript` so that a test can see what the model was given.
 */
import type { Exchange } from './http';
import { readJsonObject } from './http';

interface ToolCall {
	id: string;
	type: 'function';
	function: { name: string; arguments: string };
}

interface ChatMessage {
	role: string;
	content?: unknown;
	tool_calls?: ToolCall[];
	tool_call_id?: string;
}

interface ToolSpec {
	type?: string;
	function?: { name?: string; parameters?: { properties?: Record<string, unknown> } };
}

export interface StubExchange {
	/** Names of the tools the model was offered. */
	tools: string[];
	/** Tool results in the conversation so far, as the model received them. */
	toolResults: Array<{ toolCallId: string; content: string }>;
	/** What the stub answered. */
	reply: { content: string | null; toolCalls: Array<{ name: string; arguments: unknown }> };
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
const MODELS = ['gpt-4.1-mini'];

export class OpenAiStub {
	readonly transcript: StubExchange[] = [];

	/** Handles `/stub/openai/...`; returns false for any other path. */
	async handle(ex: Exchange): Promise<boolean> {
		const path = ex.url.pathname;
		if (!path.startsWith('/stub/openai/')) return false;
		if (path === '/stub/openai/v1/models' && ex.req.method === 'GET') {
			ex.entry.route = 'GET /stub/openai/v1/models';
			ex.json(200, {
				object: 'list',
				data: MODELS.map((id) => ({ id, object: 'model', created: 0, owned_by: 'fake' })),
			});
			return true;
		}
		if (path === '/stub/openai/v1/chat/completions' && ex.req.method === 'POST') {
			ex.entry.route = 'POST /stub/openai/v1/chat/completions';
			const body = await readJsonObject(ex.req);
			const message = this.reply(body);
			if (body.stream === true) this.stream(ex, String(body.model ?? MODELS[0]), message);
			else ex.json(200, completion(String(body.model ?? MODELS[0]), message));
			return true;
		}
		ex.error(404, 'ROUTE_NOT_FOUND', `No stub route ${ex.req.method} ${path}.`);
		return true;
	}

	private reply(body: Record<string, unknown>): ChatMessage {
		const messages = (Array.isArray(body.messages) ? body.messages : []) as ChatMessage[];
		const tools = (Array.isArray(body.tools) ? body.tools : []) as ToolSpec[];
		const toolResults = messages
			.filter((m) => m.role === 'tool')
			.map((m) => ({ toolCallId: String(m.tool_call_id ?? ''), content: contentText(m.content) }));
		const taking = (parameter: string) =>
			tools.find((t) => t.function?.parameters?.properties?.[parameter] !== undefined)?.function
				?.name;

		let message: ChatMessage;
		const listTool = taking('limit');
		const downloadTool = taking('recordingId');
		if (toolResults.length === 0 && listTool) {
			message = toolCall('call_list_1', listTool, { limit: 1 });
		} else if (toolResults.length === 1 && downloadTool && UUID.test(toolResults[0].content)) {
			const recordingId = UUID.exec(toolResults[0].content)![0];
			message = toolCall('call_download_1', downloadTool, { recordingId });
		} else {
			message = { role: 'assistant', content: finalAnswer(toolResults, !!listTool) };
		}
		this.transcript.push({
			tools: tools.map((t) => String(t.function?.name ?? '')),
			toolResults,
			reply: {
				content: typeof message.content === 'string' ? message.content : null,
				toolCalls: (message.tool_calls ?? []).map((c) => ({
					name: c.function.name,
					arguments: JSON.parse(c.function.arguments),
				})),
			},
		});
		return message;
	}

	/** The same answer as server-sent events, for a client that asked `stream: true`. */
	private stream(ex: Exchange, model: string, message: ChatMessage): void {
		const chunk = (delta: unknown, finish: string | null) =>
			`data: ${JSON.stringify({
				id: 'chatcmpl-stub',
				object: 'chat.completion.chunk',
				created: 0,
				model,
				choices: [{ index: 0, delta, finish_reason: finish }],
			})}\n\n`;
		const delta = message.tool_calls
			? {
					role: 'assistant',
					content: null,
					tool_calls: message.tool_calls.map((c, index) => ({ index, ...c })),
				}
			: { role: 'assistant', content: message.content };
		const body =
			chunk(delta, null) +
			chunk({}, message.tool_calls ? 'tool_calls' : 'stop') +
			'data: [DONE]\n\n';
		ex.send(200, body, { 'content-type': 'text/event-stream' });
	}
}

function toolCall(id: string, name: string, args: Record<string, unknown>): ChatMessage {
	return {
		role: 'assistant',
		content: null,
		tool_calls: [{ id, type: 'function', function: { name, arguments: JSON.stringify(args) } }],
	};
}

function completion(model: string, message: ChatMessage) {
	return {
		id: 'chatcmpl-stub',
		object: 'chat.completion',
		created: 0,
		model,
		choices: [{ index: 0, message, finish_reason: message.tool_calls ? 'tool_calls' : 'stop' }],
		usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
	};
}

function contentText(content: unknown): string {
	if (typeof content === 'string') return content;
	if (Array.isArray(content)) {
		return content.map((part) => (part as { text?: string }).text ?? '').join('');
	}
	return JSON.stringify(content ?? '');
}

function finalAnswer(results: Array<{ content: string }>, offeredListTool: boolean): string {
	if (!offeredListTool) return 'I was given no tool that lists VoIPBIN recordings.';
	if (results.length === 1) return 'There are no VoIPBIN recordings yet.';
	const last = results[results.length - 1].content;
	const id = UUID.exec(last)?.[0] ?? 'unknown';
	const fileName = /"fileName"\s*:\s*"([^"]+)"/.exec(last)?.[1];
	const status = /"status"\s*:\s*"([^"]+)"/.exec(last)?.[1];
	return fileName
		? `The newest recording is ${id} (status ${status ?? 'unknown'}); its audio was downloaded as ${fileName}.`
		: `I could not download recording ${id}: ${last.slice(0, 200)}`;
}
