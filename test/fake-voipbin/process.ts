/**
 * The one way the demo, the end-to-end run and the benchmarks start the fake VoIPBIN in a process
 * of its own: `cli.ts` under tsx, in its own process group, on free ports, driven through its
 * `/_fake/...` control routes. Resolves once the CLI prints its `fake-voipbin ready {json}` line.
 */
import path from 'node:path';
import { createInterface } from 'node:readline';

import { spawnGroup, tail } from '../../scripts/n8n/processes';

export interface FakeProcessOptions {
	/** The account the CLI creates (default: a fixed test key). */
	accessKey?: string;
	/** How long after a recording ends its files appear (default 1000 ms). */
	filesDelayMs?: number;
	/** `demo`: a call or conference recording every 20 s. */
	scenario?: 'demo';
	/** VoIPBIN's rate limit (default on, as the real server). */
	rateLimit?: 'on' | 'off';
	/** Each output line after the ready line (the demo prints the scenario's news). */
	onLine?: (line: string) => void;
}

export interface FakeProcess {
	baseUrl: string;
	storageUrl: string;
	customerId: string;
	accessKey: string;
	/** POST (or GET without a body) to a `/_fake/...` control route. */
	control<T = Record<string, unknown>>(route: string, body?: unknown): Promise<T>;
	stop(): Promise<void>;
}

const CLI = path.join(__dirname, 'cli.ts');

export async function startFakeProcess(options: FakeProcessOptions = {}): Promise<FakeProcess> {
	const accessKey = options.accessKey ?? 'fake-process-access-key';
	const args = [
		'--import',
		'tsx',
		CLI,
		'--port',
		'0',
		'--storage-port',
		'0',
		'--files-delay-ms',
		String(options.filesDelayMs ?? 1000),
		'--access-key',
		accessKey,
		...(options.scenario ? ['--scenario', options.scenario] : []),
	];
	const root = path.join(__dirname, '..', '..');
	const group = spawnGroup(process.execPath, args, {
		cwd: root,
		stdio: ['ignore', 'pipe', 'pipe'],
	});
	const { child } = group;
	let stderr = '';
	child.stderr!.on('data', (d: Buffer) => (stderr += d));
	const ready = await new Promise<{ baseUrl: string; storageUrl: string; customerId: string }>(
		(resolve, reject) => {
			let started = false;
			const timer = setTimeout(
				() => reject(new Error(`The fake VoIPBIN did not start in 60 s.\n${tail(stderr)}`)),
				60_000,
			);
			createInterface({ input: child.stdout! }).on('line', (line) => {
				const match = /^fake-voipbin ready (\{.*\})$/.exec(line);
				if (match && !started) {
					started = true;
					clearTimeout(timer);
					resolve(
						JSON.parse(match[1]) as { baseUrl: string; storageUrl: string; customerId: string },
					);
				} else if (started) {
					options.onLine?.(line);
				}
				// The banner before the ready line (it repeats the access key) is not passed on.
			});
			void group.exited.then(({ code }) => {
				clearTimeout(timer);
				if (!started) reject(new Error(`The fake VoIPBIN exited (${code}).\n${tail(stderr)}`));
			});
		},
	);
	const control = async <T>(route: string, body?: unknown): Promise<T> => {
		const response = await fetch(`${ready.baseUrl}/_fake${route}`, {
			method: body === undefined ? 'GET' : 'POST',
			headers: body === undefined ? {} : { 'content-type': 'application/json' },
			body: body === undefined ? undefined : JSON.stringify(body),
			signal: AbortSignal.timeout(30_000),
		});
		const json = (await response.json()) as T;
		if (!response.ok)
			throw new Error(`fake /_fake${route} → ${response.status}: ${JSON.stringify(json)}`);
		return json;
	};
	if (options.rateLimit === 'off') await control('/faults', { rateLimit: 'off' });
	return { ...ready, accessKey, control, stop: () => group.stop() };
}
