/** The Recording Trigger's Attach Audio shares the Download operation's retries (issue 12, item 5). */
import { VoipbinRecordingTrigger } from '../../../../nodes/VoipbinRecording/VoipbinRecordingTrigger.node';
import { startFakeVoipbin } from '../../../fake-voipbin';
import type { FakeVoipbin } from '../../../fake-voipbin';
import { PollHarness, accessKeyCredential, useFilesystemBinaryData } from '../../../helpers/n8n';

let fake: FakeVoipbin;

beforeAll(async () => {
	await useFilesystemBinaryData();
	fake = await startFakeVoipbin({ filesDelayMs: 0 });
	fake.faults.set({ rateLimit: 'off' });
});
afterAll(async () => await fake.close());

it('retries a 500 from /recordingfiles within the audio wait, and emits the event with its audio', async () => {
	const account = fake.createAccount();
	const harness = new PollHarness(
		new VoipbinRecordingTrigger(),
		{ event: 'recordingEnded', attachAudio: true, audioMaxWaitSeconds: 30 },
		accessKeyCredential(fake.baseUrl, account.accessKey),
	);
	await harness.poll();
	const recording = fake.createRecording(account.customerId, {
		status: 'ended',
		durationSeconds: 1,
	});
	fake.faults.set({
		status5xx: { count: 1, status: 500, route: 'GET /v1.0/recordingfiles/{id}' },
	});
	const output = await harness.poll();
	const [item] = output![0];
	expect(item.json).toMatchObject({ id: recording.id, event: 'ended' });
	expect(item.json.audioError).toBeUndefined();
	expect(item.json.audio).toMatchObject({ part: 'mix', attempts: 2 });
	expect(item.binary?.data.mimeType).toBe('audio/wav');
	expect(fake.requests.filter((r) => r.status === 500)).toHaveLength(1);
});
