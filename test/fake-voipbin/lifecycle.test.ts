import { download, setup, zipOf, type Setup } from './testing';

describe('fake VoIPBIN recording lifecycle', () => {
	let s: Setup;
	beforeEach(async () => {
		s = await setup({ filesDelayMs: 2000 });
	});
	afterEach(() => s.fake.close());

	async function recording(id: string): Promise<Record<string, string>> {
		return (await (await s.get(`/v1.0/recordings/${id}`)).json()) as Record<string, string>;
	}

	async function startCall(duration = 0): Promise<{ callId: string; recordingId: string }> {
		const call = s.fake.addCall(s.account.customerId);
		const response = await s.post(`/v1.0/calls/${call.id}/recording_start`, {
			format: 'wav',
			duration,
		});
		const body = (await response.json()) as { recording_id: string };
		return { callId: call.id, recordingId: body.recording_id };
	}

	it('goes initiating → recording → stopping → ended on the clock, stopped by recording_stop', async () => {
		const { callId, recordingId } = await startCall();
		expect(await recording(recordingId)).toMatchObject({ status: 'initiating' });
		expect(await recording(recordingId)).not.toHaveProperty('tm_start');
		s.fake.clock.advance(1000);
		expect(await recording(recordingId)).toMatchObject({
			status: 'recording',
			tm_start: '2026-01-15T09:30:01Z',
		});
		s.fake.clock.advance(9000);
		const stop = await s.post(`/v1.0/calls/${callId}/recording_stop`);
		expect(stop.status).toBe(200);
		// Like the real server: recording_id is reset at once, the stopped one is the last listed.
		const stopped = (await stop.json()) as { recording_id: string; recording_ids: string[] };
		expect(stopped.recording_id).toBe('00000000-0000-0000-0000-000000000000');
		expect(stopped.recording_ids).toEqual([recordingId]);
		expect(await recording(recordingId)).toMatchObject({ status: 'stopping' });
		expect((await s.post(`/v1.0/calls/${callId}/recording_stop`)).status).toBe(500);
		s.fake.clock.advance(999);
		expect((await recording(recordingId)).status).toBe('stopping');
		s.fake.clock.advance(1);
		const ended = await recording(recordingId);
		expect(ended).toMatchObject({ status: 'ended', tm_end: '2026-01-15T09:30:11Z' });
		expect(ended.tm_update).toBe(ended.tm_end);
		// Once ended, the call can record again.
		const again = await s.post(`/v1.0/calls/${callId}/recording_start`, { format: 'wav' });
		expect(((await again.json()) as { recording_ids: string[] }).recording_ids).toHaveLength(2);
	});

	it('ends by itself when the duration passes', async () => {
		const { recordingId } = await startCall(30);
		s.fake.clock.advance(1000 + 30_000);
		expect((await recording(recordingId)).status).toBe('stopping');
		s.fake.clock.advance(1000);
		expect(await recording(recordingId)).toMatchObject({
			status: 'ended',
			tm_start: '2026-01-15T09:30:01Z',
			tm_end: '2026-01-15T09:30:32Z',
		});
	});

	it('moves on the real clock without anyone polling', async () => {
		const real = await setup({ clock: 'real' });
		try {
			const call = real.fake.addCall(real.account.customerId);
			const start = await real.post(`/v1.0/calls/${call.id}/recording_start`, {
				format: 'wav',
				duration: 1,
			});
			const { recording_id: id } = (await start.json()) as { recording_id: string };
			real.fake.clock.advance(3500);
			const body = (await (await real.get(`/v1.0/recordings/${id}`)).json()) as Record<
				string,
				string
			>;
			expect(body.status).toBe('ended');
			expect(body.tm_create).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/);
		} finally {
			await real.fake.close();
		}
	});

	it('serves an empty ZIP until the files register, then `in`, then both', async () => {
		const { callId, recordingId } = await startCall();
		expect(await zipOf(s, recordingId)).toEqual([]);
		s.fake.clock.advance(5000);
		await s.post(`/v1.0/calls/${callId}/recording_stop`);
		s.fake.clock.advance(1000);
		expect((await recording(recordingId)).status).toBe('ended');
		const early = await download(s, recordingId);
		expect(early.headers.get('content-type')).toBe('application/octet-stream');
		const bytes = Buffer.from(await early.arrayBuffer());
		expect(bytes).toHaveLength(22);
		expect(bytes.readUInt32LE(0)).toBe(0x06054b50);
		s.fake.clock.advance(2000);
		const half = await zipOf(s, recordingId);
		expect(half.map((entry) => entry.name)).toEqual([expect.stringMatching(/_in\.wav$/)]);
		s.fake.clock.advance(500);
		const both = await zipOf(s, recordingId);
		// Newest first: `out` registered last, listed first.
		expect(both.map((entry) => entry.name)).toEqual([
			expect.stringMatching(new RegExp(`^call_${callId}_\\d{8}T\\d{6}Z_out\\.wav$`)),
			expect.stringMatching(new RegExp(`^call_${callId}_\\d{8}T\\d{6}Z_in\\.wav$`)),
		]);
		// tm_end − tm_start = 5 s of 8 kHz 16-bit mono.
		expect(both[0].data).toHaveLength(44 + 5 * 8000 * 2);
	});

	it('names a conference file after its confbridge, `_in.wav` only', async () => {
		const conference = s.fake.addConference(s.account.customerId);
		const response = await s.post(`/v1.0/conferences/${conference.id}/recording_start`, {
			format: 'wav',
			duration: 3,
		});
		const { recording_id: id } = (await response.json()) as { recording_id: string };
		s.fake.clock.advance(10_000);
		const entries = await zipOf(s, id);
		expect(entries.map((entry) => entry.name)).toEqual([
			expect.stringMatching(new RegExp(`^confbridge_${conference.confbridgeId}_.*_in\\.wav$`)),
		]);
		expect((await s.post(`/v1.0/conferences/${conference.id}/recording_stop`)).status).toBe(500);
	});

	it('lets tests drive the status directly', async () => {
		const { recordingId } = await startCall();
		s.fake.setStatus(recordingId, 'recording');
		s.fake.clock.advance(60_000);
		expect((await recording(recordingId)).status).toBe('recording');
		s.fake.setStatus(recordingId, 'ended');
		expect(await zipOf(s, recordingId)).toEqual([]);
		s.fake.clock.advance(2500);
		expect(await zipOf(s, recordingId)).toHaveLength(2);
		const late = s.fake.createRecording(s.account.customerId, { filesReady: false });
		expect(await zipOf(s, late.id)).toEqual([]);
		const partial = s.fake.createRecording(s.account.customerId, { directions: ['out'] });
		expect((await zipOf(s, partial.id)).map((entry) => entry.name)).toEqual([
			expect.stringMatching(/_out\.wav$/),
		]);
	});
});
