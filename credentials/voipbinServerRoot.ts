/**
 * The server root for a base URL as users type it: `https://api.voipbin.net`,
 * `https://api.voipbin.net/`, or with the API version (`.../v1.0`) all mean the same server.
 * The REST API lives under `<root>/v1.0`; login lives at `<root>/auth/login`.
 *
 * An `http://` address is refused unless it is this machine (loopback) or the user allowed
 * unencrypted HTTP in the credential: the access key, password and token would cross the network
 * readable.
 */
export function voipbinServerRoot(baseUrl: unknown, allowUnencryptedHttp: unknown = false): string {
	const text = typeof baseUrl === 'string' ? baseUrl.trim() : '';
	if (!/^https?:\/\/[^/]+/i.test(text)) {
		throw new Error(
			`The VoIPBIN base URL "${text}" is not a web address. Use https://api.voipbin.net or your server's address.`,
		);
	}
	if (/^http:/i.test(text) && allowUnencryptedHttp !== true && !isLoopback(text)) {
		throw new Error(
			`The VoIPBIN base URL "${text}" uses unencrypted http:// for a server that is not on this machine, so the credential would cross the network readable. Use https://, or turn on "Allow Unencrypted HTTP" in the VoIPBIN API credential if the network is trusted.`,
		);
	}
	return text.replace(/\/+$/, '').replace(/\/v1\.0$/i, '');
}

function isLoopback(url: string): boolean {
	let host: string;
	try {
		host = new URL(url).hostname.toLowerCase();
	} catch {
		return false;
	}
	return host === 'localhost' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}
