/**
 * One measured download, in a process of its own so that its peak RSS is its own: the action node's
 * `download` operation through n8n-core's ExecuteContext, in n8n's filesystem binary-data mode,
 * against a fake VoIPBIN running in another process.
 *
 * `tsx bench/download-case.ts --base <url> --key <access key> --id <recording> --warmup <id>
 * --mode zip|separate|stereo|monoMix`
 */
import { rmSync } from 'node:fs';

import { accessKeyCredential, runNode, useFilesystemBinaryData } from '../test/helpers/n8n';
import { args, bytesUnder, report, RssWatch, runIfMain } from './common';

// The explicit `.ts`: Node's resolver would pick the `.node.json` codex file next to it first.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { VoipbinRecording } =
	require('../nodes/VoipbinRecording/VoipbinRecording.node.ts') as typeof import('../nodes/VoipbinRecording/VoipbinRecording.node');

export interface DownloadCaseResult {
	mode: string;
	seconds: number;
	outputBytes: number;
	files: number;
	rssBaseline: number;
	rssGrowth: number;
	rssPeakSampled: number;
	rssPeakHwm: number | null;
	/** CPU time (user + system) this process spent on the download. */
	cpuSeconds: number;
}

async function main(): Promise<void> {
	const { base, key, id, warmup, mode } = args();
	const store = await useFilesystemBinaryData();
	const credential = accessKeyCredential(base, key);
	const node = new VoipbinRecording();
	const download = async (recordingId: string) =>
		await runNode(node, { operation: 'download', recordingId, outputAs: mode }, { credential });

	// A short recording first, so that lazily loaded code and first-use buffers are not counted.
	await download(warmup);
	const before = bytesUnder(store);

	const watch = new RssWatch(10);
	const cpu = process.cpuUsage();
	const started = process.hrtime.bigint();
	const [items] = await download(id);
	const seconds = Number(process.hrtime.bigint() - started) / 1e9;
	const rss = watch.stop();
	const cpuUsed = process.cpuUsage(cpu);

	const result: DownloadCaseResult = {
		mode,
		seconds,
		outputBytes: bytesUnder(store) - before,
		files: items.length,
		rssBaseline: rss.baseline,
		rssGrowth: rss.growth,
		rssPeakSampled: rss.peakSampled,
		rssPeakHwm: rss.peakHwm,
		cpuSeconds: (cpuUsed.user + cpuUsed.system) / 1e6,
	};
	rmSync(store, { recursive: true, force: true });
	report(result);
}

runIfMain(module, main);
