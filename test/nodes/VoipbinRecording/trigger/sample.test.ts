/**
 * "Fetch Test Event" (manual mode) follows the chosen Event: through n8n-core's real PollContext
 * against the fake VoIPBIN, the sample is a real recording in the shape of that event.
 */
import { VoipbinRecordingTrigger } from '../../../../nodes/VoipbinRecording/VoipbinRecordingTrigger.node';
import { startFakeVoipbin } from '../../../fake-voipbin';
import type { FakeVoipbin } from '../../../fake-voipbin';
import { PollHarness, accessKeyCredential } from '../../../helpers/n8n';

const trigger = new VoipbinRecordingTrigger();
let fake: FakeVoipbin;

beforeAll(async () => {
	fake = await startFakeVoipbin({ filesDelayMs: 0 });
	fake.faults.set({ rateLimit: 'off' });
});
afterAll(async () => await fake.close());

/** The trigger with this Event for the account: n8n keeps one per workflow. */
function triggerFor(
	account: { accessKey: string },
	event: string,
	parameters: Record<string, unknown> = {},
) {
	return new PollHarness(
		trigger,
		{ event, ...parameters },
		accessKeyCredential(fake.baseUrl, account.accessKey),
	);
}

/** An account with an old ended recording and a call being recorded now, through the API's life. */
function accountWithTraffic() {
	const account = fake.createAccount();
	const [ended] = fake.seedRecordings(account.customerId, 1, { status: 'ended' });
	const call = fake.addCall(account.customerId);
	const live = fake.startRecording(call.id, { durationSeconds: 60 });
	fake.clock.advance(2_000);
	const harness = (event: string, parameters: Record<string, unknown> = {}) =>
		triggerFor(account, event, parameters);
	return { account, ended, live, call, harness };
}

async function fetchTestEvent(harness: PollHarness) {
	const output = await harness.poll({ mode: 'manual' });
	expect(output).toHaveLength(1);
	expect(output![0]).toHaveLength(1);
	expect(harness.state).toBeUndefined();
	expect((harness.workflow.staticData as { __dataChanged?: boolean }).__dataChanged).toBeFalsy();
	return output![0][0].json;
}

describe('Fetch Test Event follows the chosen Event', () => {
	it('Recording Started: a recording capturing audio, as a started event', async () => {
		const { live, harness } = accountWithTraffic();
		const sample = await fetchTestEvent(harness('recordingStarted'));
		expect(sample).toMatchObject({
			id: live.id,
			status: 'recording',
			event: 'started',
			previousStatus: null,
			tm_end: null,
		});
		expect(sample.tm_start).toEqual(expect.any(String));
	});

	it('Recording Started falls back to the newest recording that has started at all', async () => {
		const account = fake.createAccount();
		const [older, newer] = fake.seedRecordings(account.customerId, 2, { status: 'ended' });
		fake.createRecording(account.customerId, { status: 'initiating' });
		const harness = triggerFor(account, 'recordingStarted');
		const sample = await fetchTestEvent(harness);
		expect(sample).toMatchObject({ id: newer.id, event: 'started', status: 'ended' });
		expect(sample.id).not.toBe(older.id);
	});

	it('Recording Ended: the newest ended recording, not the one still recording', async () => {
		const { ended, harness } = accountWithTraffic();
		const sample = await fetchTestEvent(harness('recordingEnded'));
		expect(sample).toMatchObject({
			id: ended.id,
			status: 'ended',
			event: 'ended',
			previousStatus: 'stopping',
		});
	});

	it('Any Status Change: the newest recording, seen for the first time', async () => {
		const { live, harness } = accountWithTraffic();
		const sample = await fetchTestEvent(harness('anyStatusChange'));
		expect(sample).toMatchObject({
			id: live.id,
			status: 'recording',
			event: 'statusChange',
			previousStatus: null,
		});
	});

	it('keeps to the filters: a conference filter skips the call being recorded', async () => {
		const { account, harness } = accountWithTraffic();
		const conference = fake.addConference(account.customerId);
		const recording = fake.startRecording(conference.id, { durationSeconds: 60 });
		fake.clock.advance(2_000);
		const call = fake.addCall(account.customerId);
		fake.startRecording(call.id, { durationSeconds: 60 });
		fake.clock.advance(2_000);
		const sample = await fetchTestEvent(
			harness('recordingStarted', { filters: { referenceType: 'confbridge' } }),
		);
		expect(sample).toMatchObject({ id: recording.id, reference_type: 'confbridge' });
	});

	it('says clearly when nothing has started yet', async () => {
		const account = fake.createAccount();
		fake.createRecording(account.customerId, { status: 'initiating' });
		const harness = triggerFor(account, 'recordingStarted');
		await expect(harness.poll({ mode: 'manual' })).rejects.toThrow('No started recording yet');
	});
});
