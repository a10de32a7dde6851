/**
 * `npm run schemas`: writes the output schemas n8n's editor shows before a node has run
 * (`nodes/VoipbinRecording/__schema__/v1.0.0/recording/<operation>.json`, and `v1.0.0.json` for
 * the trigger; copied into dist by the build). Each is derived from a real output item of the operation, run against the fake VoIPBIN,
 * in the form n8n-nodes-base ships: one JSON type per field, `"version": 1`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { startFakeVoipbin } from '../test/fake-voipbin';
import { operationOutputs, triggerOutput } from '../test/helpers/operationOutputs';

const SCHEMA_DIR = join(
	__dirname,
	'..',
	'nodes',
	'VoipbinRecording',
	'__schema__',
	'v1.0.0',
	'recording',
);

interface JsonSchema {
	type: string;
	properties?: Record<string, JsonSchema>;
	items?: JsonSchema | Record<string, never>;
}

function schemaOf(value: unknown): JsonSchema {
	if (value === null) return { type: 'null' };
	if (Array.isArray(value)) return { type: 'array', items: value.length ? schemaOf(value[0]) : {} };
	if (typeof value === 'object') {
		const properties: Record<string, JsonSchema> = {};
		for (const key of Object.keys(value as object).sort()) {
			properties[key] = schemaOf((value as Record<string, unknown>)[key]);
		}
		return { type: 'object', properties };
	}
	if (typeof value === 'number') return { type: Number.isInteger(value) ? 'integer' : 'number' };
	return { type: typeof value };
}

async function main(): Promise<void> {
	const fake = await startFakeVoipbin({ filesDelayMs: 0 });
	fake.faults.set({ rateLimit: 'off' });
	try {
		const outputs = await operationOutputs(fake, 'call');
		mkdirSync(SCHEMA_DIR, { recursive: true });
		for (const [operation, item] of Object.entries(outputs)) {
			const file = join(SCHEMA_DIR, `${operation}.json`);
			writeFileSync(
				file,
				`${JSON.stringify({ ...schemaOf(item.json), version: 1 }, null, '\t')}\n`,
			);
			console.log(`wrote ${file}`);
		}
		// The trigger (no resource or operation) is asked for as /schemas/<node>/1.0.0.json.
		const triggerFile = join(SCHEMA_DIR, '..', '..', 'v1.0.0.json');
		const item = await triggerOutput(fake);
		writeFileSync(
			triggerFile,
			`${JSON.stringify({ ...schemaOf(item.json), version: 1 }, null, '\t')}\n`,
		);
		console.log(`wrote ${triggerFile}`);
	} finally {
		await fake.close();
	}
}

void main().catch((error) => {
	console.error(error);
	process.exitCode = 1;
});
