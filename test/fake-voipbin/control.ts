/**
 * `/_fake/...`: the programmatic API over HTTP, for users in other processes (demo, e2e,
 * benchmarks). No auth, never logged in `requests`.
 */
import type { FakeVoipbin } from './index';
import { BadJson, type Exchange, readJsonObject } from './http';
import { isStatus, type CreateRecordingOptions, type SeedOptions } from './world';

function text(value: unknown, name: string): string {
	if (typeof value !== 'string' || value === '') throw new BadJson(`"${name}" must be a string`);
	return value;
}

export async function handleControl(ex: Exchange, fake: FakeVoipbin): Promise<void> {
	const method = ex.req.method ?? 'GET';
	const path = ex.url.pathname.replace(/^\/_fake/, '');
	try {
		const body = method === 'POST' ? await readJsonObject(ex.req) : {};
		const recordingMatch = /^\/recordings\/(?!seed$)([^/]+)(\/status|\/transcribes)?$/.exec(path);
		const key = `${method} ${recordingMatch ? `/recordings/{id}${recordingMatch[2] ?? ''}` : path}`;
		switch (key) {
			case 'POST /accounts':
				return ex.json(200, fake.createAccount(body));
			case 'POST /calls':
				return ex.json(200, fake.addCall(text(body.customerId, 'customerId'), body));
			case 'POST /conferences':
				return ex.json(200, fake.addConference(text(body.customerId, 'customerId'), body));
			case 'POST /recordings/seed': {
				const count = body.count;
				if (!Number.isInteger(count) || (count as number) < 0)
					throw new BadJson('"count" must be an integer');
				const seeded = fake.seedRecordings(
					text(body.customerId, 'customerId'),
					count as number,
					body as SeedOptions,
				);
				return ex.json(200, { recordings: seeded.map((recording) => recording.json()) });
			}
			case 'POST /recordings': {
				const customerId = text(body.customerId, 'customerId');
				return ex.json(
					200,
					fake.createRecording(customerId, body as CreateRecordingOptions).json(),
				);
			}
			case 'GET /recordings/{id}':
				return ex.json(200, fake.getRecording((recordingMatch as string[])[1]).json());
			case 'POST /recordings/{id}/status': {
				if (!isStatus(body.status)) throw new BadJson('"status" must be a recording status');
				const id = (recordingMatch as string[])[1];
				fake.setStatus(id, body.status);
				return ex.json(200, fake.getRecording(id).json());
			}
			case 'GET /recordings/{id}/transcribes':
				return ex.json(200, {
					transcribes: fake.transcribesOf((recordingMatch as string[])[1]),
				});
			case 'DELETE /recordings/{id}': {
				const id = (recordingMatch as string[])[1];
				fake.deleteRecording(id);
				return ex.json(200, fake.getRecording(id).json());
			}
			case 'GET /clock':
				return ex.json(200, { now: fake.clock.now() });
			case 'POST /clock/advance':
				fake.clock.advance(Number(body.ms));
				return ex.json(200, { now: fake.clock.now() });
			case 'POST /clock/set':
				fake.clock.set(Number(body.ms));
				return ex.json(200, { now: fake.clock.now() });
			case 'GET /faults':
				return ex.json(200, fake.faults.get());
			case 'POST /faults':
				fake.faults.set(body);
				return ex.json(200, fake.faults.get());
			case 'POST /faults/reset':
				fake.faults.reset();
				return ex.json(200, fake.faults.get());
			case 'GET /requests':
				return ex.json(200, { requests: fake.requests });
			case 'POST /requests/reset':
				fake.resetRequests();
				return ex.json(200, { requests: [] });
			case 'GET /openai/transcript':
				return ex.json(200, { transcript: fake.openAiTranscript });
			case 'POST /openai/transcript/reset':
				fake.openAiTranscript.length = 0;
				return ex.json(200, { transcript: [] });
			case 'GET /stats':
				return ex.json(200, fake.stats());
			default:
				return ex.error(404, 'ROUTE_NOT_FOUND', `No control route ${method} ${ex.url.pathname}.`);
		}
	} catch (error) {
		// Control callers are tests: tell them exactly what was wrong.
		ex.error(400, 'INVALID_ARGUMENT', (error as Error).message);
	}
}
