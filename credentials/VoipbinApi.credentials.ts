import type {
	IAuthenticateRuleResponseCode,
	IAuthenticateRuleResponseSuccessBody,
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	IDataObject,
	IHttpRequestHelper,
	IHttpRequestOptions,
	INodeProperties,
	Icon,
} from 'n8n-workflow';

import { voipbinServerRoot } from './voipbinServerRoot';

export class VoipbinApi implements ICredentialType {
	name = 'voipbinApi';

	displayName = 'VoIPBIN API';

	icon: Icon = { light: 'file:voipbin.svg', dark: 'file:voipbin.dark.svg' };

	documentationUrl = 'https://api.voipbin.net/docs/quickstart_authentication.html';

	properties: INodeProperties[] = [
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: 'https://api.voipbin.net',
			placeholder: 'https://api.voipbin.net',
			description: 'Address of the VoIPBIN API server, without the /v1.0 part',
			hint: "Keep https://api.voipbin.net for VoIPBIN's cloud; for your own VoIPBIN server, its address",
		},
		{
			displayName: 'Allow Unencrypted HTTP',
			name: 'allowUnencryptedHttp',
			type: 'boolean',
			default: false,
			description:
				'Whether to allow an http:// Base URL for a server other than this machine. The access key, password and token then cross the network unencrypted: only for a trusted network.',
		},
		{
			displayName: 'Authentication',
			name: 'authentication',
			type: 'options',
			options: [
				{
					name: 'Access Key',
					value: 'accessKey',
					description: 'A key created in the VoIPBIN admin console (Access Keys)',
				},
				{
					name: 'Username and Password',
					value: 'usernamePassword',
					description: 'Log in as a VoIPBIN user; n8n keeps the 7-day token and renews it',
				},
			],
			default: 'accessKey',
			description: 'How n8n signs in to VoIPBIN',
		},
		// The lint's list of secret-looking names lacks "accessKey"; this field is the secret.
		// eslint-disable-next-line @n8n/community-nodes/credential-unnecessary-password
		{
			displayName: 'Access Key',
			name: 'accessKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'VoIPBIN access key; n8n sends it to the Base URL only',
			displayOptions: { show: { authentication: ['accessKey'] } },
			hint: 'The user behind the key needs the CustomerAdmin or CustomerManager permission',
		},
		{
			displayName: 'Username',
			name: 'username',
			type: 'string',
			default: '',
			required: true,
			description: 'VoIPBIN user name, as used to log in to the admin console',
			displayOptions: { show: { authentication: ['usernamePassword'] } },
		},
		{
			displayName: 'Password',
			name: 'password',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'Password of that VoIPBIN user',
			displayOptions: { show: { authentication: ['usernamePassword'] } },
		},
		{
			displayName: 'Token',
			name: 'token',
			type: 'hidden',
			typeOptions: { expirable: true, password: true },
			default: '',
		},
	];

	/**
	 * Logs in with username and password. n8n calls this when the stored token is empty, and again
	 * once when a request answers 401 (the token lives 7 days), then keeps the new token.
	 */
	async preAuthentication(
		this: IHttpRequestHelper,
		credentials: ICredentialDataDecryptedObject,
	): Promise<IDataObject> {
		if (credentials.authentication !== 'usernamePassword') return {};
		const root = voipbinServerRoot(credentials.baseUrl, credentials.allowUnencryptedHttp);
		let response: IDataObject;
		try {
			response = (await this.helpers.httpRequest({
				method: 'POST',
				url: `${root}/auth/login`,
				body: { username: credentials.username, password: credentials.password },
				json: true,
				// A redirect (a 307/308 repeats the body) must not carry the password elsewhere.
				disableFollowRedirect: true,
			})) as IDataObject;
		} catch (error) {
			const status = Number(
				(error as { httpCode?: string }).httpCode ??
					(error as { response?: { status?: number } }).response?.status,
			);
			// The server answers a bare 400 (no body) for a wrong username or password.
			if (status === 400 || status === 401) {
				throw new Error('VoIPBIN login failed: wrong username or password.');
			}
			throw new Error(
				`VoIPBIN login at ${root}/auth/login failed (${status || (error as Error).message}). Check the base URL.`,
			);
		}
		if (typeof response?.token !== 'string' || !response.token) {
			throw new Error(`VoIPBIN login at ${root}/auth/login returned no token. Check the base URL.`);
		}
		return { token: response.token };
	}

	/**
	 * The access key is read by the server from the query string only (never from a header).
	 * Every authenticated request, the credential test's included, passes here: an unencrypted
	 * base URL is refused before any credential is attached.
	 */
	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		voipbinServerRoot(credentials.baseUrl, credentials.allowUnencryptedHttp);
		if (credentials.authentication === 'usernamePassword') {
			return {
				...requestOptions,
				headers: { ...requestOptions.headers, Authorization: `Bearer ${credentials.token}` },
			};
		}
		return { ...requestOptions, qs: { ...requestOptions.qs, accesskey: credentials.accessKey } };
	}

	test: ICredentialTestRequest = {
		request: {
			baseURL:
				'={{$credentials.baseUrl.trim().replace(/\\/+$/, "").replace(/\\/v1\\.0$/i, "")}}/v1.0',
			url: '/recordings',
			qs: { page_size: 1 },
			// The access key rides in the query string: never follow a redirect with it.
			disableFollowRedirect: true,
		},
		// n8n-workflow types the rules as all of one kind, but n8n's tester goes through one list and
		// applies each rule by its own type: status rules to a failed request, body rules to a 200.
		rules: [
			{
				type: 'responseCode',
				properties: {
					value: 401,
					message:
						'VoIPBIN rejected the credential: the access key (or username and password) is wrong or has been revoked.',
				},
			},
			{
				type: 'responseCode',
				properties: {
					value: 403,
					message:
						'The credential is valid but lacks permission to read recordings: give the user the CustomerAdmin or CustomerManager permission.',
				},
			},
			{
				type: 'responseCode',
				properties: {
					value: 404,
					message:
						'No VoIPBIN API answers at this base URL (404). Use https://api.voipbin.net or your server address, without /v1.0.',
				},
			},
			{
				// A 200 is not enough: any web server (n8n itself, a proxy's page) may answer 200 with
				// HTML or other JSON. VoIPBIN's list always carries `next_page_token` ("" when empty).
				// n8n fails the test when the value at `key` equals `value`: here, when it is absent.
				type: 'responseSuccessBody',
				properties: {
					key: 'next_page_token',
					value: undefined,
					message:
						"No VoIPBIN API answers at this base URL: the server answered, but not with VoIPBIN's recording list. Use https://api.voipbin.net or your server address, without /v1.0.",
				},
			},
		] as Array<
			IAuthenticateRuleResponseCode | IAuthenticateRuleResponseSuccessBody
		> as ICredentialTestRequest['rules'],
	};
}
