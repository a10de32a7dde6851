/**
 * One real output item of every operation of the VoIPBIN Recording node, each run through n8n's
 * real ExecuteContext against the fake VoIPBIN. `target` picks what is recorded: a call (two
 * directions) or a conference (one). Shared by the output-schema generator and its test.
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import type { RecordingOperation } from '../../nodes/VoipbinRecording/actions/node.type';
import type { FakeVoipbin } from '../fake-voipbin';
import { PollHarness, accessKeyCredential, runNode } from './n8n';

// The explicit `.ts` (as in bench/): outside jest, Node's resolver would pick the `.node.json`
// codex file next to it first, and this module also runs under tsx (npm run schemas).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { VoipbinRecording } =
	require('../../nodes/VoipbinRecording/VoipbinRecording.node.ts') as typeof import('../../nodes/VoipbinRecording/VoipbinRecording.node');

const node = new VoipbinRecording();

export async function operationOutputs(
	fake: FakeVoipbin,
	target: 'call' | 'conference',
): Promise<Record<RecordingOperation, INodeExecutionData>> {
	const { customerId, accessKey } = fake.createAccount();
	const credential = accessKeyCredential(fake.baseUrl, accessKey);
	const run = async (parameters: IDataObject) =>
		(await runNode(node, { resource: 'recording', ...parameters }, { credential }))[0][0];
	const parent = target === 'call' ? fake.addCall(customerId) : fake.addConference(customerId);
	const targetParameters =
		target === 'call' ? { target, callId: parent.id } : { target, conferenceId: parent.id };

	const start = await run({ operation: 'start', ...targetParameters });
	fake.clock.advance(3_000);
	const stop = await run({ operation: 'stop', ...targetParameters });
	fake.clock.advance(3_000);
	const recordingId = String(start.json.id);
	const waitForEnd = await run({
		operation: 'waitForEnd',
		recordingId,
		waitOptions: { maxWaitSeconds: 30, pollIntervalSeconds: 1 },
	});
	const get = await run({ operation: 'get', recordingId });
	const getMany = await run({ operation: 'getMany', limit: 1 });
	const download = await run({
		operation: 'download',
		recordingId,
		downloadOptions: { maxWaitSeconds: 30 },
	});
	const transcribe = await run({
		operation: 'transcribe',
		recordingId,
		transcribeOptions: { pollIntervalSeconds: 1, maxWaitSeconds: 60, maxWaitForFilesSeconds: 30 },
	});
	const getTranscript = await run({ operation: 'getTranscript', recordingId });
	const del = await run({ operation: 'delete', recordingId });
	return { start, stop, waitForEnd, get, getMany, download, transcribe, getTranscript, delete: del };
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { VoipbinRecordingTrigger } =
	require('../../nodes/VoipbinRecording/VoipbinRecordingTrigger.node.ts') as typeof import('../../nodes/VoipbinRecording/VoipbinRecordingTrigger.node');

/** A real item of the Recording Trigger ("Fetch Test Event", Event = Recording Ended). */
export async function triggerOutput(fake: FakeVoipbin): Promise<INodeExecutionData> {
	const { customerId, accessKey } = fake.createAccount();
	fake.seedRecordings(customerId, 1, { status: 'ended' });
	const harness = new PollHarness(
		new VoipbinRecordingTrigger(),
		{ event: 'recordingEnded' },
		accessKeyCredential(fake.baseUrl, accessKey),
	);
	return (await harness.poll({ mode: 'manual' }))![0][0];
}
