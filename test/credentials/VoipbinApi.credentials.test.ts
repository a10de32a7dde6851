/**
 * The credential: how it authenticates, how it logs in, and its test request run the way n8n's
 * credentials tester runs it (n8n-core's RoutingNode on a stand-in node), against the fake.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import type {
	ICredentialsDecrypted,
	IDataObject,
	INodeExecutionData,
	INodeType,
} from 'n8n-workflow';

import { VoipbinApi } from '../../credentials/VoipbinApi.credentials';
import { voipbinServerRoot } from '../../credentials/voipbinServerRoot';
import { startFakeVoipbin } from '../fake-voipbin';
import type { FakeVoipbin } from '../fake-voipbin';
import { accessKeyCredential, executeContext, passwordCredential } from '../helpers/n8n';
import type { StoredCredential } from '../helpers/n8n';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { RoutingNode } = require('n8n-core') as typeof import('n8n-core');
// The function n8n's tester uses for `responseSuccessBody` rules.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const lodashGet = require('lodash/get') as (object: unknown, path: string) => unknown;

const credentialType = new VoipbinApi();
let fake: FakeVoipbin;

beforeAll(async () => {
	fake = await startFakeVoipbin();
});
afterAll(async () => await fake.close());

describe('voipbinServerRoot', () => {
	it.each([
		['https://api.voipbin.net', 'https://api.voipbin.net'],
		['https://api.voipbin.net/', 'https://api.voipbin.net'],
		['https://api.voipbin.net/v1.0', 'https://api.voipbin.net'],
		[' http://127.0.0.1:8080/v1.0/ ', 'http://127.0.0.1:8080'],
	])('%p → %p', (input, root) => {
		expect(voipbinServerRoot(input)).toBe(root);
	});

	it.each(['', 'api.voipbin.net', 'ftp://x', undefined])('rejects %p clearly', (input) => {
		expect(() => voipbinServerRoot(input)).toThrow(/is not a web address/);
	});

	it.each(['http://api.voipbin.net', 'http://10.0.0.5:8080', 'http://0.0.0.0:80', 'HTTP://x.test'])(
		'refuses the unencrypted %p unless allowed',
		(input) => {
			expect(() => voipbinServerRoot(input)).toThrow(/unencrypted http:\/\//);
			expect(voipbinServerRoot(input, true)).toBe(input);
		},
	);

	it.each(['http://localhost:5678', 'http://127.0.0.1', 'http://127.1.2.3:9', 'http://[::1]:80'])(
		'accepts the loopback %p over http',
		(input) => {
			expect(voipbinServerRoot(input)).toBe(input);
		},
	);
});

describe('authenticate', () => {
	it('puts the access key in the query string only', async () => {
		const options = await credentialType.authenticate(
			{ baseUrl: 'https://api.voipbin.net', authentication: 'accessKey', accessKey: 'k1' },
			{ url: '/x', qs: { page_size: 1 }, headers: { a: 'b' } },
		);
		expect(options.qs).toEqual({ page_size: 1, accesskey: 'k1' });
		expect(options.headers).toEqual({ a: 'b' });
	});

	it('sends the login token as a bearer header only', async () => {
		const options = await credentialType.authenticate(
			{ baseUrl: 'https://api.voipbin.net', authentication: 'usernamePassword', token: 't1' },
			{ url: '/x', qs: { page_size: 1 } },
		);
		expect(options.headers).toEqual({ Authorization: 'Bearer t1' });
		expect(options.qs).toEqual({ page_size: 1 });
	});

	it('attaches nothing to a request for an unencrypted base URL of another machine', async () => {
		const credentials = {
			baseUrl: 'http://api.voipbin.net',
			authentication: 'accessKey',
			accessKey: 'k1',
		};
		await expect(credentialType.authenticate(credentials, { url: '/x' })).rejects.toThrow(
			/unencrypted http:\/\//,
		);
		const allowed = await credentialType.authenticate(
			{ ...credentials, allowUnencryptedHttp: true },
			{ url: '/x' },
		);
		expect(allowed.qs).toEqual({ accesskey: 'k1' });
	});
});

/**
 * Runs the credential's `test` request as n8n 2.40.7's CredentialsTester does and returns the
 * message the user would see: on a failed request, a `responseCode` rule's message for a matching
 * status, else n8n's generic one; on a successful one, a `responseSuccessBody` rule's message when
 * the value at its `key` in the first output item equals its `value` (lodash `get`, `===`).
 */
async function testCredential(credential: StoredCredential): Promise<string> {
	const stand_in: INodeType = {
		description: {
			displayName: 'Temp',
			name: 'temp',
			group: [],
			version: 1,
			description: '',
			defaults: {},
			inputs: [],
			outputs: [],
			credentials: [{ name: 'voipbinApi', required: true }],
			properties: [
				{
					displayName: 'Temp',
					name: 'temp',
					type: 'string',
					routing: { request: credentialType.test.request },
					default: '',
				},
			],
		},
	};
	const ctx = executeContext(stand_in, {}, { credential });
	const decrypted = { id: 'cred-1', name: 'c', type: 'voipbinApi', data: credential.data };
	let response: INodeExecutionData[][] | undefined;
	try {
		response = await new RoutingNode(
			ctx as never,
			stand_in,
			decrypted as ICredentialsDecrypted,
		).runNode();
	} catch (error) {
		const status = (error as { cause?: { response?: { status?: number } } }).cause?.response
			?.status;
		const rule = credentialType.test.rules?.find(
			(r) => r.type === 'responseCode' && (r.properties as IDataObject).value === status,
		);
		if (rule) return String((rule.properties as IDataObject).message);
		return (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
	}
	for (const rule of credentialType.test.rules ?? []) {
		if (rule.type !== 'responseSuccessBody') continue;
		const { key, value, message } = rule.properties as {
			key: string;
			value: unknown;
			message: string;
		};
		if (lodashGet(response![0][0].json, key) === value) return message;
	}
	return 'Connection successful!';
}

describe('the credential test', () => {
	it('passes with a good access key, calling GET /v1.0/recordings?page_size=1', async () => {
		const { accessKey, customerId } = fake.createAccount();
		fake.seedRecordings(customerId, 2, { status: 'ended' });
		fake.resetRequests();
		expect(await testCredential(accessKeyCredential(fake.baseUrl, accessKey))).toBe(
			'Connection successful!',
		);
		expect(fake.requests[0]).toMatchObject({
			method: 'GET',
			path: '/v1.0/recordings',
			query: { page_size: '1', accesskey: '***' },
		});
	});

	it('passes with username and password, logging in first', async () => {
		fake.createAccount({ username: 'cred-user', password: 'cred-pass' });
		const credential = passwordCredential(`${fake.baseUrl}/v1.0/`, 'cred-user', 'cred-pass');
		expect(await testCredential(credential)).toBe('Connection successful!');
		expect(credential.logins).toBe(1);
	});

	it('says the key is wrong', async () => {
		expect(await testCredential(accessKeyCredential(fake.baseUrl, 'not-a-key'))).toMatch(
			/access key \(or username and password\) is wrong/,
		);
	});

	it('says the user lacks permission', async () => {
		const { accessKey } = fake.createAccount({ permission: 'none' });
		expect(await testCredential(accessKeyCredential(fake.baseUrl, accessKey))).toMatch(
			/lacks permission to read recordings/,
		);
	});

	it('says there is no VoIPBIN API at the URL', async () => {
		expect(await testCredential(accessKeyCredential(`${fake.baseUrl}/nothing`, 'k'))).toMatch(
			/No VoIPBIN API answers at this base URL \(404\)/,
		);
	});

	it('passes on an account with no recordings (an empty list is still the list)', async () => {
		const { accessKey } = fake.createAccount();
		expect(await testCredential(accessKeyCredential(fake.baseUrl, accessKey))).toBe(
			'Connection successful!',
		);
	});

	describe('fails against a server that answers 200 but is not VoIPBIN', () => {
		const answers: Array<[string, string, string]> = [
			['an HTML page (n8n itself)', 'text/html', '<!DOCTYPE html><html><body>n8n</body></html>'],
			['other JSON', 'application/json', '{"data":[{"id":1}],"nextCursor":null}'],
			['a JSON list', 'application/json', '[{"id":"x"}]'],
			['plain text', 'text/plain', 'OK'],
		];
		let other: ReturnType<typeof createServer>;
		let body = answers[0];
		let otherUrl = '';
		const paths: string[] = [];
		beforeAll(async () => {
			other = createServer((req, res) => {
				paths.push(req.url ?? '');
				res.writeHead(200, { 'content-type': body[1] }).end(body[2]);
			});
			await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
			otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}`;
		});
		afterAll(async () => await new Promise((resolve) => other.close(resolve)));

		it.each(answers)('%s, with any key', async (...answer) => {
			body = answer;
			paths.length = 0;
			expect(await testCredential(accessKeyCredential(otherUrl, 'any-key'))).toMatch(
				/^No VoIPBIN API answers at this base URL: the server answered, but not with VoIPBIN's recording list/,
			);
			expect(paths).toEqual(['/v1.0/recordings?page_size=1&accesskey=any-key']);
		});
	});

	it('says the server is unreachable', async () => {
		expect(await testCredential(accessKeyCredential('http://127.0.0.1:1', 'k'))).toMatch(
			/ECONNREFUSED/,
		);
	});

	it('refuses an http:// base URL of another machine before sending the key', async () => {
		const { accessKey } = fake.createAccount();
		fake.resetRequests();
		const overNetwork = fake.baseUrl.replace('127.0.0.1', '0.0.0.0');
		expect(await testCredential(accessKeyCredential(overNetwork, accessKey))).toMatch(
			/unencrypted http:\/\//,
		);
		expect(fake.requests).toHaveLength(0);
	});

	it('says the username or password is wrong', async () => {
		expect(await testCredential(passwordCredential(fake.baseUrl, 'cred-user', 'wrong'))).toMatch(
			/wrong username or password/,
		);
	});
});
