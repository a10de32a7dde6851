/**
 * Runs this package's nodes through n8n-core's real execution contexts (ExecuteContext,
 * PollContext), real HTTP helpers and, on request, the real filesystem binary-data store — the
 * recipe in ../shared/n8n/TESTING.md. Only what n8n's server would supply around a node is
 * provided here: credential storage, pre-authentication and the credential's `authenticate`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	IExecuteFunctions,
	IHttpRequestOptions,
	INode,
	INodeExecutionData,
	INodeType,
	INodeTypes,
	IWorkflowExecuteAdditionalData,
} from 'n8n-workflow';
import { NodeHelpers, Workflow, createRunExecutionData } from 'n8n-workflow';

import { VoipbinApi } from '../../credentials/VoipbinApi.credentials';

/**
 * A temporary folder: inside the jest run's folder, which the global teardown removes, or (for a
 * benchmark) one removed when the process exits.
 */
function temporaryFolder(prefix: string): string {
	const jestRun = process.env.VOIPBIN_TEST_TMP;
	const folder = mkdtempSync(join(jestRun ?? tmpdir(), prefix));
	if (!jestRun) process.on('exit', () => rmSync(folder, { recursive: true, force: true }));
	return folder;
}

// Every context's constructor reads InstanceSettings, which needs a user folder.
process.env.N8N_USER_FOLDER ??= temporaryFolder('voipbin-n8n-');

// Loaded after the environment is set: n8n-core reads it at import time.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const core = require('n8n-core') as typeof import('n8n-core');

const credentialType = new VoipbinApi();

/** A stored credential, as n8n keeps it; `token` is written back by pre-authentication like n8n does. */
export interface StoredCredential {
	data: ICredentialDataDecryptedObject;
	/** How often pre-authentication (login) ran. */
	logins: number;
}

export function accessKeyCredential(baseUrl: string, accessKey: string): StoredCredential {
	return { data: { baseUrl, authentication: 'accessKey', accessKey, token: '' }, logins: 0 };
}

export function passwordCredential(
	baseUrl: string,
	username: string,
	password: string,
): StoredCredential {
	return {
		data: { baseUrl, authentication: 'usernamePassword', username, password, token: '' },
		logins: 0,
	};
}

function additionalData(credential: StoredCredential): IWorkflowExecuteAdditionalData {
	return {
		credentialsHelper: {
			getParentTypes: () => [],
			isCredentialUsableByNode: () => true,
			getDecrypted: async () => ({ ...credential.data }),
			// Mirrors n8n's CredentialsHelper.preAuthentication: log in when the expirable token
			// is empty or the last request answered 401, then persist the new token.
			preAuthentication: async (
				helpers: { helpers: unknown },
				credentials: ICredentialDataDecryptedObject,
				_type: string,
				_node: INode,
				expired: boolean,
			) => {
				if (credentials.token !== '' && !expired) return undefined;
				const output = await credentialType.preAuthentication.call(helpers as never, credentials);
				if (output.token === undefined) return undefined;
				credential.logins++;
				credential.data = { ...credential.data, token: output.token as string };
				return Object.assign(credentials, output);
			},
			authenticate: async (
				credentials: ICredentialDataDecryptedObject,
				_type: string,
				options: IHttpRequestOptions,
			) => await credentialType.authenticate(credentials, options),
		},
		executionId: 'exec-1',
		restApiUrl: 'http://127.0.0.1:5678/rest',
		webhookWaitingBaseUrl: 'http://127.0.0.1:5678/webhook-waiting',
		formWaitingBaseUrl: 'http://127.0.0.1:5678/form-waiting',
		variables: {},
	} as unknown as IWorkflowExecuteAdditionalData;
}

function nodeTypesFor(nodeType: INodeType): INodeTypes {
	return {
		getByName: () => nodeType,
		getByNameAndVersion: () => nodeType,
		getKnownTypes: () => ({}),
	} as unknown as INodeTypes;
}

function buildNode(
	nodeType: INodeType,
	parameters: IDataObject,
	name: string,
	continueOnFail: boolean,
): INode {
	const { description } = nodeType;
	const resolved = NodeHelpers.getNodeParameters(
		description.properties,
		parameters as never,
		true,
		false,
		null,
		description,
	);
	return {
		id: 'node-1',
		name,
		type: `n8n-nodes-voipbin.${description.name}`,
		typeVersion: Array.isArray(description.version)
			? description.version[description.version.length - 1]
			: description.version,
		position: [0, 0],
		parameters: resolved as INode['parameters'],
		credentials: { voipbinApi: { id: 'cred-1', name: 'VoIPBIN test' } },
		...(continueOnFail ? { onError: 'continueRegularOutput' as const } : {}),
	};
}

export interface RunOptions {
	credential: StoredCredential;
	items?: INodeExecutionData[];
	continueOnFail?: boolean;
	/** The execution's cancel signal, as n8n hands it to ExecuteContext. */
	abortSignal?: AbortSignal;
	/** The workflow's time zone (its settings), as `getTimezone()` reports it. */
	timezone?: string;
}

/** A real ExecuteContext for an action node, as n8n builds one for a node run. */
export function executeContext(
	nodeType: INodeType,
	parameters: IDataObject,
	options: RunOptions,
): IExecuteFunctions {
	const node = buildNode(
		nodeType,
		parameters,
		'VoIPBIN Recording',
		options.continueOnFail ?? false,
	);
	const workflow = new Workflow({
		id: 'wf-1',
		name: 'test',
		nodes: [node],
		connections: {},
		active: false,
		nodeTypes: nodeTypesFor(nodeType),
		staticData: {},
		settings: options.timezone ? { timezone: options.timezone } : undefined,
	});
	const items = options.items ?? [{ json: {} }];
	const inputData = { main: [items] };
	return new core.ExecuteContext(
		workflow,
		node,
		additionalData(options.credential),
		'manual',
		createRunExecutionData(),
		0,
		items,
		inputData,
		{ node, data: inputData, source: { main: [{ previousNode: 'Start' }] } },
		[],
		options.abortSignal,
	);
}

/** Runs an action node's `execute` in a real ExecuteContext and returns its outputs. */
export async function runNode(
	nodeType: INodeType,
	parameters: IDataObject,
	options: RunOptions,
): Promise<INodeExecutionData[][]> {
	const ctx = executeContext(nodeType, parameters, options);
	return (await nodeType.execute!.call(ctx)) as INodeExecutionData[][];
}

/** A trigger under test: keeps its workflow (and so its static data) across polls, like n8n. */
export class PollHarness {
	readonly workflow: Workflow;

	/** Every warning the node logged, across polls. */
	readonly warnings: string[] = [];

	readonly node: INode;

	constructor(
		private readonly nodeType: INodeType,
		parameters: IDataObject,
		private readonly credential: StoredCredential,
		settings: { timezone?: string } = {},
	) {
		this.node = buildNode(nodeType, parameters, 'VoIPBIN Recording Trigger', false);
		this.workflow = new Workflow({
			id: 'wf-trigger',
			name: 'trigger test',
			nodes: [this.node],
			connections: {},
			active: true,
			nodeTypes: nodeTypesFor(nodeType),
			staticData: {},
			settings,
		});
	}

	/** The trigger's static data as n8n keeps it (keyed by node name). */
	get state(): IDataObject | undefined {
		return (this.workflow.staticData as IDataObject)[`node:${this.node.name}`] as IDataObject;
	}

	async poll(
		options: { mode?: 'trigger' | 'manual'; budgetMs?: number } = {},
	): Promise<INodeExecutionData[][] | null> {
		const context = () =>
			new core.PollContext(
				this.workflow,
				this.node,
				additionalData(this.credential),
				options.mode ?? 'trigger',
				'activate',
				undefined,
				undefined,
				undefined,
				undefined,
				undefined,
				options.budgetMs === undefined ? undefined : () => options.budgetMs!,
			);
		// Keep what the node logs as warnings, for tests to check (n8n's logger still gets them).
		// n8n memoizes `logger` on first read, so it is taken from a spare context and set on the
		// real one before anything reads it there.
		const logger = context().logger;
		const ctx = context();
		Object.defineProperty(ctx, 'logger', {
			value: new Proxy(logger, {
				get: (target, key) =>
					key === 'warn'
						? (message: string, meta?: Parameters<typeof logger.warn>[1]) => {
								this.warnings.push(message);
								logger.warn(message, meta);
							}
						: Reflect.get(target, key),
			}),
		});
		return await this.nodeType.poll!.call(ctx);
	}
}

let binaryStorePath: string | undefined;

/**
 * Switches n8n-core to its filesystem binary-data mode, where `prepareBinaryData` streams to
 * disk. Returns the storage folder. Once per test file (the store is a process-wide singleton).
 */
export async function useFilesystemBinaryData(): Promise<string> {
	if (binaryStorePath) return binaryStorePath;
	binaryStorePath = temporaryFolder('voipbin-binary-');
	process.env.N8N_DEFAULT_BINARY_DATA_MODE = 'filesystem';
	process.env.N8N_BINARY_DATA_STORAGE_PATH = binaryStorePath;
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const { Container } = require('@n8n/di') as typeof import('@n8n/di');
	await Container.get(core.BinaryDataService).init();
	return binaryStorePath;
}

/** Reads a binary property back as a Buffer, whichever store holds it. */
export async function readBinary(binary: { id?: string; data: string }): Promise<Buffer> {
	if (!binary.id) return Buffer.from(binary.data, 'base64');
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const { Container } = require('@n8n/di') as typeof import('@n8n/di');
	return await Container.get(core.BinaryDataService).getAsBuffer(binary as never);
}
