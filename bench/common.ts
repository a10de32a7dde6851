/**
 * Shared by the benchmarks: tables, the line a child process reports its figures on, starting the
 * fake VoIPBIN in its own process, and peak-RSS measurement.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { type FakeProcess, startFakeProcess } from '../test/fake-voipbin/process';

export const ROOT = join(__dirname, '..');

/** A child benchmark prints its figures on one line starting with this; everything else is log. */
export const RESULT_PREFIX = '@@bench-result ';

export function report(result: unknown): void {
	process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
}

/** A plain-text table, columns padded; numbers right-aligned. */
export function table(head: string[], rows: Array<Array<string | number>>): string {
	const cells = [head, ...rows.map((row) => row.map(String))];
	const widths = head.map((_, c) => Math.max(...cells.map((row) => row[c].length)));
	const numeric = head.map((_, c) => rows.every((row) => typeof row[c] === 'number'));
	const line = (row: string[]) =>
		row
			.map((cell, c) => (numeric[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
			.join('  ')
			.trimEnd();
	return [
		line(head),
		widths.map((w) => '-'.repeat(w)).join('  '),
		...cells.slice(1).map(line),
	].join('\n');
}

/** A Markdown table with the same rows. */
export function markdownTable(head: string[], rows: Array<Array<string | number>>): string {
	const numeric = head.map((_, c) => rows.every((row) => typeof row[c] === 'number'));
	return [
		`| ${head.join(' | ')} |`,
		`| ${numeric.map((n) => (n ? '---:' : '---')).join(' | ')} |`,
		...rows.map((row) => `| ${row.map(String).join(' | ')} |`),
	].join('\n');
}

export const round = (value: number, digits = 1): number => {
	const factor = 10 ** digits;
	return Math.round(value * factor) / factor;
};

export const mean = (values: number[]): number =>
	values.reduce((sum, v) => sum + v, 0) / Math.max(1, values.length);

export const MB = 1024 * 1024;

/** Runs a TypeScript file in a fresh Node process (tsx as an import hook: one process, not two). */
export function spawnTs(file: string, args: string[], extraNodeArgs: string[] = []): ChildProcess {
	return spawn(process.execPath, [...extraNodeArgs, '--import', 'tsx', file, ...args], {
		cwd: ROOT,
		stdio: ['ignore', 'pipe', 'inherit'],
	});
}

/**
 * Runs a benchmark script in its own process and returns the figures it reported; its other
 * output is passed through (indented) so the tables show up as it goes.
 */
export async function runChild<T>(
	file: string,
	args: string[] = [],
	nodeArgs: string[] = [],
): Promise<T> {
	const child = spawnTs(file, args, [
		...nodeArgs,
		...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
	]);
	let result: T | undefined;
	// The node's warnings repeat once per poll; print a repeated line once with a count.
	let last = '';
	let repeats = 0;
	const flush = () => {
		if (repeats > 0) process.stdout.write(`  (the line above ${repeats} more times)\n`);
		repeats = 0;
	};
	const lines = createInterface({ input: child.stdout! });
	lines.on('line', (line) => {
		if (line.startsWith(RESULT_PREFIX)) {
			result = JSON.parse(line.slice(RESULT_PREFIX.length)) as T;
		} else if (line === last) {
			repeats++;
		} else {
			flush();
			last = line;
			process.stdout.write(`  ${line}\n`);
		}
	});
	const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
	flush();
	if (code !== 0 || result === undefined) {
		throw new Error(`${file} ${args.join(' ')} failed (exit ${code})`);
	}
	return result;
}

/**
 * The fake VoIPBIN in its own process, so that its CPU (it builds each ZIP once, then serves the
 * stored object) and its memory do not count against the process being measured. Files are there
 * as soon as a recording ends, and the rate limit is off: we measure transfer, not waiting.
 */
export function startBenchFake(): Promise<FakeProcess> {
	return startFakeProcess({ filesDelayMs: 0, rateLimit: 'off', accessKey: 'bench-access-key' });
}

/** The signed storage URL `/recordingfiles/{id}` redirects to (the redirect is not followed). */
export async function signedZipUrl(
	baseUrl: string,
	accessKey: string,
	id: string,
): Promise<string> {
	const response = await fetch(`${baseUrl}/v1.0/recordingfiles/${id}?accesskey=${accessKey}`, {
		redirect: 'manual',
	});
	const location = response.headers.get('location');
	await response.arrayBuffer();
	if (response.status !== 307 || !location)
		throw new Error(`recordingfiles answered ${response.status}`);
	return location;
}

/** `curl` fetching a URL (to /dev/null by default): seconds and bytes, as curl itself reports them. */
export async function curlFetch(
	url: string,
	output = '/dev/null',
): Promise<{ seconds: number; bytes: number }> {
	const child = spawn('curl', [
		'-s',
		'-o',
		output,
		'-w',
		'%{time_total} %{size_download} %{http_code}',
		url,
	]);
	let out = '';
	child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
	const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
	const [seconds, bytes, status] = out.trim().split(' ').map(Number);
	if (code !== 0 || status !== 200) throw new Error(`curl failed (exit ${code}, HTTP ${status})`);
	return { seconds, bytes };
}

/**
 * Peak RSS over a stretch of work, two ways: sampling `process.memoryUsage.rss()` every few ms,
 * and the kernel's high-water mark (VmHWM, reset through /proc/self/clear_refs where allowed),
 * which also catches a peak that falls between two samples.
 */
export class RssWatch {
	readonly baseline: number;

	private peak: number;

	private readonly timer: NodeJS.Timeout;

	private readonly hwmReset: boolean;

	constructor(intervalMs = 10) {
		this.hwmReset = resetHighWaterMark();
		this.baseline = process.memoryUsage.rss();
		this.peak = this.baseline;
		this.timer = setInterval(() => this.sample(), intervalMs);
	}

	sample(): void {
		this.peak = Math.max(this.peak, process.memoryUsage.rss());
	}

	/** Stops sampling; peak growth over the baseline, in bytes. */
	stop(): { baseline: number; peakSampled: number; peakHwm: number | null; growth: number } {
		clearInterval(this.timer);
		this.sample();
		const hwm = this.hwmReset ? highWaterMark() : null;
		const peak = Math.max(this.peak, hwm ?? 0);
		return {
			baseline: this.baseline,
			peakSampled: this.peak,
			peakHwm: hwm,
			growth: Math.max(0, peak - this.baseline),
		};
	}
}

function resetHighWaterMark(): boolean {
	try {
		writeFileSync('/proc/self/clear_refs', '5');
		return true;
	} catch {
		return false;
	}
}

function highWaterMark(): number | null {
	try {
		const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
		return match ? Number(match[1]) * 1024 : null;
	} catch {
		return null;
	}
}

/** Parses `--name value` pairs. */
export function args(): Record<string, string> {
	const out: Record<string, string> = {};
	const argv = process.argv.slice(2);
	for (let i = 0; i < argv.length; i += 2) out[argv[i].replace(/^--/, '')] = argv[i + 1];
	return out;
}

/** Runs a benchmark's `main` when its file is the process's entry script (not imported by run.ts). */
export function runIfMain(module: NodeJS.Module, main: () => Promise<void>): void {
	if (require.main !== module) return;
	main().catch((error: Error) => {
		console.error(error);
		process.exit(1);
	});
}

/** Bytes of the files under a binary-data folder, leaving out n8n's metadata files. */
export function bytesUnder(dir: string): number {
	let total = 0;
	for (const entry of readdirSync(dir, { withFileTypes: true })) {
		const path = join(dir, entry.name);
		if (entry.isDirectory()) total += bytesUnder(path);
		else if (!entry.name.endsWith('.metadata')) total += statSync(path).size;
	}
	return total;
}
