/** Section 3 of bench/RESULTS.md, and the download table: figures against the download targets. */
import { MB, markdownTable, round } from './common';
import type { DownloadResult, DownloadRow } from './download';
import { TARGET_RSS_MB } from './tables';
import type { Table } from './tables';

/** ours/curl on a limited link; a 1-minute call has its own, as fixed costs weigh more there. */
export const TARGET_LIMITED = 0.95;
export const TARGET_ONE_MINUTE = 0.8;
/** RSS growth may differ this much between recording lengths and still count as flat. */
export const FLAT_MB = TARGET_RSS_MB / 10;

export const rateName = (rate: number): string =>
	rate === 0 ? 'unlimited' : `${round(rate / MB)} MB/s`;

/** The ratio a row must reach, or undefined on the unlimited link (reported against the CPU limit). */
export function ratioTarget(row: DownloadRow): number | undefined {
	if (row.rate === 0) return undefined;
	return row.minutes <= 1 ? TARGET_ONE_MINUTE : TARGET_LIMITED;
}

const zipMbPerSecond = (row: DownloadRow) => row.zipBytes / MB / row.seconds;

export function downloadTable(result: DownloadResult): Table {
	return {
		head: [
			'link',
			'minutes',
			'ZIP MB',
			'mode',
			'ours s',
			'curl s',
			'ours/curl (target)',
			'ours ZIP MB/s',
			'ours CPU s',
			'CPU s per ZIP MB',
			`RSS growth MB (≤ ${TARGET_RSS_MB})`,
		],
		rows: result.rows.map((r) => {
			const target = ratioTarget(r);
			const ratio = round(r.ratio, 2);
			return [
				rateName(r.rate),
				r.minutes,
				round(r.zipBytes / MB),
				r.mode,
				round(r.seconds, 2),
				round(r.curlSeconds, 2),
				target === undefined
					? `${ratio} (—)`
					: `${ratio} (≥ ${target})${r.ratio >= target ? '' : ' MISSED'}`,
				round(zipMbPerSecond(r)),
				round(r.cpuSeconds, 2),
				round(r.cpuSeconds / (r.zipBytes / MB), 3),
				`${round(r.rssGrowth / MB)}${r.rssGrowth / MB <= TARGET_RSS_MB ? '' : ' MISSED'}`,
			];
		}),
	};
}

const verdict = (ok: boolean) => (ok ? '**met**' : '**missed**');

export function downloadSection(result: DownloadResult): string {
	const { rows, cpuLimit, context } = result;
	const modes = [...new Set(rows.map((r) => r.mode))];
	const lengths = [...new Set(rows.map((r) => r.minutes))].sort((a, b) => a - b);
	// The reader's speed with a whole core to itself: ZIP MB per CPU second (its wall time depends on
	// what else the shared machine runs at that moment).
	const limitMbps = cpuLimit.zipBytes / MB / cpuLimit.cpuSeconds;
	const out: string[] = ['## 3. Download', ''];
	out.push(
		`This section: \`npm run bench:download\` (bench/download.ts --write-results) on ${context.date} UTC, commit ` +
			`\`${context.commit}\`, ${round(context.seconds / 60, 1)} min; load average before ${context.loadBefore}, after ${context.loadAfter}.`,
		'',
		"Call recordings (8 kHz 16-bit mono per direction, two directions) through the action node's Download operation in " +
			"n8n-core's ExecuteContext, in n8n's **filesystem binary mode**; every download in a fresh process " +
			'(bench/download-case.ts) after a 1-second warm-up download. The fake VoIPBIN runs in another process and serves ' +
			'each ZIP from the object it built once (as the real storage does), honouring `Range`, with its storage link ' +
			'limited to the rate in the "link" column (one limit shared by all connections at once) or unlimited. ' +
			'"curl s" is the mean of `curl` fetching the same signed ZIP URL on the same link just before the four modes ' +
			'of a length and just after them; ours/curl = curl s / ours s. "ours s" runs from the node\'s start to its ' +
			'output, API requests included (`GET /recordings/{id}` and `GET /recordingfiles/{id}`, sent at once). ' +
			'"ours ZIP MB/s" = ZIP size / ours s. CPU s = user + system CPU time of our process during the download. ' +
			"RSS growth = peak RSS during the download − RSS just before it (sampled every 10 ms, and the kernel's VmHWM " +
			'high-water mark; the higher of the two).',
		'',
		markdownTable(downloadTable(result).head, downloadTable(result).rows),
		'',
	);
	out.push(
		`**The CPU limit.** The node's own ZIP reader alone (bench/download.ts \`checkZipFile\`: DecompressionStream ` +
			`inflate, CRC-32, WAV checks, no network, nothing written) read the ${round(cpuLimit.zipBytes / MB)} MB ZIP of the ` +
			`longest call from a file with ${round(cpuLimit.cpuSeconds, 2)} CPU s (${round(cpuLimit.seconds, 2)} s wall; best of ` +
			`three): ${round(cpuLimit.cpuSeconds / (cpuLimit.zipBytes / MB), 4)} CPU s per MB, so **${round(limitMbps)} MB/s of ` +
			'ZIP** is the most one core of this machine inflates and checks. On the unlimited link:',
		'',
	);
	const unlimited = rows.filter((r) => r.rate === 0 && r.minutes >= 10);
	out.push(
		markdownTable(
			[
				'minutes',
				'mode',
				'ours ZIP MB/s',
				'share of the CPU limit',
				'CPU s per ZIP MB',
				'curl ZIP MB/s',
			],
			unlimited.map((r) => [
				r.minutes,
				r.mode,
				round(zipMbPerSecond(r)),
				`${round((100 * zipMbPerSecond(r)) / limitMbps)} %`,
				round(r.cpuSeconds / (r.zipBytes / MB), 3),
				round(r.zipBytes / MB / r.curlSeconds),
			]),
		),
		'',
	);
	out.push(
		"The shortest and the longest again (unlimited link), in fresh processes with V8's young generation capped " +
			'(`node --max-semi-space-size=1`), to separate what the download itself holds from the headroom V8 gives its ' +
			'young generation once a process allocates steadily:',
		'',
		markdownTable(
			[
				'mode',
				`${lengths[0]} min RSS growth MB (capped)`,
				`${lengths.at(-1)} min RSS growth MB (capped)`,
				'difference MB',
			],
			modes.map((mode) => [
				mode,
				...result.youngCapped.filter((c) => c.mode === mode).map((c) => round(c.rssGrowth / MB)),
				result.youngCappedDeltaMb[mode],
			]),
		),
		'',
	);
	const limited = rows.filter((r) => r.rate > 0);
	const misses = limited.filter((r) => r.ratio < (ratioTarget(r) as number));
	const beating = limited.filter((r) => r.ratio > 1.05);
	// Uncapped growth across the lengths where V8's young generation has grown (10 minutes and up).
	const spread = modes.map((mode) => {
		const growth = rows
			.filter((r) => r.mode === mode && r.minutes >= 10)
			.map((r) => r.rssGrowth / MB);
		return [mode, round(Math.max(...growth) - Math.min(...growth))] as const;
	});
	const rssMax = Math.max(...rows.map((r) => r.rssGrowth)) / MB;
	const flat = Object.values(result.youngCappedDeltaMb).every((d) => Math.abs(d) <= FLAT_MB);
	const list = (selected: DownloadRow[]) =>
		selected
			.map((r) => `${rateName(r.rate)} ${r.minutes} min ${r.mode}: ${round(r.ratio, 2)}`)
			.join('; ');
	out.push(
		`- Target ≥ ${TARGET_LIMITED}× curl in every mode on a limited link (≥ ${TARGET_ONE_MINUTE}× for a 1-minute call): ` +
			`${verdict(misses.length === 0)}${misses.length ? ` (missed by ${list(misses)})` : ''}.`,
		`- Above curl (> 1.05×): ${beating.length ? list(beating) : 'none'}. The limit is shared by all connections, so ` +
			'two ranges get no more bandwidth than one curl: such a row means curl itself was slowed at that moment.',
		`- Target peak RSS growth ≤ ${TARGET_RSS_MB} MB: ${verdict(rssMax <= TARGET_RSS_MB)} (largest ${round(rssMax)} MB).`,
		`- Target flat from ${lengths[0]} to ${lengths.at(-1)} minutes, taken as growth with the young generation capped ` +
			`differing by ≤ ${FLAT_MB} MB between the shortest and the longest: ${verdict(flat)} (${Object.entries(
				result.youngCappedDeltaMb,
			)
				.map(([m, d]) => `${m} ${d} MB`)
				.join(
					', ',
				)}). Uncapped, across every link, from 10 to ${lengths.at(-1)} minutes the growth of a mode ` +
			`spans ${spread.map(([m, d]) => `${m} ${d} MB`).join(', ')}.`,
		'',
	);
	for (const miss of misses) {
		out.push(
			`- Miss, ${rateName(miss.rate)} ${miss.minutes} min ${miss.mode}: ours ${round(miss.seconds, 2)} s against curl ` +
				`${round(miss.curlSeconds, 2)} s, ${round(miss.seconds - miss.curlSeconds, 2)} s more; our CPU ${round(miss.cpuSeconds, 2)} s.`,
		);
	}
	if (misses.length) out.push('');
	return out.join('\n');
}
