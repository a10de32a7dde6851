/** Every operation but Download (see download.test.ts), through n8n's real ExecuteContext. */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { VoipbinRecording } from '../../../../nodes/VoipbinRecording/VoipbinRecording.node';
import { startFakeVoipbin } from '../../../fake-voipbin';
import type { FakeAccount, FakeVoipbin } from '../../../fake-voipbin';
import { accessKeyCredential, runNode } from '../../../helpers/n8n';
import type { StoredCredential } from '../../../helpers/n8n';

const node = new VoipbinRecording();
const START = Date.UTC(2026, 0, 15, 9, 0, 0);
let fake: FakeVoipbin;
let account: FakeAccount;
let credential: StoredCredential;

beforeAll(async () => {
	fake = await startFakeVoipbin({ clock: 'manual', startTime: START });
	account = fake.createAccount();
	credential = accessKeyCredential(fake.baseUrl, account.accessKey);
	fake.faults.set({ rateLimit: 'off' });
});
afterAll(async () => await fake.close());
beforeEach(() => fake.resetRequests());

const run = async (parameters: IDataObject, items?: INodeExecutionData[], continueOnFail = false) =>
	(await runNode(node, parameters, { credential, items, continueOnFail }))[0];

describe('Get', () => {
	it('returns the normalized recording, paired with its input', async () => {
		const recording = fake.createRecording(account.customerId, { legacy: true });
		const [item] = await run({ operation: 'get', recordingId: recording.id });
		expect(item.json).toMatchObject({ id: recording.id, reference_type: 'call', tm_delete: null });
		expect(item.pairedItem).toEqual({ item: 0 });
	});

	it.each(['', 'not-a-uuid', '1234', "e5f6a7b8-c9d0-1234-5678-90abcdef012'"])(
		'refuses the ID %p before any request',
		async (recordingId) => {
			await expect(run({ operation: 'get', recordingId })).rejects.toThrow(/Recording ID/);
			expect(fake.requests).toHaveLength(0);
		},
	);

	it('says which recording was not found', async () => {
		const id = 'e5f6a7b8-c9d0-1234-5678-90abcdef0123';
		await expect(run({ operation: 'get', recordingId: id })).rejects.toThrow(
			`Recording ${id} was not found`,
		);
	});

	it('processes every input item and keeps going on failures when asked', async () => {
		const good = fake.createRecording(account.customerId).id;
		const items = [{ json: { id: good } }, { json: { id: 'bad' } }, { json: { id: good } }];
		const output = await run({ operation: 'get', recordingId: '={{ $json.id }}' }, items, true);
		expect(output.map((o) => o.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(output[0].json.id).toBe(good);
		expect(output[1].json.error).toMatch(/not a valid VoIPBIN ID/);
		expect(output[2].json.id).toBe(good);
	});
});

describe('Get Many', () => {
	let customerId: string;
	let credentialB: StoredCredential;
	beforeAll(() => {
		const other = fake.createAccount();
		customerId = other.customerId;
		credentialB = accessKeyCredential(fake.baseUrl, other.accessKey);
		const t0 = START * 1000 - 3600e6;
		fake.seedRecordings(customerId, 150, { startMicros: t0, stepMicros: 10e6, status: 'ended' });
		fake.seedRecordings(customerId, 60, {
			startMicros: t0 + 1500e6 + 5e6,
			stepMicros: 10e6,
			referenceType: 'confbridge',
			status: 'recording',
		});
	});
	const many = async (parameters: Record<string, unknown>) =>
		(await runNode(node, { operation: 'getMany', ...parameters }, { credential: credentialB }))[0];

	it('returns all recordings across pages, newest first', async () => {
		const output = await many({ returnAll: true });
		expect(output).toHaveLength(210);
		const times = output.map((o) => Date.parse(String(o.json.tm_create)));
		expect([...times].sort((a, b) => b - a)).toEqual(times);
		expect(new Set(output.map((o) => o.json.id)).size).toBe(210);
	});

	it('stops reading at the limit', async () => {
		fake.resetRequests();
		const output = await many({ returnAll: false, limit: 5 });
		expect(output).toHaveLength(5);
		expect(fake.requests).toHaveLength(1);
	});

	it('filters by status and reference type in the node', async () => {
		const ended = await many({ returnAll: true, filters: { statuses: ['ended'] } });
		expect(ended).toHaveLength(150);
		const conferences = await many({ returnAll: true, filters: { referenceType: 'confbridge' } });
		expect(conferences).toHaveLength(60);
		expect(conferences.every((o) => o.json.status === 'recording')).toBe(true);
	});

	it('filters by creation time and stops paging once past "Created After"', async () => {
		fake.resetRequests();
		const after = new Date(START - 3600e3 + 1400e3).toISOString();
		const output = await many({ returnAll: true, filters: { createdAfter: after } });
		// 60 conference recordings + the 10 newest calls (1400 s .. 1490 s).
		expect(output).toHaveLength(70);
		expect(fake.requests).toHaveLength(1);
		const before = new Date(START - 3600e3 + 100e3).toISOString();
		expect(await many({ returnAll: true, filters: { createdBefore: before } })).toHaveLength(10);
	});

	it('reads a date without an offset in the workflow time zone', async () => {
		// 17:24 in Tokyo (UTC+9) is 08:24Z: the 6 newest calls (08:24:00 .. 08:24:50) + 60 conferences.
		const inTokyo = async (createdAfter: string) =>
			(
				await runNode(
					node,
					{ operation: 'getMany', returnAll: true, filters: { createdAfter } },
					{ credential: credentialB, timezone: 'Asia/Tokyo' },
				)
			)[0];
		expect(await inTokyo('2026-01-15T17:24:00')).toHaveLength(66);
		// An explicit offset keeps its meaning whatever the workflow's zone.
		expect(await inTokyo('2026-01-15T08:24:00Z')).toHaveLength(66);
		expect(await inTokyo('2026-01-15T17:24:00+09:00')).toHaveLength(66);
	});

	it('filters by reference ID', async () => {
		const [first] = await many({ returnAll: false, limit: 1 });
		const output = await many({
			returnAll: true,
			filters: { referenceId: first.json.reference_id },
		});
		expect(output.map((o) => o.json.id)).toEqual([first.json.id]);
	});

	it('rejects a date that is not one', async () => {
		await expect(
			many({ returnAll: true, filters: { createdAfter: 'last tuesday' } }),
		).rejects.toThrow(/"Created After" is not a valid date/);
	});
});

describe('Delete', () => {
	it('deletes and returns the recording, marked deleted', async () => {
		const id = fake.createRecording(account.customerId).id;
		const [item] = await run({ operation: 'delete', recordingId: id });
		expect(item.json).toMatchObject({ id, deleted: true });
		expect(item.json.tm_delete).not.toBeNull();
		await expect(run({ operation: 'get', recordingId: id })).rejects.toThrow(
			/may have been deleted/,
		);
	});
});

describe('Start, Stop and Wait for End', () => {
	it('records a call: start returns the recording with the call, stop, then it ends', async () => {
		const call = fake.addCall(account.customerId);
		const [started] = await run({
			operation: 'start',
			target: 'call',
			callId: call.id,
			startOptions: { endOfKey: '#', endOfSilence: 10, duration: 600 },
		});
		expect(started.json).toMatchObject({
			status: 'initiating',
			reference_type: 'call',
			reference_id: call.id,
		});
		expect((started.json.call as { id: string }).id).toBe(call.id);
		const startRequest = fake.requests.find((r) => r.method === 'POST');
		expect(startRequest?.path).toBe(`/v1.0/calls/${call.id}/recording_start`);

		fake.clock.advance(30_000);
		const [stopped] = await run({ operation: 'stop', target: 'call', callId: call.id });
		expect(stopped.json).toMatchObject({ stopped: true, target: 'call', targetId: call.id });

		fake.clock.advance(5_000);
		const [ended] = await run({ operation: 'waitForEnd', recordingId: started.json.id });
		expect(ended.json.status).toBe('ended');
		expect(ended.json.tm_end).not.toBeNull();
	});

	it('records a conference: the recording refers to its confbridge', async () => {
		const conference = fake.addConference(account.customerId);
		const [started] = await run({
			operation: 'start',
			target: 'conference',
			conferenceId: conference.id,
		});
		expect(started.json).toMatchObject({
			reference_type: 'confbridge',
			reference_id: conference.confbridgeId,
		});
		expect((started.json.conference as { id: string }).id).toBe(conference.id);
		const [stopped] = await run({
			operation: 'stop',
			target: 'conference',
			conferenceId: conference.id,
		});
		expect(stopped.json.stopped).toBe(true);
	});

	it.each([
		['call', () => ({ target: 'call', callId: fake.addCall(account.customerId).id })],
		[
			'conference',
			() => ({ target: 'conference', conferenceId: fake.addConference(account.customerId).id }),
		],
	])(
		'Stop outputs the stopped recording of a %s, so Stop → Wait for End chains on $json.recordingId',
		async (_, target) => {
			const parameters = target();
			const [started] = await run({ operation: 'start', ...parameters });
			fake.clock.advance(10_000);
			const [stopped] = await run({ operation: 'stop', ...parameters });
			// The server has already reset the parent's recording_id to the nil UUID.
			const parent = stopped.json[parameters.target] as { recording_id: string };
			expect(parent.recording_id).toBe('00000000-0000-0000-0000-000000000000');
			expect(stopped.json.recordingId).toBe(started.json.id);

			fake.clock.advance(5_000);
			const [ended] = await run(
				{ operation: 'waitForEnd', recordingId: '={{ $json.recordingId }}' },
				[stopped],
			);
			expect(ended.json).toMatchObject({ id: started.json.id, status: 'ended' });
		},
	);

	it('names the likely cause of the 500s VoIPBIN gives a second start and a stop with nothing running, without retrying', async () => {
		const call = fake.addCall(account.customerId);
		await run({ operation: 'start', target: 'call', callId: call.id });
		fake.resetRequests();
		const second = run({ operation: 'start', target: 'call', callId: call.id });
		await expect(second).rejects.toThrow(`Call ${call.id} could not start recording`);
		await expect(second).rejects.toMatchObject({
			httpCode: '500',
			description: expect.stringMatching(/a recording is already running on this call/),
		});
		const idle = fake.addCall(account.customerId);
		const nothing = run({ operation: 'stop', target: 'call', callId: idle.id });
		await expect(nothing).rejects.toThrow(`Call ${idle.id} has no recording running to stop`);
		await expect(nothing).rejects.toMatchObject({
			description: expect.stringMatching(/no recording is running on this call/),
		});
		// A POST that failed with a 500 may have been acted on: it is not sent again.
		expect(fake.requests.filter((r) => r.method === 'POST').map((r) => r.status)).toEqual([
			500, 500,
		]);
	});

	it('refuses a bad call ID before any request', async () => {
		await expect(run({ operation: 'start', target: 'call', callId: 'abc' })).rejects.toThrow(
			/Call ID "abc" is not a valid VoIPBIN ID/,
		);
		expect(fake.requests).toHaveLength(0);
	});

	it('Wait for End does not take "stopping" for ended, and times out naming the last status', async () => {
		const id = fake.createRecording(account.customerId, { status: 'stopping' }).id;
		await expect(
			run({
				operation: 'waitForEnd',
				recordingId: id,
				waitOptions: { maxWaitSeconds: 2, pollIntervalSeconds: 1 },
			}),
		).rejects.toThrow(/did not end within 2 seconds \(last status: stopping\)/);
		expect(fake.requests.length).toBeGreaterThanOrEqual(2);
	});

	it('Wait for End returns as soon as the recording has ended', async () => {
		const id = fake.createRecording(account.customerId, { status: 'recording' }).id;
		const waiting = run({
			operation: 'waitForEnd',
			recordingId: id,
			waitOptions: { pollIntervalSeconds: 1 },
		});
		await new Promise((resolve) => setTimeout(resolve, 1200));
		fake.setStatus(id, 'ended');
		const [item] = await waiting;
		expect(item.json.status).toBe('ended');
	});
});
