/**
 * The transport through n8n's real HTTP helpers and ExecuteContext, against the fake VoIPBIN.
 * The `get` operation is the thinnest caller of voipbinApiRequest, so it drives these tests.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { VoipbinRecording } from '../../../../nodes/VoipbinRecording/VoipbinRecording.node';
import { RETRY } from '../../../../nodes/VoipbinRecording/transport/request';
import { startFakeVoipbin } from '../../../fake-voipbin';
import type { FakeAccount, FakeVoipbin } from '../../../fake-voipbin';
import { accessKeyCredential, passwordCredential, runNode } from '../../../helpers/n8n';

const node = new VoipbinRecording();
let fake: FakeVoipbin;
let account: FakeAccount;
let recordingId: string;

beforeAll(async () => {
	fake = await startFakeVoipbin();
	account = fake.createAccount({
		accessKey: 'key-0123456789',
		username: 'ana',
		password: 'pw-secret-1',
	});
	recordingId = fake.createRecording(account.customerId).id;
});
afterAll(async () => await fake.close());
beforeEach(() => {
	fake.faults.reset();
	fake.resetRequests();
});

const getRecording = async (credential = accessKeyCredential(fake.baseUrl, account.accessKey)) =>
	await runNode(node, { operation: 'get', recordingId }, { credential });

describe('authentication', () => {
	it('sends the access key as the accesskey query parameter and nowhere else', async () => {
		const [[item]] = await getRecording();
		expect(item.json.id).toBe(recordingId);
		const [request] = fake.requests;
		expect(request.query.accesskey).toBe('***');
		expect(request.headers.authorization).toBeUndefined();
	});

	it('logs in with username and password once, then reuses the token', async () => {
		const credential = passwordCredential(fake.baseUrl, 'ana', 'pw-secret-1');
		await getRecording(credential);
		await getRecording(credential);
		expect(credential.logins).toBe(1);
		expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
			'POST /auth/login',
			`GET /v1.0/recordings/${recordingId}`,
			`GET /v1.0/recordings/${recordingId}`,
		]);
		expect(fake.requests[1].headers.authorization).toBe('Bearer ***');
		expect(fake.requests[1].query.accesskey).toBeUndefined();
	});

	it('renews an expired token once, on the 401', async () => {
		const credential = passwordCredential(fake.baseUrl, 'ana', 'pw-secret-1');
		await getRecording(credential);
		fake.clock.advance(8 * 24 * 3600 * 1000); // tokens live 7 days
		const [[item]] = await getRecording(credential);
		expect(item.json.id).toBe(recordingId);
		expect(credential.logins).toBe(2);
	});

	it('says "wrong username or password" for a failed login', async () => {
		await expect(getRecording(passwordCredential(fake.baseUrl, 'ana', 'nope'))).rejects.toThrow(
			/wrong username or password/,
		);
	});

	it.each([
		[
			'a wrong key',
			() => accessKeyCredential(fake.baseUrl, 'wrong-key-999'),
			/rejected the credentials/,
		],
		[
			'a key without permission',
			() => accessKeyCredential(fake.baseUrl, fake.createAccount({ permission: 'none' }).accessKey),
			/Permission denied/,
		],
		[
			'an unreachable server',
			() => accessKeyCredential('http://127.0.0.1:1', 'k'),
			/Could not reach/,
		],
	])('explains %s', async (_, credential, message) => {
		await expect(getRecording(credential())).rejects.toThrow(message);
	});
});

describe('retries', () => {
	it('waits for Retry-After on 429 and then succeeds', async () => {
		fake.faults.set({ status429: { count: 2, retryAfterSeconds: 1 } });
		const started = Date.now();
		const [[item]] = await getRecording();
		expect(item.json.id).toBe(recordingId);
		expect(fake.requests).toHaveLength(3);
		expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
	});

	it.each([502, 503, 504] as const)('retries a GET after %i', async (status) => {
		fake.faults.set({ status5xx: { count: 2, status } });
		const [[item]] = await getRecording();
		expect(item.json.id).toBe(recordingId);
		expect(fake.requests).toHaveLength(3);
	});

	it('retries a GET after a connection reset', async () => {
		fake.faults.set({ reset: { count: 1 } });
		const [[item]] = await getRecording();
		expect(item.json.id).toBe(recordingId);
	});

	it('retries a GET whose 200 response was cut off mid-body, like a reset', async () => {
		fake.faults.set({ truncateApi: { count: 1 } });
		const [[item]] = await getRecording();
		expect(item.json.id).toBe(recordingId);
		expect(fake.requests.map((r) => r.note)).toEqual(['FAULT_TRUNCATED', undefined]);
	});

	it('retries a list page cut off mid-body', async () => {
		fake.faults.set({ truncateApi: { count: 1 } });
		const [items] = await runNode(
			node,
			{ operation: 'getMany', returnAll: true },
			{ credential: accessKeyCredential(fake.baseUrl, account.accessKey) },
		);
		expect(items.map((i) => i.json.id)).toContain(recordingId);
		expect(fake.requests.map((r) => r.note)).toEqual(['FAULT_TRUNCATED', undefined]);
	});

	it('says the connection closed mid-response when every attempt is cut off', async () => {
		const { baseDelayMs } = RETRY;
		RETRY.baseDelayMs = 1;
		try {
			fake.faults.set({ truncateApi: { count: 100 } });
			const error = await getRecording().then(
				() => undefined,
				(e: unknown) => e as Error & { description?: string },
			);
			expect(error?.message).toMatch(/connection closed mid-response/i);
			expect(error?.message).not.toMatch(/failed \(200\)/);
			expect(fake.requests).toHaveLength(RETRY.maxAttempts);
		} finally {
			RETRY.baseDelayMs = baseDelayMs;
		}
	});

	it('does not retry a 500, which waiting does not fix', async () => {
		fake.faults.set({ status5xx: { count: 1, status: 500 } });
		await expect(getRecording()).rejects.toThrow(/server error \(500\)/);
		expect(fake.requests).toHaveLength(1);
	});

	it('does not repeat a POST after a 503: it may have been done', async () => {
		const call = fake.addCall(account.customerId);
		fake.faults.set({ status5xx: { count: 1, status: 503 } });
		await expect(
			runNode(
				node,
				{ operation: 'start', target: 'call', callId: call.id },
				{ credential: accessKeyCredential(fake.baseUrl, account.accessKey) },
			),
		).rejects.toThrow(/server error \(503\)/);
		expect(fake.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
	});

	it('gives up after a bounded number of attempts', async () => {
		fake.faults.set({ status429: { count: 100, retryAfterSeconds: 0 } });
		await expect(getRecording()).rejects.toThrow(/rate limit/);
		expect(fake.requests).toHaveLength(6);
	});

	it('does not wait longer than Retry-After allows within its budget', async () => {
		fake.faults.set({ status429: { count: 1, retryAfterSeconds: 120 } });
		await expect(getRecording()).rejects.toThrow(/rate limit/);
		expect(fake.requests).toHaveLength(1);
	});
});

describe('the access key never leaks', () => {
	const key = 'key-0123456789';
	// Backoff timing is tested above; here only the errors matter.
	const { baseDelayMs } = RETRY;
	beforeAll(() => (RETRY.baseDelayMs = 1));
	afterAll(() => (RETRY.baseDelayMs = baseDelayMs));
	const serialise = (error: unknown) => {
		const e = error as Record<string, unknown> & Error;
		return JSON.stringify({
			...e,
			message: e.message,
			stack: e.stack,
			description: e.description,
			cause: e.cause,
		});
	};

	// A valid UUID the fake does not know: the request reaches the server and gets its 404.
	const unknownId = 'e5f6a7b8-c9d0-1234-5678-90abcdef0404';

	it.each([
		['401', () => fake.faults.set({}), 401, /rejected the credentials/],
		['404', () => fake.faults.set({}), 404, /was not found/],
		[
			'429 exhausted',
			() => fake.faults.set({ status429: { count: 100, retryAfterSeconds: 120 } }),
			429,
			/rate limit/,
		],
		['500', () => fake.faults.set({ status5xx: { count: 1, status: 500 } }), 500, /server error/],
		['reset', () => fake.faults.set({ reset: { count: 100 } }), 0, /Could not reach/],
	])(
		'in a %s error',
		async (name, arrange, status, message) => {
			arrange();
			const credential =
				name === '401'
					? accessKeyCredential(fake.baseUrl, `${key}-wrong`)
					: accessKeyCredential(fake.baseUrl, key);
			const id = name === '404' ? unknownId : recordingId;
			const error = await runNode(node, { operation: 'get', recordingId: id }, { credential }).then(
				() => undefined,
				(e: unknown) => e,
			);
			expect((error as Error).message).toMatch(message);
			// The server was asked and gave the failure named: the error under test is its answer.
			expect(fake.requests.at(-1)).toMatchObject({ path: `/v1.0/recordings/${id}`, status });
			expect(serialise(error)).not.toContain(key);
			expect(serialise(error)).not.toMatch(/accesskey=[^*]/);
		},
		30_000,
	);

	it('in an error item under continue-on-fail', async () => {
		fake.faults.set({ status5xx: { count: 1, status: 500 } });
		const [[item]] = await runNode(
			node,
			{ operation: 'get', recordingId },
			{ credential: accessKeyCredential(fake.baseUrl, key), continueOnFail: true },
		);
		expect(JSON.stringify(item)).not.toContain(key);
		expect(item.json.error).toMatch(/server error/);
	});
});

describe('credentials on redirects and over plain HTTP', () => {
	let redirector: Server;
	let redirectorUrl: string;
	let status = 302;
	// Another origin (a host name, not the IP) serving the same fake: where a redirect would lead.
	const elsewhere = () => fake.baseUrl.replace('127.0.0.1', 'localhost');

	beforeAll(async () => {
		// Sends every request on to the other origin, query string (and so any key) included,
		// as a misconfigured proxy or a hostile server would.
		redirector = createServer((req, res) => {
			res.writeHead(status, { location: `${elsewhere()}${req.url}` });
			res.end();
		});
		await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
		redirectorUrl = `http://127.0.0.1:${(redirector.address() as AddressInfo).port}`;
	});
	afterAll(async () => await new Promise((resolve) => redirector.close(resolve)));

	it.each([302, 307])(
		'does not follow a %i with the access key to another origin, and says where it pointed',
		async (code) => {
			status = code;
			const credential = accessKeyCredential(redirectorUrl, account.accessKey);
			const run = runNode(node, { operation: 'get', recordingId }, { credential });
			await expect(run).rejects.toThrow(`VoIPBIN redirected the request to ${elsewhere()}`);
			await expect(run).rejects.toMatchObject({
				description: expect.stringMatching(/credential is never sent to another address/),
			});
			expect(fake.requests).toHaveLength(0);
		},
	);

	it('does not follow a 307 of the login with the password', async () => {
		status = 307;
		const credential = passwordCredential(redirectorUrl, 'ana', 'pw-secret-1');
		await expect(runNode(node, { operation: 'get', recordingId }, { credential })).rejects.toThrow(
			/login/,
		);
		expect(fake.requests).toHaveLength(0);
	});

	// 0.0.0.0 reaches this machine's listeners but is not a loopback name: it stands for any
	// server across a network.
	const overNetwork = () => fake.baseUrl.replace('127.0.0.1', '0.0.0.0');

	it('refuses an http:// base URL of another machine before sending anything', async () => {
		const run = runNode(
			node,
			{ operation: 'get', recordingId },
			{ credential: accessKeyCredential(overNetwork(), account.accessKey) },
		);
		await expect(run).rejects.toThrow(/uses unencrypted http:\/\/ .*Allow Unencrypted HTTP/);
		expect(fake.requests).toHaveLength(0);
	});

	it('uses an http:// base URL of another machine when the credential allows it', async () => {
		const credential = accessKeyCredential(overNetwork(), account.accessKey);
		credential.data.allowUnencryptedHttp = true;
		const [[item]] = await runNode(node, { operation: 'get', recordingId }, { credential });
		expect(item.json.id).toBe(recordingId);
	});
});
