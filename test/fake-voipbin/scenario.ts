/**
 * The demo's traffic: a few old recordings, then a new call or conference recording every
 * `intervalMs` that lasts 10–40 s, so a trigger has something to pick up every few polls, for as
 * long as the demo runs. Runs on real time; with a manual clock the recordings would never move on.
 *
 * Memory: a recording with its call or conference takes about 2.3 KB in the fake (measured on
 * 10 000), so one every 20 s is about 10 MB a day. They are kept, as VoIPBIN keeps them: trimming
 * would make recordings vanish from the list, which the real server never does.
 */
import type { FakeVoipbin } from './index';

export interface DemoScenarioOptions {
	intervalMs?: number;
	minSeconds?: number;
	maxSeconds?: number;
	/** Stop starting recordings after this many (default: never, until `stop`). */
	count?: number;
	/** Every Nth recording is a conference (default 3). */
	conferenceEvery?: number;
	onRecording?: (info: { id: string; kind: 'call' | 'conference'; seconds: number }) => void;
}

export interface DemoScenario {
	stop(): void;
}

export function startDemoScenario(
	fake: FakeVoipbin,
	customerId: string,
	opts: DemoScenarioOptions = {},
): DemoScenario {
	const { intervalMs = 20_000, minSeconds = 10, maxSeconds = 40, count = Infinity } = opts;
	const conferenceEvery = opts.conferenceEvery ?? 3;
	// A fixed-seed generator: every demo run shows the same durations.
	let state = 0x2545f491;
	const random = () => {
		state ^= state << 13;
		state ^= state >>> 17;
		state ^= state << 5;
		return (state >>> 0) / 0x100000000;
	};
	fake.seedRecordings(customerId, 2, { durationSeconds: 12, stepMicros: 60_000_000 });
	fake.seedRecordings(customerId, 1, { referenceType: 'confbridge', durationSeconds: 20 });

	let started = 0;
	const startOne = () => {
		started++;
		const kind = started % conferenceEvery === 0 ? 'conference' : 'call';
		const target = kind === 'call' ? fake.addCall(customerId) : fake.addConference(customerId);
		const seconds = Math.round(minSeconds + random() * (maxSeconds - minSeconds));
		const recording = fake.startRecording(target.id, { durationSeconds: seconds });
		opts.onRecording?.({ id: recording.id, kind, seconds });
		if (started >= count) clearInterval(timer);
	};
	const timer = setInterval(startOne, intervalMs);
	timer.unref();
	startOne();
	return { stop: () => clearInterval(timer) };
}
