#!/usr/bin/env node
// Writes the part of VoIPBIN's OpenAPI spec that the fake VoIPBIN's tests validate against into
// test/fake-voipbin/openapi/schemas.json, so that the repository needs nothing beside it.
//
//   node scripts/openapi-subset.mjs <openapi.bundled.json> <source commit> [SchemaName …]
//
// The input is bin-api-manager/gens/openapi_redoc/openapi.json of voipbin/monorepo (served at
// https://api.voipbin.net/openapi.json). Each named schema is kept with every schema it refers
// to, unchanged; with no names, the list below (the schemas the tests name) is used.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const DEFAULT_SCHEMAS = [
	'CallManagerCall',
	'CallManagerRecording',
	'CommonPagination',
	'ConferenceManagerConference',
	'ErrorResponse',
	'TranscribeManagerTranscribe',
	'TranscribeManagerTranscript',
];
const OUTPUT = path.join(
	path.dirname(fileURLToPath(import.meta.url)),
	'../test/fake-voipbin/openapi/schemas.json',
);

const [input, commit, ...names] = process.argv.slice(2);
if (!input || !/^[0-9a-f]{40}$/.test(commit ?? '')) {
	console.error(
		'usage: node scripts/openapi-subset.mjs <openapi.bundled.json> <40-hex commit> [SchemaName …]',
	);
	process.exit(2);
}
const spec = JSON.parse(fs.readFileSync(input, 'utf8'));
const all = spec.components.schemas;

const kept = {};
const visit = (name) => {
	if (kept[name]) return;
	if (!all[name]) throw new Error(`The spec has no schema ${name}`);
	kept[name] = all[name];
	for (const [, ref] of JSON.stringify(all[name]).matchAll(/"#\/components\/schemas\/([^"]+)"/g))
		visit(ref);
};
for (const name of names.length ? names : DEFAULT_SCHEMAS) visit(name);

const sorted = Object.fromEntries(
	Object.keys(kept)
		.sort()
		.map((k) => [k, kept[k]]),
);
const document = {
	$comment:
		`Schemas from VoIPBIN's OpenAPI spec (${spec.info?.title} ${spec.info?.version}), ` +
		`voipbin/monorepo bin-api-manager/gens/openapi_redoc/openapi.json at commit ${commit}, ` +
		'copied unchanged; written by scripts/openapi-subset.mjs.',
	openapi: spec.openapi,
	components: { schemas: sorted },
};
fs.mkdirSync(path.dirname(OUTPUT), { recursive: true });
fs.writeFileSync(OUTPUT, `${JSON.stringify(document, null, '\t')}\n`);
console.log(`${Object.keys(sorted).length} schemas → ${path.relative(process.cwd(), OUTPUT)}`);
