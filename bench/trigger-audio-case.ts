/**
 * The measured process of benchmark 4: the Recording Trigger through n8n-core's PollContext with
 * "Attach Audio" (mono mix) in filesystem binary mode, against a fake VoIPBIN in another process.
 * 100 recordings that the trigger saw in progress end at once (each about a minute of audio);
 * one poll downloads them all.
 *
 * `tsx bench/trigger-audio-case.ts --base <url> --key <access key> --customer <id> --count 100`
 */
import { rmSync } from 'node:fs';

import { PollHarness, accessKeyCredential, useFilesystemBinaryData } from '../test/helpers/n8n';
import { args, bytesUnder, report, RssWatch, runIfMain } from './common';

// The explicit `.ts`: Node's resolver would pick the `.node.json` codex file next to it first.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { VoipbinRecordingTrigger } =
	require('../nodes/VoipbinRecording/VoipbinRecordingTrigger.node.ts') as typeof import('../nodes/VoipbinRecording/VoipbinRecordingTrigger.node');

export interface TriggerAudioCaseResult {
	recordings: number;
	seconds: number;
	items: number;
	withAudio: number;
	audioErrors: number;
	outputBytes: number;
	audioSecondsEach: number;
	rssBaseline: number;
	rssGrowth: number;
	ids: string[];
}

async function main(): Promise<void> {
	const { base, key, customer, count } = args();
	const recordings = Number(count ?? 100);
	const control = async <T>(path: string, body: unknown): Promise<T> => {
		const response = await fetch(`${base}/_fake${path}`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify(body),
		});
		if (!response.ok) throw new Error(`/_fake${path} answered ${response.status}`);
		return (await response.json()) as T;
	};
	const store = await useFilesystemBinaryData();
	const harness = new PollHarness(
		new VoipbinRecordingTrigger(),
		{ event: 'recordingEnded', attachAudio: true, audioOutputAs: 'monoMix' },
		accessKeyCredential(base, key),
	);
	const create = async () =>
		(await control<{ id: string }>('/recordings', { customerId: customer, status: 'recording' }))
			.id;
	const end = async (id: string) => await control(`/recordings/${id}/status`, { status: 'ended' });

	const warmup = await create();
	const ids: string[] = [];
	for (let i = 0; i < recordings; i++) ids.push(await create());
	// The trigger sees them all in progress, then a minute of audio passes.
	if ((await harness.poll()) !== null) throw new Error('The first poll should emit nothing');
	await control('/clock/advance', { ms: 60_000 });

	// One recording first, so that lazily loaded code and first-use buffers are not counted.
	await end(warmup);
	const first = await harness.poll();
	if (first?.[0].length !== 1) throw new Error('The warm-up poll should emit one event');
	const before = bytesUnder(store);

	for (const id of ids) await end(id);
	const watch = new RssWatch(10);
	const started = process.hrtime.bigint();
	const output = await harness.poll();
	const seconds = Number(process.hrtime.bigint() - started) / 1e9;
	const rss = watch.stop();

	const items = output?.[0] ?? [];
	const audio = items[0]?.json as { tm_start?: string; tm_end?: string } | undefined;
	const result: TriggerAudioCaseResult = {
		recordings,
		seconds,
		items: items.length,
		withAudio: items.filter((item) => item.binary?.data).length,
		audioErrors: items.filter((item) => item.json.audioError !== undefined).length,
		outputBytes: bytesUnder(store) - before,
		audioSecondsEach:
			audio?.tm_start && audio.tm_end
				? (Date.parse(audio.tm_end) - Date.parse(audio.tm_start)) / 1000
				: 0,
		rssBaseline: rss.baseline,
		rssGrowth: rss.growth,
		ids,
	};
	rmSync(store, { recursive: true, force: true });
	report(result);
}

runIfMain(module, main);
