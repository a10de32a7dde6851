import { startFakeVoipbin } from './index';
import { setup, specErrors, START, type Setup } from './testing';

describe('fake VoIPBIN API', () => {
	let s: Setup;
	beforeEach(async () => {
		s = await setup();
	});
	afterEach(() => s.fake.close());

	async function errorOf(response: Response) {
		const body = (await response.json()) as { error: Record<string, string> };
		expect(specErrors('ErrorResponse', body)).toBe('');
		expect(body.error.request_id).toBe(response.headers.get('x-request-id'));
		return body.error;
	}

	it('answers recordings, calls and conferences in the spec shapes', async () => {
		const [seeded] = s.fake.seedRecordings(s.account.customerId, 1);
		const one = (await (await s.get(`/v1.0/recordings/${seeded.id}`)).json()) as Record<
			string,
			unknown
		>;
		expect(specErrors('CallManagerRecording', one)).toBe('');
		expect(one).toMatchObject({
			id: seeded.id,
			reference_type: 'call',
			status: 'ended',
			format: 'wav',
		});
		expect(one).not.toHaveProperty('tm_delete');
		// The validator itself must be able to fail.
		expect(specErrors('CallManagerRecording', { ...one, status: 'done', tm_end: 'soon' })).not.toBe(
			'',
		);

		const call = s.fake.addCall(s.account.customerId);
		const started = await s.post(`/v1.0/calls/${call.id}/recording_start`, {
			format: 'wav',
			end_of_silence: 0,
			end_of_key: '',
			duration: 0,
			on_end_flow_id: '',
		});
		const callJson = (await started.json()) as Record<string, unknown>;
		expect(specErrors('CallManagerCall', callJson)).toBe('');
		expect(callJson.recording_ids).toEqual([callJson.recording_id]);

		const conference = s.fake.addConference(s.account.customerId);
		const conf = await s.post(`/v1.0/conferences/${conference.id}/recording_start`, {
			format: 'wav',
			duration: 0,
			on_end_flow_id: '',
		});
		const confJson = (await conf.json()) as Record<string, string>;
		expect(specErrors('ConferenceManagerConference', confJson)).toBe('');
		const recording = (await (
			await s.get(`/v1.0/recordings/${confJson.recording_id}`)
		).json()) as Record<string, string>;
		expect(recording).toMatchObject({
			reference_type: 'confbridge',
			reference_id: conference.confbridgeId,
			status: 'initiating',
		});
		expect(specErrors('CallManagerRecording', recording)).toBe('');
	});

	it('writes times as Go does and leaves out the ones that have not happened', async () => {
		const a = s.fake.createRecording(s.account.customerId, {
			status: 'recording',
			tmCreate: START * 1000 + 123_400,
		});
		const json = a.json();
		expect(json.tm_create).toBe('2026-01-15T09:30:00.1234Z');
		expect(json.tm_start).toBe('2026-01-15T09:30:01.1234Z');
		expect(json).not.toHaveProperty('tm_end');
		const b = s.fake.createRecording(s.account.customerId, { tmCreate: START * 1000 });
		expect(b.json().tm_create).toBe('2026-01-15T09:30:00Z');
	});

	it('can answer a record in the seed page shape', async () => {
		const legacy = s.fake.createRecording(s.account.customerId, {
			legacy: true,
			referenceType: 'confbridge',
			status: 'recording',
			tmCreate: START * 1000,
		});
		const body = (await (await s.get(`/v1.0/recordings/${legacy.id}`)).json()) as Record<
			string,
			string
		>;
		expect(body).toEqual({
			id: legacy.id,
			type: 'conference',
			reference_id: legacy.referenceId,
			status: 'recording',
			format: 'wav',
			tm_start: '2026-01-15 09:30:01.000000',
			tm_end: '9999-01-01 00:00:00.000000',
			tm_create: '2026-01-15 09:30:00.000000',
			tm_update: '2026-01-15 09:30:01.000000',
			tm_delete: '9999-01-01 00:00:00.000000',
		});
		const empty = s.fake.createRecording(s.account.customerId, {
			legacy: true,
			legacyUnset: 'empty',
		});
		expect(empty.json().tm_delete).toBe('');
	});

	it('logs in with username and password and accepts the token for 7 days', async () => {
		const login = await fetch(`${s.fake.baseUrl}/auth/login`, {
			method: 'POST',
			body: JSON.stringify({ username: s.account.username, password: s.account.password }),
		});
		expect(login.status).toBe(200);
		const { username, token } = (await login.json()) as { username: string; token: string };
		expect(username).toBe(s.account.username);
		const list = (headers: Record<string, string>, query = '') =>
			fetch(`${s.fake.baseUrl}/v1.0/recordings?page_size=1${query}`, { headers });
		expect((await list({ authorization: `Bearer ${token}` })).status).toBe(200);
		expect((await list({}, `&token=${token}`)).status).toBe(200);
		expect((await list({ cookie: `token=${token}` })).status).toBe(200);
		expect((await list({ cookie: `accesskey=${s.account.accessKey}` })).status).toBe(200);
		expect(JSON.stringify(s.fake.requests)).not.toContain(token);
		expect(JSON.stringify(s.fake.requests)).not.toContain(s.account.accessKey);
		s.fake.clock.advance(7 * 24 * 3600 * 1000);
		const expired = await list({ authorization: `Bearer ${token}` });
		expect(expired.status).toBe(401);
		expect((await errorOf(expired)).reason).toBe('INVALID_CREDENTIALS');
	});

	it('answers a failed login with a bare 400', async () => {
		for (const body of [
			JSON.stringify({ username: s.account.username, password: 'wrong' }),
			'not json',
			'',
		]) {
			const response = await fetch(`${s.fake.baseUrl}/auth/login`, { method: 'POST', body });
			expect(response.status).toBe(400);
			expect(await response.text()).toBe('');
			expect(response.headers.get('x-request-id')).toMatch(/^req_[0-9A-Z]{26}$/);
		}
	});

	it('tells a missing credential from a wrong one', async () => {
		const url = `${s.fake.baseUrl}/v1.0/recordings`;
		const none = await fetch(url);
		expect(none.status).toBe(401);
		expect(await errorOf(none)).toMatchObject({
			status: 'UNAUTHENTICATED',
			reason: 'AUTHENTICATION_REQUIRED',
		});
		// The access key is read from the query only: in a Bearer header it is a wrong token.
		const keyAsBearer = await fetch(url, {
			headers: { authorization: `Bearer ${s.account.accessKey}` },
		});
		expect(keyAsBearer.status).toBe(401);
		expect((await errorOf(keyAsBearer)).reason).toBe('INVALID_CREDENTIALS');
		const wrongKey = await fetch(`${url}?accesskey=nope`);
		expect((await errorOf(wrongKey)).reason).toBe('INVALID_CREDENTIALS');
		expect(JSON.stringify(s.fake.requests)).not.toContain(s.account.accessKey);
	});

	it('refuses accounts without a recording permission and other customers', async () => {
		const viewer = s.fake.createAccount({ permission: 'none' });
		const denied = await fetch(`${s.fake.baseUrl}/v1.0/recordings?accesskey=${viewer.accessKey}`);
		expect(denied.status).toBe(403);
		expect((await errorOf(denied)).reason).toBe('PERMISSION_DENIED');

		const other = s.fake.createAccount({ permission: 'CustomerManager' });
		const [theirs] = s.fake.seedRecordings(other.customerId, 1);
		const response = await s.get(`/v1.0/recordings/${theirs.id}`);
		expect(response.status).toBe(403);
		expect((await errorOf(response)).reason).toBe('PERMISSION_DENIED');
		const own = await fetch(
			`${s.fake.baseUrl}/v1.0/recordings/${theirs.id}?accesskey=${other.accessKey}`,
		);
		expect(own.status).toBe(200);
	});

	it('answers unknown, malformed and deleted ids as the real server does', async () => {
		const bad = await s.get('/v1.0/recordings/not-a-uuid');
		expect(bad.status).toBe(400);
		expect(await errorOf(bad)).toMatchObject({ status: 'INVALID_ARGUMENT', reason: 'INVALID_ID' });
		const unknown = await s.get('/v1.0/recordings/0b0c8f0e-2b0c-4c47-9a4b-2f1d6f3f9a11');
		expect(unknown.status).toBe(404);
		expect(await errorOf(unknown)).toMatchObject({
			status: 'NOT_FOUND',
			reason: 'RECORDING_NOT_FOUND',
		});

		const [recording] = s.fake.seedRecordings(s.account.customerId, 1);
		const deleted = await s.get(`/v1.0/recordings/${recording.id}`, { method: 'DELETE' });
		expect(deleted.status).toBe(200);
		const body = (await deleted.json()) as Record<string, string>;
		expect(body.tm_delete).toBe('2026-01-15T09:30:00Z');
		expect(specErrors('CallManagerRecording', body)).toBe('');
		for (const method of ['GET', 'DELETE']) {
			const again = await s.get(`/v1.0/recordings/${recording.id}`, { method });
			expect(again.status).toBe(404);
			expect((await errorOf(again)).reason).toBe('RESOURCE_NOT_FOUND');
		}
		const files = await s.get(`/v1.0/recordingfiles/${recording.id}`);
		expect((await errorOf(files)).reason).toBe('RESOURCE_NOT_FOUND');
	});

	it('puts X-Request-Id on every response and answers unknown routes', async () => {
		const response = await s.get('/v1.0/recordingz');
		expect(response.status).toBe(404);
		expect(response.headers.get('x-request-id')).toMatch(/^req_[0-9A-Z]{26}$/);
		expect(await errorOf(response)).toMatchObject({ reason: 'ROUTE_NOT_FOUND' });
		const ok = await s.get('/v1.0/recordings');
		expect(ok.headers.get('x-request-id')).toMatch(/^req_[0-9A-Z]{26}$/);
		expect(ok.headers.get('x-request-id')).not.toBe(response.headers.get('x-request-id'));
	});

	it('checks recording_start and recording_stop', async () => {
		const call = s.fake.addCall(s.account.customerId);
		const start = (body: unknown) => s.post(`/v1.0/calls/${call.id}/recording_start`, body);
		const badFormat = await start({ format: 'mp3' });
		expect(badFormat.status).toBe(400);
		expect((await errorOf(badFormat)).status).toBe('INVALID_ARGUMENT');
		const badJson = await s.get(`/v1.0/calls/${call.id}/recording_start`, {
			method: 'POST',
			body: '{',
		});
		expect((await errorOf(badJson)).reason).toBe('INVALID_JSON_BODY');
		// The real server has no 409 for these: both are plain 500s.
		const stopFirst = await s.post(`/v1.0/calls/${call.id}/recording_stop`);
		expect(stopFirst.status).toBe(500);
		expect(await errorOf(stopFirst)).toMatchObject({ status: 'INTERNAL' });
		expect((await start({ format: 'wav' })).status).toBe(200);
		const twice = await start({ format: 'wav' });
		expect(twice.status).toBe(500);
		expect((await errorOf(twice)).status).toBe('INTERNAL');
		const unknown = await s.post(
			'/v1.0/calls/0b0c8f0e-2b0c-4c47-9a4b-2f1d6f3f9a11/recording_start',
			{
				format: 'wav',
			},
		);
		expect((await errorOf(unknown)).reason).toBe('CALL_NOT_FOUND');
		const gone = s.fake.addCall(s.account.customerId, { status: 'hangup' });
		const failed = await s.post(`/v1.0/calls/${gone.id}/recording_start`, { format: 'wav' });
		expect(failed.status).toBe(500);
	});

	it('counts the bytes posted to the speech-to-text stub without auth', async () => {
		const response = await fetch(`${s.fake.baseUrl}/stub/transcribe`, {
			method: 'POST',
			body: Buffer.alloc(12345),
		});
		expect(await response.json()).toEqual({ text: '12345 bytes of audio received', bytes: 12345 });
	});

	it('binds loopback only', async () => {
		await expect(startFakeVoipbin({ host: '0.0.0.0' })).rejects.toThrow(/loopback/);
	});
});
