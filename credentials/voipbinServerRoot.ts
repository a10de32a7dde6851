/**
 * The server root for a base URL as users type it: `https://api.voipbin.net`,
 * `https://api.voipbin.net/`, or with the API version (`.../v1.0`) all mean the same server.
 * The REST API lives under `<root>/v1.0`; login lives at `<root>/auth/login`.
 */
export function voipbinServerRoot(baseUrl: unknown): string {
	const text = typeof baseUrl === 'string' ? baseUrl.trim() : '';
	if (!/^https?:\/\/[^/]+/i.test(text)) {
		throw new Error(
			`The VoIPBIN base URL "${text}" is not a web address. Use https://api.voipbin.net or your server's address.`,
		);
	}
	return text.replace(/\/+$/, '').replace(/\/v1\.0$/i, '');
}
