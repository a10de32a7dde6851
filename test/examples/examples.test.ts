/**
 * The example workflows against this package's node descriptions: every VoIPBIN node's operation
 * and parameters exist, are shown for the values set, and leave no required field empty, as n8n's
 * editor checks them. The Transcribe example is also run against the fake: the fields its next
 * node reads are in the output.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import type {
	IDataObject,
	INode,
	INodeParameters,
	INodeProperties,
	INodeType,
	INodePropertyOptions,
} from 'n8n-workflow';
import { NodeHelpers } from 'n8n-workflow';

import { VoipbinRecording } from '../../nodes/VoipbinRecording/VoipbinRecording.node';
import { VoipbinRecordingTrigger } from '../../nodes/VoipbinRecording/VoipbinRecordingTrigger.node';
import { startFakeVoipbin } from '../fake-voipbin';
import { accessKeyCredential, runNode } from '../helpers/n8n';

interface Workflow {
	nodes: INode[];
	/** By connection type: `main`, and `ai_tool`, `ai_languageModel` … for an AI Agent's parts. */
	connections: Record<string, Record<string, { node: string }[][]>>;
}

const EXAMPLES = join(__dirname, '../../examples');
const load = (file: string) => JSON.parse(readFileSync(join(EXAMPLES, file), 'utf8')) as Workflow;
const action = new VoipbinRecording();
const ours: Record<string, INodeType> = {
	[`n8n-nodes-voipbin.${action.description.name}`]: action,
	// n8n makes a `…Tool` type of every node that is usableAsTool, with the same parameters.
	[`n8n-nodes-voipbin.${action.description.name}Tool`]: action,
	'n8n-nodes-voipbin.voipbinRecordingTrigger': new VoipbinRecordingTrigger(),
};

/** What is wrong with one of our nodes in a workflow: unknown, hidden or invalid parameters. */
function problemsOf(node: INode, nodeType: INodeType): string[] {
	const { description } = nodeType;
	const problems: string[] = [];
	if (node.typeVersion !== description.version) problems.push(`typeVersion ${node.typeVersion}`);
	const values = NodeHelpers.getNodeParameters(
		description.properties,
		node.parameters,
		true,
		false,
		node,
		description,
	) as INodeParameters;
	for (const [name, value] of Object.entries(node.parameters)) {
		// n8n adds the schedule of a polling trigger itself.
		if (name === 'pollTimes' && description.polling) continue;
		const shown = description.properties.filter(
			(p) => p.name === name && NodeHelpers.displayParameter(values, p, node, description),
		);
		if (shown.length === 0) {
			problems.push(`parameter "${name}" is unknown or not shown`);
			continue;
		}
		problems.push(...shown.flatMap((property) => valueProblems(property, value, name)));
	}
	const issues = NodeHelpers.getNodeParametersIssues(
		description.properties,
		{ ...node, parameters: values },
		description,
	);
	if (issues) problems.push(`n8n reports issues: ${JSON.stringify(issues.parameters)}`);
	return problems;
}

function valueProblems(property: INodeProperties, value: unknown, path: string): string[] {
	if (typeof value === 'string' && value.startsWith('=')) return [];
	if (property.type === 'options') {
		const allowed = (property.options as INodePropertyOptions[]).map((o) => o.value);
		return allowed.includes(value as string) ? [] : [`${path} = ${JSON.stringify(value)}`];
	}
	if (property.type === 'collection') {
		const options = property.options as INodeProperties[];
		return Object.entries(value as IDataObject).flatMap(([key, inner]) => {
			const option = options.find((o) => o.name === key);
			return option ? valueProblems(option, inner, `${path}.${key}`) : [`${path}.${key} unknown`];
		});
	}
	return [];
}

describe.each(readdirSync(EXAMPLES).filter((file) => file.endsWith('.json')))('%s', (file) => {
	const workflow = load(file);

	it('connects only nodes it has', () => {
		const names = workflow.nodes.map((n) => n.name);
		expect(new Set(names).size).toBe(names.length);
		for (const [from, outputs] of Object.entries(workflow.connections)) {
			expect(names).toContain(from);
			for (const target of Object.values(outputs).flat(2)) expect(names).toContain(target.node);
		}
	});

	it('sets only parameters our nodes have, shown and valid, with every required one filled', () => {
		const voipbinNodes = workflow.nodes.filter((n) => n.type.startsWith('n8n-nodes-voipbin.'));
		expect(voipbinNodes.length).toBeGreaterThan(0);
		for (const node of voipbinNodes) {
			const nodeType = ours[node.type];
			expect(nodeType).toBeDefined();
			expect({ node: node.name, problems: problemsOf(node, nodeType) }).toEqual({
				node: node.name,
				problems: [],
			});
		}
	});
});

describe('transcribe-with-voipbin.json', () => {
	const workflow = load('transcribe-with-voipbin.json');
	const byName = (name: string) => workflow.nodes.find((n) => n.name === name) as INode;

	it('is Recording Ended → Transcribe Recording → Transcript File', () => {
		expect(byName('Recording Ended').type).toBe('n8n-nodes-voipbin.voipbinRecordingTrigger');
		expect(byName('Transcribe Recording').parameters).toMatchObject({ operation: 'transcribe' });
		expect(byName('Transcript File').type).toBe('n8n-nodes-base.convertToFile');
		expect(workflow.connections['Recording Ended'].main[0][0].node).toBe('Transcribe Recording');
		expect(workflow.connections['Transcribe Recording'].main[0][0].node).toBe('Transcript File');
	});

	it('would be caught with an unknown operation, option or value, or a required field empty', () => {
		const node = byName('Transcribe Recording');
		const type = ours[node.type];
		const broken = (parameters: IDataObject) =>
			problemsOf(
				{ ...node, parameters: { ...node.parameters, ...parameters } as INodeParameters },
				type,
			);
		expect(broken({ operation: 'transcribeAll' })).not.toEqual([]);
		expect(broken({ transcribeOptions: { direction: 'in' } })).toEqual([
			'transcribeOptions.direction unknown',
		]);
		expect(broken({ language: 'xx' })).toEqual(['language = "xx"']);
		expect(broken({ recordingId: '' })[0]).toMatch(/n8n reports issues: .*recordingId/);
		expect(broken({ language: 'other' })[0]).toMatch(/languageTag/);
		expect(broken({ outputAs: 'zip' })).toEqual(['parameter "outputAs" is unknown or not shown']);
	});

	it('gives Transcript File the fields it reads, from a trigger item', async () => {
		const fake = await startFakeVoipbin({ transcribeMs: 10 });
		try {
			const account = fake.createAccount();
			const recording = fake.createRecording(account.customerId, { durationSeconds: 8 });
			const [[item]] = await runNode(
				new VoipbinRecording(),
				byName('Transcribe Recording').parameters,
				{
					credential: accessKeyCredential(fake.baseUrl, account.accessKey),
					items: [{ json: recording.json() as IDataObject }],
				},
			);
			const file = byName('Transcript File').parameters as {
				sourceProperty: string;
				options: { fileName: string };
			};
			expect(item.json[file.sourceProperty]).toMatch(/^in: Hello, I am calling/);
			expect(file.options.fileName).toContain('$json.recordingId');
			expect(item.json.recordingId).toBe(recording.id);
		} finally {
			await fake.close();
		}
	});
});
