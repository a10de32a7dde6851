/**
 * An account that lives while the benchmarks poll it: a trickle of new recordings each poll, some
 * of them in progress for a while, plus long-running ones. Ten seconds pass per poll. It drives
 * either the fake VoIPBIN (for polls through n8n) or the trigger tests' in-memory model (for polls
 * through the pure decision functions).
 */
import type { FakeVoipbin } from '../test/fake-voipbin';
import type { FakeServer, ServerRecording } from '../test/nodes/VoipbinRecording/trigger/model';

export const POLL_INTERVAL_MS = 10_000;

/** What the trickle needs from a world. */
export interface Account {
	/** A recording created now; returns its id. */
	create(status: 'ended' | 'recording'): string;
	end(id: string): void;
	advance(ms: number): void;
}

export function fakeAccount(fake: FakeVoipbin, customerId: string): Account {
	return {
		create: (status) => fake.createRecording(customerId, { status }).id,
		end: (id) => fake.setStatus(id, 'ended'),
		advance: (ms) => fake.clock.advance(ms),
	};
}

export function modelAccount(
	server: FakeServer,
	startMicros: number,
): Account & { nowMicros(): number } {
	let now = startMicros;
	const byId = new Map<string, ServerRecording>();
	return {
		create: (status) => {
			// Distinct times, as the live server gives (and the fake does).
			now += 1;
			const recording = server.create(now, status);
			byId.set(recording.id, recording);
			return recording.id;
		},
		end: (id) => server.setStatus(byId.get(id) as ServerRecording, 'ended', now),
		advance: (ms) => (now += ms * 1000),
		nowMicros: () => now,
	};
}

export interface TrickleOptions {
	/** New recordings per poll. */
	newPerPoll: number;
	/** How many of those start in progress (`recording`) instead of already ended. */
	inProgressPerPoll: number;
	/** They end this many polls later: [min, max], drawn evenly. */
	lifePolls: [number, number];
	seed?: number;
}

export class Trickle {
	poll = 0;

	/** Recordings that ended (after being seen in progress or not) since the start. */
	endedTotal = 0;

	private readonly inProgress: Array<{ id: string; endsAtPoll: number }> = [];

	private readonly random: () => number;

	constructor(
		private readonly account: Account,
		private readonly options: TrickleOptions,
	) {
		this.random = lcg(options.seed ?? 42);
	}

	/** Recordings started here that are still in progress. */
	get running(): number {
		return this.inProgress.length;
	}

	/** Starts a recording that ends `lifePolls` polls from now. */
	start(lifePolls: number): void {
		this.inProgress.push({
			id: this.account.create('recording'),
			endsAtPoll: this.poll + lifePolls,
		});
	}

	/** A whole number in [min, max], from the trickle's own generator. */
	draw(min: number, max: number): number {
		return min + Math.floor(this.random() * (max - min + 1));
	}

	/** Time passes, due recordings end, new ones arrive. Returns how many ended and arrived. */
	step(): { ended: number; created: number } {
		this.poll++;
		this.account.advance(POLL_INTERVAL_MS);
		let ended = 0;
		for (let i = this.inProgress.length - 1; i >= 0; i--) {
			if (this.inProgress[i].endsAtPoll > this.poll) continue;
			this.account.end(this.inProgress[i].id);
			this.inProgress.splice(i, 1);
			ended++;
		}
		const { newPerPoll, inProgressPerPoll, lifePolls } = this.options;
		for (let i = 0; i < newPerPoll - inProgressPerPoll; i++) this.account.create('ended');
		for (let i = 0; i < inProgressPerPoll; i++) this.start(this.draw(...lifePolls));
		this.endedTotal += ended + newPerPoll - inProgressPerPoll;
		return { ended, created: newPerPoll };
	}
}

/** A small deterministic generator: the same world on every run. */
function lcg(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
		return state / 0x100000000;
	};
}
