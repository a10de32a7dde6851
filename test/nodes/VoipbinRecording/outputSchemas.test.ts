/**
 * The output schemas n8n's editor fetches before a node has run
 * (`/schemas/n8n-nodes-voipbin.voipbinRecording/1.0.0/recording/<operation>.json`): one per
 * operation, where n8n-core's resolver looks, and each one fits what the operation really outputs,
 * for a call and for a conference. `npm run schemas` writes them again after an output changes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import Ajv from 'ajv';
import type { INodePropertyOptions } from 'n8n-workflow';

import type { RecordingOperation } from '../../../nodes/VoipbinRecording/actions/node.type';
import { VoipbinRecording } from '../../../nodes/VoipbinRecording/VoipbinRecording.node';
import { startFakeVoipbin } from '../../fake-voipbin';
import type { FakeVoipbin } from '../../fake-voipbin';
import { operationOutputs, triggerOutput } from '../../helpers/operationOutputs';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { resolveOutputSchemaPath } = require('n8n-core') as typeof import('n8n-core');

const nodeDir = join(__dirname, '../../../nodes/VoipbinRecording');
const operations = (
	new VoipbinRecording().description.properties.find((p) => p.name === 'operation')!
		.options as INodePropertyOptions[]
).map((o) => o.value as RecordingOperation);

// "version" is n8n's own keyword beside the JSON Schema ones.
const ajv = new Ajv({ allErrors: true, strict: false });

function schemaFor(operation: string): { type: string; properties: Record<string, unknown> } {
	// Where n8n 2.40's server looks for /schemas/<node>/1.0.0/recording/<operation>.json.
	const file = resolveOutputSchemaPath({
		nodeDir,
		version: 1,
		resource: 'recording',
		operation,
	});
	expect(file).toBe(join(nodeDir, '__schema__', 'v1.0.0', 'recording', `${operation}.json`));
	expect(existsSync(file!)).toBe(true);
	return JSON.parse(readFileSync(file!, 'utf8'));
}

let fake: FakeVoipbin;
beforeAll(async () => {
	fake = await startFakeVoipbin({ filesDelayMs: 0 });
	fake.faults.set({ rateLimit: 'off' });
});
afterAll(async () => await fake.close());

it('covers every operation', () => {
	expect(operations.sort()).toEqual(
		[
			'delete',
			'download',
			'get',
			'getMany',
			'getTranscript',
			'start',
			'stop',
			'transcribe',
			'waitForEnd',
		].sort(),
	);
});

describe.each(['call', 'conference'] as const)('a real %s recording', (target) => {
	let outputs: Awaited<ReturnType<typeof operationOutputs>>;
	beforeAll(async () => {
		outputs = await operationOutputs(fake, target);
	});

	it.each(operations)(
		'%s: the output item fits the schema, which names all its fields',
		(operation) => {
			const schema = schemaFor(operation);
			// The editor's own check before it shows a preview.
			expect(schema.type).toBe('object');
			expect(Object.keys(schema.properties).length).toBeGreaterThan(0);

			const item = outputs[operation].json;
			const validate = ajv.compile(schema);
			expect({ valid: validate(item), errors: validate.errors }).toEqual({
				valid: true,
				errors: null,
			});
			// What a conference adds instead of the call (its parent object) is the only difference.
			const missing = Object.keys(item).filter((key) => !(key in schema.properties));
			expect(missing).toEqual(
				target === 'call'
					? []
					: operation === 'start' || operation === 'stop'
						? ['conference']
						: [],
			);
		},
	);
});

it('the trigger (asked as /schemas/<trigger>/1.0.0.json) has one that fits its real event item', async () => {
	const file = resolveOutputSchemaPath({ nodeDir, version: 1 });
	expect(file).toBe(join(nodeDir, '__schema__', 'v1.0.0.json'));
	const schema = JSON.parse(readFileSync(file!, 'utf8'));
	const item = (await triggerOutput(fake)).json;
	const validate = ajv.compile(schema);
	expect({ valid: validate(item), errors: validate.errors }).toEqual({ valid: true, errors: null });
	expect(Object.keys(item).filter((key) => !(key in schema.properties))).toEqual([]);
	expect(Object.keys(schema.properties)).toEqual(
		expect.arrayContaining(['event', 'previousStatus']),
	);
});
