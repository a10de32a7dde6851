/**
 * Benchmark 3: downloading call recordings of 1, 10, 60 and 120 minutes in each output mode, with
 * the fake's storage link limited to 10 MB/s and 50 MB/s and unlimited. Each download runs in a
 * fresh process (bench/download-case.ts: the action node through n8n-core's ExecuteContext,
 * filesystem binary mode) so that its peak RSS is its own; the fake VoIPBIN runs in yet another
 * process and serves each ZIP from the object it built once, as the real storage does. Throughput
 * is compared with `curl` fetching the same signed ZIP URL on the same link, just before the modes
 * of a length and just after them. Then the CPU limit: how fast this machine inflates and
 * CRC-checks the longest ZIP alone, from a file, with the node's own ZIP reader.
 *
 * `tsx bench/download.ts [--write-results]`: with the flag, section 3 of bench/RESULTS.md is
 * rewritten from this run (the other sections are left as they are).
 */
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

import { readWav } from '../nodes/VoipbinRecording/download/wav';
import { readZipEntries } from '../nodes/VoipbinRecording/download/zipReader';
import {
	MB,
	ROOT,
	curlFetch,
	mean,
	report,
	round,
	runChild,
	runIfMain,
	signedZipUrl,
	startBenchFake,
	table,
} from './common';
import type { DownloadCaseResult } from './download-case';
import { downloadSection, downloadTable, rateName } from './download-report';

export const MINUTES = [1, 10, 60, 120];
export const MODES = ['zip', 'separate', 'stereo', 'monoMix'];
/** The storage link's speed, bytes per second; 0: unlimited. */
export const RATES = [10 * MB, 50 * MB, 0];

export interface DownloadRow extends DownloadCaseResult {
	minutes: number;
	/** The storage link's speed in bytes per second; 0: unlimited. */
	rate: number;
	zipBytes: number;
	/** Mean of the curl fetches just before and just after the modes of this length. */
	curlSeconds: number;
	/** curl's time / ours, for the same ZIP on the same link: ≥ 1 means as fast as curl. */
	ratio: number;
}

export interface CpuLimit {
	zipBytes: number;
	/** Best of three: the node's ZIP reader inflating and CRC-checking every entry from a file. */
	seconds: number;
	cpuSeconds: number;
}

export interface DownloadResult {
	rows: DownloadRow[];
	cpuLimit: CpuLimit;
	/** Shortest and longest again, unlimited link, V8's young generation capped at 1 MB. */
	youngCapped: Array<{ minutes: number; mode: string; rssGrowth: number }>;
	/** Per mode: that growth at the longest minus at the shortest length. */
	youngCappedDeltaMb: Record<string, number>;
	/** When, on which commit, and the load average around the run. */
	context: { date: string; commit: string; seconds: number; loadBefore: string; loadAfter: string };
}

/** V8 grows its young generation (2 × 16 MB semi-spaces) under steady allocation; capping it shows the rest. */
export const YOUNG_CAP_FLAG = '--max-semi-space-size=1';

/** Inflates and CRC-checks every WAV of a ZIP file with the node's reader, as a download does. */
async function checkZipFile(file: string): Promise<{ seconds: number; cpuSeconds: number }> {
	const cpu = process.cpuUsage();
	const started = process.hrtime.bigint();
	const chunks = createReadStream(file, { highWaterMark: 64 * 1024 }) as AsyncIterable<Buffer>;
	for await (const entry of readZipEntries(chunks)) {
		for await (const _ of (await readWav(entry.data)).pcm) {
			// Reading to the end runs the CRC and size checks.
		}
	}
	const used = process.cpuUsage(cpu);
	return {
		seconds: Number(process.hrtime.bigint() - started) / 1e9,
		cpuSeconds: (used.user + used.system) / 1e6,
	};
}

async function main(): Promise<void> {
	const started = Date.now();
	const loadBefore = loadAverage();
	const minutes = process.env.BENCH_DOWNLOAD_MINUTES?.split(',').map(Number) ?? MINUTES;
	const rates = process.env.BENCH_DOWNLOAD_RATES?.split(',').map((r) => Number(r) * MB) ?? RATES;
	const fake = await startBenchFake();
	const rows: DownloadRow[] = [];
	const youngCapped: DownloadResult['youngCapped'] = [];
	let cpuLimit: CpuLimit | undefined;
	const recordingIds = new Map<number, string>();
	try {
		const warmup = await fake.control<{ id: string }>('/recordings', {
			customerId: fake.customerId,
			durationSeconds: 1,
		});
		const downloadCase = async (id: string, mode: string, nodeArgs: string[] = []) =>
			await runChild<DownloadCaseResult>(
				join(ROOT, 'bench/download-case.ts'),
				[
					'--base',
					fake.baseUrl,
					'--key',
					fake.accessKey,
					'--id',
					id,
					'--warmup',
					warmup.id,
					'--mode',
					mode,
				],
				nodeArgs,
			);
		for (const length of minutes) {
			const { id } = await fake.control<{ id: string }>('/recordings', {
				customerId: fake.customerId,
				durationSeconds: length * 60,
			});
			recordingIds.set(length, id);
			// Builds the ZIP object once (the real server does it before it answers the redirect).
			await signedZipUrl(fake.baseUrl, fake.accessKey, id);
		}
		for (const rate of rates) {
			await fake.control('/faults', { storageBytesPerSecond: rate });
			for (const length of minutes) {
				const id = recordingIds.get(length) as string;
				const url = await signedZipUrl(fake.baseUrl, fake.accessKey, id);
				const before = await curlFetch(url);
				const ours: DownloadCaseResult[] = [];
				for (const mode of MODES) ours.push(await downloadCase(id, mode));
				const after = await curlFetch(url);
				const curlSeconds = mean([before.seconds, after.seconds]);
				for (const result of ours) {
					rows.push({
						...result,
						minutes: length,
						rate,
						zipBytes: after.bytes,
						curlSeconds,
						ratio: curlSeconds / result.seconds,
					});
					console.log(
						`download: ${rateName(rate)} ${length} min ${result.mode}: ${round(result.seconds, 2)} s, curl ${round(curlSeconds, 2)} s, RSS +${round(result.rssGrowth / MB)} MB`,
					);
				}
			}
		}
		await fake.control('/faults', { storageBytesPerSecond: 0 });
		const shortest = Math.min(...minutes);
		const longest = Math.max(...minutes);
		for (const length of [shortest, longest]) {
			for (const mode of MODES) {
				const ours = await downloadCase(recordingIds.get(length) as string, mode, [YOUNG_CAP_FLAG]);
				youngCapped.push({ minutes: length, mode, rssGrowth: ours.rssGrowth });
			}
		}
		const folder = mkdtempSync(join(tmpdir(), 'bench-zip-'));
		try {
			const file = join(folder, 'recording.zip');
			const url = await signedZipUrl(fake.baseUrl, fake.accessKey, recordingIds.get(longest)!);
			const { bytes } = await curlFetch(url, file);
			const runs = [];
			for (let i = 0; i < 3; i++) runs.push(await checkZipFile(file));
			const best = runs.reduce((a, b) => (b.seconds < a.seconds ? b : a));
			cpuLimit = { zipBytes: bytes, ...best };
		} finally {
			rmSync(folder, { recursive: true, force: true });
		}
	} finally {
		await fake.stop();
	}
	const youngCappedDeltaMb: Record<string, number> = {};
	for (const mode of MODES) {
		const [shortest, longest] = youngCapped.filter((c) => c.mode === mode);
		youngCappedDeltaMb[mode] = round((longest.rssGrowth - shortest.rssGrowth) / MB);
	}
	const result: DownloadResult = {
		rows,
		cpuLimit,
		youngCapped,
		youngCappedDeltaMb,
		context: {
			date: new Date().toISOString().slice(0, 16).replace('T', ' '),
			commit: gitCommit(),
			seconds: (Date.now() - started) / 1000,
			loadBefore,
			loadAfter: loadAverage(),
		},
	};
	const { head, rows: cells } = downloadTable(result);
	console.log('\nDownload: ours vs curl on the same link, and peak RSS growth\n');
	console.log(table(head, cells));
	if (process.argv.includes('--write-results')) writeSection(result);
	report(result);
}

/** Replaces section 3 of bench/RESULTS.md with this run's. */
function writeSection(result: DownloadResult): void {
	const path = join(ROOT, 'bench/RESULTS.md');
	const text = readFileSync(path, 'utf8');
	const start = text.indexOf('## 3. Download');
	const end = text.indexOf('## 4.', start);
	if (start < 0 || end < 0) throw new Error('bench/RESULTS.md has no section 3 to replace');
	writeFileSync(path, text.slice(0, start) + downloadSection(result) + text.slice(end));
	console.log('Wrote section 3 of bench/RESULTS.md');
}

function loadAverage(): string {
	return loadavg()
		.map((l) => l.toFixed(1))
		.join(', ');
}

function gitCommit(): string {
	return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim();
}

runIfMain(module, main);
