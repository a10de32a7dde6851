/**
 * Benchmark 3: downloading call recordings of 1, 10, 60 and 120 minutes in each output mode. Each
 * download runs in a fresh process (bench/download-case.ts: the action node through n8n-core's
 * ExecuteContext, filesystem binary mode) so that its peak RSS is its own; the fake VoIPBIN runs
 * in yet another process. Throughput is compared with `curl` fetching the same signed ZIP URL,
 * taken just before and just after each of our downloads (the machine is shared and noisy).
 */
import { join } from 'node:path';

import {
	MB,
	ROOT,
	curlFetch,
	runIfMain,
	mean,
	report,
	round,
	runChild,
	signedZipUrl,
	startBenchFake,
	table,
} from './common';
import type { DownloadCaseResult } from './download-case';
import { downloadTable } from './tables';

export const MINUTES = [1, 10, 60, 120];
export const MODES = ['zip', 'separate', 'stereo', 'monoMix'];

export interface DownloadRow extends DownloadCaseResult {
	minutes: number;
	zipBytes: number;
	/** Mean of the curl fetches just before and just after this download. */
	curlSeconds: number;
	/** curl's time / ours, for the same ZIP: ≥ 1 means as fast as curl. */
	ratio: number;
}

export interface DownloadResult {
	rows: DownloadRow[];
	/** Per mode: largest minus smallest RSS growth across the recording lengths. */
	spreadMb: Record<string, number>;
	/** Two curls fetching the ZIP at once, per length: what a mode that reads the ZIP twice can reach. */
	twoCurls: Array<{ minutes: number; seconds: number; oneCurlSeconds: number }>;
	/** Shortest and longest again, V8's young generation capped at 1 MB: the download's own memory. */
	youngCapped: Array<{ minutes: number; mode: string; rssGrowth: number }>;
	/** Per mode: that growth at the longest minus at the shortest length. */
	youngCappedDeltaMb: Record<string, number>;
}

/** V8 grows its young generation (2 × 16 MB semi-spaces) under steady allocation; capping it shows the rest. */
export const YOUNG_CAP_FLAG = '--max-semi-space-size=1';

async function main(): Promise<void> {
	const minutes = process.env.BENCH_DOWNLOAD_MINUTES?.split(',').map(Number) ?? MINUTES;
	const fake = await startBenchFake();
	const rows: DownloadRow[] = [];
	const twoCurls: DownloadResult['twoCurls'] = [];
	const youngCapped: DownloadResult['youngCapped'] = [];
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
			// One signed URL for every curl: the same ZIP object our downloads get.
			const url = await signedZipUrl(fake.baseUrl, fake.accessKey, id);
			let before = await curlFetch(url);
			for (const mode of MODES) {
				const ours = await downloadCase(id, mode);
				const after = await curlFetch(url);
				const curlSeconds = mean([before.seconds, after.seconds]);
				rows.push({
					...ours,
					minutes: length,
					zipBytes: after.bytes,
					curlSeconds,
					ratio: curlSeconds / ours.seconds,
				});
				console.log(
					`download: ${length} min ${mode}: ${round(ours.seconds, 2)} s, curl ${round(curlSeconds, 2)} s, RSS +${round(ours.rssGrowth / MB)} MB`,
				);
				before = after;
			}
			const pair = await Promise.all([curlFetch(url), curlFetch(url)]);
			twoCurls.push({
				minutes: length,
				seconds: Math.max(...pair.map((p) => p.seconds)),
				oneCurlSeconds: mean(rows.filter((r) => r.minutes === length).map((r) => r.curlSeconds)),
			});
		}
		for (const length of [Math.min(...minutes), Math.max(...minutes)]) {
			for (const mode of MODES) {
				const ours = await downloadCase(recordingIds.get(length) as string, mode, [YOUNG_CAP_FLAG]);
				youngCapped.push({ minutes: length, mode, rssGrowth: ours.rssGrowth });
			}
		}
	} finally {
		await fake.stop();
	}
	const youngCappedDeltaMb: Record<string, number> = {};
	for (const mode of MODES) {
		const [shortest, longest] = youngCapped.filter((c) => c.mode === mode);
		youngCappedDeltaMb[mode] = round((longest.rssGrowth - shortest.rssGrowth) / MB);
	}
	const spreadMb: Record<string, number> = {};
	for (const mode of MODES) {
		const growth = rows.filter((r) => r.mode === mode).map((r) => r.rssGrowth / MB);
		spreadMb[mode] = round(Math.max(...growth) - Math.min(...growth));
	}
	const result: DownloadResult = { rows, spreadMb, twoCurls, youngCapped, youngCappedDeltaMb };
	const { head, rows: cells } = downloadTable(result);
	console.log(
		'\nDownload: ours vs curl on the same ZIP, and peak RSS growth (filesystem binary mode)\n',
	);
	console.log(table(head, cells));
	report(result);
}

runIfMain(module, main);
