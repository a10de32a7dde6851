/** The Recording Trigger through n8n-core's real PollContext against the fake VoIPBIN. */
import { DateTime } from 'luxon';
import type { IDataObject } from 'n8n-workflow';

import { VoipbinRecordingTrigger } from '../../../../nodes/VoipbinRecording/VoipbinRecordingTrigger.node';
import { STATE_KEY } from '../../../../nodes/VoipbinRecording/trigger/state';
import { startFakeVoipbin } from '../../../fake-voipbin';
import type { FakeAccount, FakeVoipbin } from '../../../fake-voipbin';
import { PollHarness, accessKeyCredential, readBinary } from '../../../helpers/n8n';

const trigger = new VoipbinRecordingTrigger();
let fake: FakeVoipbin;

beforeAll(async () => {
	fake = await startFakeVoipbin({ filesDelayMs: 0 });
	fake.faults.set({ rateLimit: 'off' });
});
afterAll(async () => await fake.close());

function setup(parameters: Record<string, unknown> = {}, settings: { timezone?: string } = {}) {
	const account: FakeAccount = fake.createAccount();
	const harness = new PollHarness(
		trigger,
		{ event: 'recordingEnded', ...parameters },
		accessKeyCredential(fake.baseUrl, account.accessKey),
		settings,
	);
	return { account, harness, customerId: account.customerId };
}

const ids = (output: Awaited<ReturnType<PollHarness['poll']>>) =>
	(output?.[0] ?? []).map((item) => item.json.id);

describe('Recording Ended', () => {
	it('emits nothing on the first run by default, then each recording once when it ends', async () => {
		const { harness, customerId } = setup();
		fake.seedRecordings(customerId, 30, { status: 'ended' });
		const live = fake.createRecording(customerId, { status: 'recording' });
		expect(await harness.poll()).toBeNull();
		expect(harness.state?.[STATE_KEY]).toBeDefined();

		expect(await harness.poll()).toBeNull();
		fake.setStatus(live.id, 'stopping');
		expect(await harness.poll()).toBeNull(); // stopping is not ended
		fake.setStatus(live.id, 'ended');
		const output = await harness.poll();
		expect(ids(output)).toEqual([live.id]);
		expect(output![0][0].json).toMatchObject({
			event: 'ended',
			previousStatus: 'stopping',
			status: 'ended',
		});
		expect(await harness.poll()).toBeNull();
	});

	it('emits a recording that went from initiating to ended between two polls, and new ended ones', async () => {
		const { harness, customerId } = setup();
		const early = fake.createRecording(customerId, { status: 'initiating' });
		await harness.poll();
		fake.setStatus(early.id, 'ended');
		const fresh = fake.createRecording(customerId, { status: 'ended' });
		expect(ids(await harness.poll()).sort()).toEqual([early.id, fresh.id].sort());
		expect(await harness.poll()).toBeNull();
	});

	it('emits each of many recordings sharing one tm_create across a page boundary once', async () => {
		const { harness, customerId } = setup();
		await harness.poll();
		const tmCreate = (Date.now() + 1000) * 1000;
		const group = fake.seedRecordings(customerId, 150, { tmCreate, status: 'ended' });
		const newer = fake.seedRecordings(customerId, 5, {
			startMicros: tmCreate + 10,
			stepMicros: 1,
			status: 'ended',
		});
		const emitted: unknown[] = [];
		for (let output = await harness.poll(); output; output = await harness.poll()) {
			emitted.push(...ids(output));
		}
		expect(new Set(emitted).size).toBe(emitted.length);
		expect(newer.every((r) => emitted.includes(r.id))).toBe(true);
		// A strict keyset would show only the 95 of the group on the first page. The server can
		// show one page (100) of one microsecond at most, and all 100 are found.
		expect(group.filter((r) => emitted.includes(r.id))).toHaveLength(100);
	});

	it('finds the same events again after a poll that failed halfway', async () => {
		const { harness, customerId } = setup();
		await harness.poll();
		const created = fake.seedRecordings(customerId, 250, { status: 'ended' });
		const saved = JSON.stringify(harness.state);
		// The third list request fails with a 500, which is not retried: the poll throws.
		fake.faults.set({ status5xx: { count: 1, status: 500, after: 2 } });
		await expect(harness.poll({})).rejects.toThrow(/server error \(500\)/);
		expect(JSON.stringify(harness.state)).toBe(saved);
		const emitted: unknown[] = [];
		for (let output = await harness.poll(); output; output = await harness.poll()) {
			emitted.push(...ids(output));
		}
		expect(emitted).toHaveLength(250);
		expect(new Set(emitted)).toEqual(new Set(created.map((r) => r.id)));
	});

	it('leaves recordings filtered out by reference type alone', async () => {
		const { harness, customerId } = setup({ filters: { referenceType: 'confbridge' } });
		await harness.poll();
		fake.createRecording(customerId, { status: 'ended', referenceType: 'call' });
		const conference = fake.createRecording(customerId, {
			status: 'ended',
			referenceType: 'confbridge',
		});
		expect(ids(await harness.poll())).toEqual([conference.id]);
	});
});

describe('other events', () => {
	it('Any Status Change says the old and the new status', async () => {
		const { harness, customerId } = setup({ event: 'anyStatusChange' });
		await harness.poll();
		const r = fake.createRecording(customerId, { status: 'initiating' });
		const first = await harness.poll();
		expect(first![0][0].json).toMatchObject({
			id: r.id,
			previousStatus: null,
			status: 'initiating',
		});
		fake.setStatus(r.id, 'recording');
		const second = await harness.poll();
		expect(second![0][0].json).toMatchObject({ previousStatus: 'initiating', status: 'recording' });
	});

	it('Recording Started fires once', async () => {
		const { harness, customerId } = setup({ event: 'recordingStarted' });
		await harness.poll();
		const r = fake.createRecording(customerId, { status: 'initiating' });
		expect(await harness.poll()).toBeNull();
		fake.setStatus(r.id, 'recording');
		expect(ids(await harness.poll())).toEqual([r.id]);
		fake.setStatus(r.id, 'ended');
		expect(await harness.poll()).toBeNull();
	});
});

describe('first run options', () => {
	it('emits recordings ended in the last hours', async () => {
		const { harness, customerId } = setup({ onFirstRun: 'lastHours', firstRunHours: 1 });
		const now = Date.now() * 1000;
		fake.seedRecordings(customerId, 3, {
			status: 'ended',
			startMicros: now - 5 * 3600e6,
			stepMicros: 1e6,
		});
		const recent = fake.seedRecordings(customerId, 4, {
			status: 'ended',
			startMicros: now - 600e6,
			stepMicros: 1e6,
		});
		expect(ids(await harness.poll()).sort()).toEqual(recent.map((r) => r.id).sort());
		expect(await harness.poll()).toBeNull();
	});
	it('reads "Since" without an offset in the workflow time zone', async () => {
		const now = Date.now();
		const since = DateTime.fromMillis(now - 3600e3, { zone: 'Asia/Tokyo' }).toFormat(
			"yyyy-MM-dd'T'HH:mm:ss",
		);
		const { harness, customerId } = setup(
			{ onFirstRun: 'sinceDate', firstRunSince: since },
			{ timezone: 'Asia/Tokyo' },
		);
		const [before] = fake.seedRecordings(customerId, 1, {
			status: 'ended',
			startMicros: (now - 2 * 3600e3) * 1000,
		});
		const [after] = fake.seedRecordings(customerId, 1, {
			status: 'ended',
			startMicros: (now - 1800e3) * 1000,
		});
		expect(before.id).not.toBe(after.id);
		expect(ids(await harness.poll())).toEqual([after.id]);
	});
});

describe('stored state that cannot be read', () => {
	it.each<[string, unknown]>([
		['corrupt', 'garbage'],
		['from an unknown version', { version: 99, cursorMicros: 5 }],
	])('is %s: warns and resumes from now, without looking back again', async (_, stored) => {
		const { harness, customerId } = setup({ onFirstRun: 'lastHours', firstRunHours: 5 });
		const now = Date.now() * 1000;
		fake.seedRecordings(customerId, 4, {
			status: 'ended',
			startMicros: now - 3600e6,
			stepMicros: 1e6,
		});
		const live = fake.createRecording(customerId, { status: 'recording' });
		(harness.workflow.staticData as IDataObject)[`node:${harness.node.name}`] = {
			[STATE_KEY]: stored,
		} as IDataObject;
		expect(await harness.poll()).toBeNull();
		expect(harness.warnings).toEqual([expect.stringMatching(/could not be read/)]);
		expect((harness.state?.[STATE_KEY] as IDataObject).version).toBeDefined();
		// What is in progress is still followed.
		fake.setStatus(live.id, 'ended');
		expect(ids(await harness.poll())).toEqual([live.id]);
	});
});

describe('Fetch Test Event (manual mode)', () => {
	it('returns the newest ended recording and leaves the state alone', async () => {
		const { harness, customerId } = setup();
		const [older, newer] = fake.seedRecordings(customerId, 2, { status: 'ended' });
		const live = fake.createRecording(customerId, { status: 'recording' });
		const output = await harness.poll({ mode: 'manual' });
		// Listed newest first: live, newer, older. The sample skips the one still recording and
		// takes the newest ended one, as an ended event.
		expect(ids(output)).toEqual([newer.id]);
		expect(ids(output)).not.toContain(older.id);
		expect(ids(output)).not.toContain(live.id);
		expect(output![0][0].json).toMatchObject({ event: 'ended', status: 'ended' });
		expect(harness.state).toBeUndefined();
		expect((harness.workflow.staticData as { __dataChanged?: boolean }).__dataChanged).toBeFalsy();
	});

	it('says clearly when no recording has ended yet', async () => {
		const { harness, customerId } = setup();
		fake.createRecording(customerId, { status: 'recording' });
		await expect(harness.poll({ mode: 'manual' })).rejects.toThrow('No ended recording yet');
	});
});

describe('Attach Audio', () => {
	it('attaches a mono mix WAV to each ended event', async () => {
		const { harness, customerId } = setup({ attachAudio: true, audioOutputAs: 'monoMix' });
		await harness.poll();
		const r = fake.createRecording(customerId, { status: 'ended', durationSeconds: 3 });
		const output = await harness.poll();
		const [item] = output![0];
		expect(item.json).toMatchObject({ id: r.id, event: 'ended' });
		const wav = await readBinary(item.binary!.data);
		expect(wav.subarray(0, 4).toString()).toBe('RIFF');
		expect(wav.readUInt32LE(40)).toBe(3 * 8000 * 2);
	});

	it('emits an event whose files never come with an audioError instead of dropping it', async () => {
		const { harness, customerId } = setup({ attachAudio: true, audioMaxWaitSeconds: 0 });
		await harness.poll();
		const r = fake.createRecording(customerId, { status: 'ended', filesReady: false });
		const output = await harness.poll();
		expect(output![0][0].json).toMatchObject({ id: r.id, event: 'ended' });
		expect(output![0][0].json.audioError).toMatch(/not ready/);
		expect(output![0][0].binary).toBeUndefined();
		expect(await harness.poll()).toBeNull();
	});

	it('emits an event whose files stay partial with audioError once Max Wait has passed across short polls, and newer events with it', async () => {
		const { harness, customerId } = setup({
			attachAudio: true,
			audioOutputAs: 'separate',
			audioMaxWaitSeconds: 5,
		});
		await harness.poll();
		const call = fake.createRecording(customerId, { status: 'ended', durationSeconds: 1 });
		const conference = fake.createRecording(customerId, {
			status: 'ended',
			durationSeconds: 1,
			referenceType: 'confbridge',
		});
		// The server keeps serving a ZIP with only `_in.wav`: the call's files never become whole
		// (a conference has only `_in.wav`, so its files are whole).
		fake.faults.set({ storage: { onlyDirection: 'in' } });
		const started = Date.now();
		let output: Awaited<ReturnType<PollHarness['poll']>> = null;
		let polls = 0;
		try {
			// 3 s budgets, as n8n's durable mode gives (about 36 s), far below the 5 s Max Wait.
			while (!output && polls < 6) {
				output = await harness.poll({ budgetMs: 3000 });
				polls++;
			}
		} finally {
			fake.faults.set({ storage: null });
		}
		const waitedMs = Date.now() - started;
		expect(output).not.toBeNull();
		const [callItem, conferenceItem] = output![0];
		expect(callItem.json).toMatchObject({ id: call.id, event: 'ended' });
		expect(callItem.json.audioError).toMatch(/not ready/);
		expect(callItem.binary).toBeUndefined();
		expect(conferenceItem.json).toMatchObject({ id: conference.id, event: 'ended' });
		expect(conferenceItem.binary?.data.mimeType).toBe('audio/wav');
		// Held across polls for the 5 s Max Wait (the download stops early when its next attempt,
		// 2 s after the last, would fall past it), and no longer than the poll after it.
		expect(polls).toBeGreaterThan(1);
		expect(waitedMs).toBeGreaterThanOrEqual(5000 - 2000);
		expect(waitedMs).toBeLessThan(5000 + 3000);
		expect(harness.warnings.filter((w) => w.includes(`${call.id} is not whole yet`))).toHaveLength(
			polls - 1,
		);
		expect(await harness.poll()).toBeNull();
	});

	it('holds an event back, rather than emit it without audio, when the poll runs out of time', async () => {
		const { harness, customerId } = setup({ attachAudio: true, audioMaxWaitSeconds: 120 });
		await harness.poll();
		const r = fake.createRecording(customerId, { status: 'ended', durationSeconds: 1 });
		fake.faults.set({ storage: { emptyZip: true } });
		try {
			// A 3 s budget (n8n's durable mode gives about 36 s) is far below the 120 s audio wait.
			expect(await harness.poll({ budgetMs: 3000 })).toBeNull();
		} finally {
			fake.faults.set({ storage: null });
		}
		const output = await harness.poll({ budgetMs: 3000 });
		expect(ids(output)).toEqual([r.id]);
		expect(output![0][0].binary?.data.mimeType).toBe('audio/wav');
		expect(await harness.poll()).toBeNull();
	});
});
