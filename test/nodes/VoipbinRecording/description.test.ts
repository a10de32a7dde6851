/**
 * What a person reads in the editor: subtitles in words, a description on every field, and example
 * sticky notes that name fields by their labels.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import type {
	INode,
	INodeProperties,
	INodePropertyOptions,
	INodeType,
	INodeTypes,
} from 'n8n-workflow';
import { Workflow } from 'n8n-workflow';

import { VoipbinApi } from '../../../credentials/VoipbinApi.credentials';
import { VoipbinRecording } from '../../../nodes/VoipbinRecording/VoipbinRecording.node';
import { VoipbinRecordingTrigger } from '../../../nodes/VoipbinRecording/VoipbinRecordingTrigger.node';

const action = new VoipbinRecording();
const trigger = new VoipbinRecordingTrigger();

/** The subtitle as n8n's editor computes it for the canvas. */
function subtitle(nodeType: INodeType, parameters: Record<string, string>): unknown {
	const node: INode = {
		id: 'n1',
		name: 'Node',
		type: `n8n-nodes-voipbin.${nodeType.description.name}`,
		typeVersion: 1,
		position: [0, 0],
		parameters,
	};
	const workflow = new Workflow({
		nodes: [node],
		connections: {},
		active: false,
		nodeTypes: { getByNameAndVersion: () => nodeType } as unknown as INodeTypes,
	});
	return workflow.expression.getSimpleParameterValue(
		node,
		nodeType.description.subtitle!,
		'internal',
		{},
	);
}

describe('subtitles', () => {
	const operations = action.description.properties.find((p) => p.name === 'operation')!;
	it.each((operations.options as INodePropertyOptions[]).map((o) => [o.value, o.action] as const))(
		'the action node shows operation %p as %p',
		(operation, words) => {
			expect(subtitle(action, { resource: 'recording', operation: String(operation) })).toBe(words);
		},
	);

	const events = trigger.description.properties.find((p) => p.name === 'event')!;
	it.each((events.options as INodePropertyOptions[]).map((o) => [o.value, o.name] as const))(
		'the trigger shows event %p as %p',
		(event, words) => {
			expect(subtitle(trigger, { event: String(event) })).toBe(words);
		},
	);
});

/** Every field a person fills in, with the path that names it, collection options included. */
function fields(properties: INodeProperties[], path = ''): Array<[string, INodeProperties]> {
	return properties.flatMap((property) => {
		const here = `${path}${property.displayName}`;
		const nested = (property.options ?? []).filter(
			(option): option is INodeProperties => 'displayName' in option && 'type' in option,
		);
		return [[here, property] as [string, INodeProperties], ...fields(nested, `${here} › `)];
	});
}

const fillable = (property: INodeProperties) =>
	!['notice', 'hidden', 'collection'].includes(property.type) &&
	!['resource', 'operation'].includes(property.name);

describe('every field says what it does', () => {
	const all = [
		...fields(action.description.properties).map(([p, f]) => [`Recording › ${p}`, f] as const),
		...fields(trigger.description.properties).map(([p, f]) => [`Trigger › ${p}`, f] as const),
		...fields(new VoipbinApi().properties).map(([p, f]) => [`Credential › ${p}`, f] as const),
	].filter(([, field]) => fillable(field));

	it.each(all.map(([path, field]) => [path, field] as const))('%s', (_path, field) => {
		expect(field.description ?? '').toMatch(/\w{3,}/);
	});

	it('names the unit of every number', () => {
		const numbers = all.filter(([, field]) => field.type === 'number');
		expect(numbers.length).toBeGreaterThan(5);
		for (const [path, field] of numbers) {
			const text = `${field.displayName} ${field.description}`;
			if (!/seconds|hours|events|results|\(seconds\)/i.test(text)) throw new Error(path);
		}
	});

	it('the credential hints at the Base URL and the Reference ID has a placeholder', () => {
		const baseUrl = new VoipbinApi().properties.find((p) => p.name === 'baseUrl')!;
		expect(baseUrl.hint).toMatch(/api\.voipbin\.net/);
		const referenceId = all.find(([, f]) => f.name === 'referenceId')![1];
		expect(referenceId.placeholder).toMatch(/^[0-9a-f-]{36}$/);
	});

	it('On First Run speaks of events, not of ended recordings (the Event may be Started)', () => {
		const onFirstRun = trigger.description.properties.find((p) => p.name === 'onFirstRun')!;
		const names = (onFirstRun.options as Array<{ name: string }>).map((o) => o.name);
		expect(names.join(' ')).not.toMatch(/ended/i);
	});

	it('Max Wait for Files has one default in the trigger, Download and Transcribe', () => {
		const waits = all
			.filter(([path]) => /Max Wait for Files/.test(path))
			.map(([, f]) => f.default as number);
		expect(waits).toHaveLength(3);
		expect(new Set(waits).size).toBe(1);
	});

	it('Max Events per Poll defaults within the 10–50 of n8n triggers', () => {
		const max = all.find(([, f]) => f.name === 'maxEventsPerPoll')![1];
		expect(max.default).toBeGreaterThanOrEqual(10);
		expect(max.default).toBeLessThanOrEqual(50);
	});
});

describe('example sticky notes', () => {
	const examplesDir = join(__dirname, '../../../examples');
	const labels = new Set<string>();
	for (const [, field] of [
		...fields(action.description.properties),
		...fields(trigger.description.properties),
	]) {
		labels.add(field.displayName);
		for (const option of (field.options ?? []) as Array<{ name?: string }>) {
			if (option.name) labels.add(option.name);
		}
	}
	const notes = readdirSync(examplesDir)
		.filter((file) => file.endsWith('.json'))
		.flatMap((file) => {
			const workflow = JSON.parse(readFileSync(join(examplesDir, file), 'utf8')) as {
				nodes: Array<{ name: string; type: string; parameters: Record<string, unknown> }>;
			};
			return workflow.nodes
				.filter((n) => n.type === 'n8n-nodes-base.stickyNote')
				.map((n) => ({ file, note: n.name, parameters: n.parameters }));
		});

	it.each(notes.map((n) => [`${n.file} › ${n.note}`, n] as const))(
		'%s: *fields* are labels and the note fits its text',
		(_name, { parameters }) => {
			const content = String(parameters.content);
			// The notes write a field or option name in *italics*, as the editor labels it.
			for (const [, field] of content.matchAll(/(?<!\*)\*([^*\n]+)\*(?!\*)/g)) {
				expect({ field, isLabel: labels.has(field) }).toEqual({ field, isLabel: true });
			}
			// Tall enough for the text, without a large empty area below it.
			const needed = estimatedHeight(content, Number(parameters.width));
			expect(Number(parameters.height)).toBeGreaterThanOrEqual(needed);
			expect(Number(parameters.height)).toBeLessThanOrEqual(needed + 40);
		},
	);
});

/**
 * The height n8n 2.40's sticky note needs for `content` at `width` (pixels), text and padding.
 * The constants were fitted to the heights the editor rendered for these notes in Chromium
 * (within 5 px): 14 px text about 6.8 px a character, 19 px lines, a list item 2 px more.
 */
function estimatedHeight(content: string, width: number): number {
	const perLine = (width - 32) / 6.8;
	let height = 34;
	for (const line of content.split('\n')) {
		if (line.startsWith('## ')) height += 32;
		else if (line.startsWith('### ')) height += 24;
		else if (line.trim() === '') height += 8;
		else {
			const text = line.replace(/[*`]/g, '');
			height += 19 * Math.ceil(text.length / perLine) + (/^(\d+\.|-) /.test(line) ? 2 : 0);
		}
	}
	return height;
}
