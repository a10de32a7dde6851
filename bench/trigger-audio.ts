/**
 * Benchmark 4: the trigger with "Attach Audio" when 100 recordings end at once. The poll runs in
 * a fresh process (bench/trigger-audio-case.ts) for its peak RSS; the fake VoIPBIN in another.
 * For scale, `curl` then fetches each of those 100 ZIPs once, one after another.
 */
import { join } from 'node:path';

import {
	ROOT,
	curlFetch,
	runIfMain,
	report,
	runChild,
	signedZipUrl,
	startBenchFake,
	table,
} from './common';
import { triggerAudioTable } from './tables';
import type { TriggerAudioCaseResult } from './trigger-audio-case';

export const RECORDINGS = 100;

export interface TriggerAudioResult extends Omit<TriggerAudioCaseResult, 'ids'> {
	/** Sum of `curl` times fetching each recording's ZIP once, sequentially. */
	curlSequentialSeconds: number;
	zipBytes: number;
}

async function main(): Promise<void> {
	const fake = await startBenchFake();
	let result: TriggerAudioResult;
	try {
		const { ids, ...ours } = await runChild<TriggerAudioCaseResult>(
			join(ROOT, 'bench/trigger-audio-case.ts'),
			[
				'--base',
				fake.baseUrl,
				'--key',
				fake.accessKey,
				'--customer',
				fake.customerId,
				'--count',
				String(RECORDINGS),
			],
		);
		let curlSequentialSeconds = 0;
		let zipBytes = 0;
		for (const id of ids) {
			const fetched = await curlFetch(await signedZipUrl(fake.baseUrl, fake.accessKey, id));
			curlSequentialSeconds += fetched.seconds;
			zipBytes += fetched.bytes;
		}
		result = { ...ours, curlSequentialSeconds, zipBytes };
	} finally {
		await fake.stop();
	}
	const { head, rows } = triggerAudioTable(result);
	console.log('\nTrigger with Attach Audio (mono mix): 100 recordings ending at once, one poll\n');
	console.log(table(head, rows));
	report(result);
}

runIfMain(module, main);
