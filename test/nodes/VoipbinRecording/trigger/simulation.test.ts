import type { IDataObject } from 'n8n-workflow';

import { isEnded } from '../../../../nodes/VoipbinRecording/model/recording';
import { passesFilters } from '../../../../nodes/VoipbinRecording/trigger/decide';
import type {
	TriggerEvent,
	TriggerOptions,
} from '../../../../nodes/VoipbinRecording/trigger/decide';
import { writeState } from '../../../../nodes/VoipbinRecording/trigger/state';
import type { TriggerState } from '../../../../nodes/VoipbinRecording/trigger/state';
import { seeded } from '../../../helpers/random';
import { ALL_EVENTS, ENDED_ONLY, FakeServer, runPoll, watchedTimes } from './model';
import type { ServerRecording } from './model';

/**
 * A seeded random world: recordings are created (alone, in bursts of several pages, sometimes
 * sharing a microsecond), move through their statuses at different speeds, some are deleted while
 * in progress, and the world changes while a poll pages through. The trigger polls with random
 * event caps; polls fail (their result is thrown away) and n8n restarts (the state falls back to
 * the last saved one: in classic mode the last emitting poll's, in durable mode the last
 * successful poll's). At the end every recording that ended after activation must have given
 * exactly one ended event.
 */
interface World {
	seed: number;
	ticks: number;
	options: TriggerOptions;
	/** Recordings sharing one tm_create. */
	ties: boolean;
	/** Durable mode saves every successful poll; classic only emitting ones. */
	durable: boolean;
	/** Check requests per poll against the promised bound (needs no ties: pages stay 100/99). */
	checkBound: boolean;
}

const T0 = 1_764_000_000_000_000;
const NEXT: Record<string, string> = {
	initiating: 'recording',
	recording: 'stopping',
	stopping: 'ended',
};
const CAPS = [1, 5, 20, 100, Infinity];
const endedIds = (events: TriggerEvent[]) =>
	events.filter((e) => e.kind === 'ended').map((e) => e.recording.id);
const PAGE = 100;

function pagesFor(items: number): number {
	// The first page brings 100, each later one 99 fresh (the iterator repeats the boundary item).
	return items <= PAGE ? 1 : 1 + Math.ceil((items - PAGE) / (PAGE - 1));
}

function simulate(world: World) {
	const rng = seeded(world.seed);
	const server = new FakeServer();
	const slow = new Set<string>();
	/** Visible recordings not yet ended. */
	let running: ServerRecording[] = [];
	let last = T0;
	const pick = <T>(list: readonly T[]) => list[Math.floor(rng() * list.length)];

	const create = (maxInProgress: number) => {
		last += world.ties && rng() < 0.2 ? 0 : 1 + Math.floor(rng() * 5_000_000);
		const status =
			running.length >= maxInProgress ? 'ended' : pick(['initiating', 'initiating', 'recording']);
		const r = server.create(last, status, { referenceType: rng() < 0.5 ? 'call' : 'confbridge' });
		r.startMicros = last;
		if (status === 'ended') r.endMicros = last + Math.floor(rng() * 60_000_000);
		if (rng() < 0.1) slow.add(r.id);
		if (status !== 'ended') running.push(r);
	};
	const step = () => {
		for (const r of running) {
			const speed = slow.has(r.id) ? 0.02 : 0.4;
			if (rng() < 0.004) r.deleted = true;
			else if (rng() < speed * 0.2) setStatus(r, 'ended');
			else if (rng() < speed) setStatus(r, NEXT[r.status]);
		}
		running = running.filter((r) => !r.deleted && !isEnded(r));
	};
	const setStatus = (r: ServerRecording, status: string) => {
		last += 1 + Math.floor(rng() * 1000);
		server.setStatus(r, status, last);
	};

	for (let i = 0; i < 150; i++) create(40);
	step();
	const maxInProgress = world.checkBound ? 90 : 160;
	const endedAtActivation = new Set(
		server
			.visible()
			.filter(isEnded)
			.map((r) => r.id),
	);
	let memory = runPoll(server, null, world.options, last).state;
	let saved: TriggerState | null = world.durable ? memory : null;

	const emitted: TriggerEvent[] = [];
	const endedCount = new Map<string, number>();
	let maxRequests = 0;
	let pollRequests = 0;
	server.beforeRequest = () => {
		// Change the world while a poll pages (not before its first page: that one sees it all).
		if (pollRequests++ > 0 && rng() < 0.3) {
			create(maxInProgress);
			step();
		}
	};

	const poll = (maxEvents: number) => {
		let bound = Infinity;
		if (world.checkBound) {
			const visible = server.visible();
			const isNew = (r: ServerRecording) =>
				r.createdMicros > memory.cursorMicros ||
				(r.createdMicros === memory.cursorMicros && !memory.cursorIds.includes(r.id));
			const fresh = visible.filter(isNew).length;
			const watched = watchedTimes(memory);
			let pendingPart = 0;
			if (watched.length) {
				const oldest = Math.min(...watched);
				const above = visible.filter((r) => r.createdMicros >= oldest).length;
				pendingPart = Math.min(pagesFor(above), watched.length);
			}
			bound = pendingPart + (fresh ? pagesFor(fresh) : 0) + 1;
		}
		pollRequests = 0;
		const result = runPoll(server, memory, world.options, last, maxEvents);
		maxRequests = Math.max(maxRequests, result.requests);
		expect(result.requests).toBeLessThanOrEqual(bound);
		return result;
	};

	const accept = (events: TriggerEvent[]) => {
		for (const event of events) {
			emitted.push(event);
			if (event.kind !== 'ended') continue;
			const n = (endedCount.get(event.recording.id) ?? 0) + 1;
			endedCount.set(event.recording.id, n);
			if (n > 1) throw new Error(`ended twice: ${event.recording.id} (seed ${world.seed})`);
		}
	};

	let polls = 0;
	for (let tick = 0; tick < world.ticks; tick++) {
		const burst = rng() < 0.03 ? 100 + Math.floor(rng() * 250) : Math.floor(rng() * 8);
		for (let i = 0; i < burst; i++) create(maxInProgress);
		step();
		const result = poll(pick(CAPS));
		polls++;
		if (rng() < 0.08) continue; // the poll failed after deciding: nothing is kept
		accept(result.events);
		memory = result.state;
		if (world.durable || result.events.length) saved = memory;
		if (saved && rng() < 0.03) memory = saved; // restart
	}

	// Let everything end, then poll until settled.
	server.beforeRequest = null;
	for (const r of running) setStatus(r, 'ended');
	for (let quiet = 0; quiet < 3; polls++) {
		const result = poll(Infinity);
		accept(result.events);
		memory = result.state;
		quiet = result.events.length || result.more ? 0 : quiet + 1;
	}
	return { server, emitted, endedCount, endedAtActivation, maxRequests, polls };
}

function expectExactlyOnce(world: World) {
	const { server, emitted, endedCount, endedAtActivation, polls } = simulate(world);
	const expected = server
		.visible()
		.filter((r) => !endedAtActivation.has(r.id))
		.map((r) => server.get(r.id))
		.filter((r) => r !== 'gone' && passesFilters(r, world.options.filters))
		.map((r) => (r as { id: string }).id)
		.sort();
	if (world.options.events.includes('ended')) {
		expect([...endedCount.keys()].sort()).toEqual(expected);
	}
	expect(server.recordings.length).toBeGreaterThan(1000);
	expect(polls).toBeGreaterThanOrEqual(world.ticks);
	return { emitted, expected };
}

describe('random worlds: every ended recording exactly once', () => {
	it.each([1, 2])('ended events, ties, classic mode (seed %i)', (seed) => {
		expectExactlyOnce({
			seed,
			ticks: 150,
			options: ENDED_ONLY,
			ties: true,
			durable: false,
			checkBound: false,
		});
	});

	it.each([4])('all event kinds, ties, durable mode (seed %i)', (seed) => {
		const { emitted, expected } = expectExactlyOnce({
			seed,
			ticks: 150,
			options: ALL_EVENTS,
			ties: true,
			durable: true,
			checkBound: false,
		});
		// Started once each; status changes chain from null (first sight) to ended.
		const byId = new Map<string, TriggerEvent[]>();
		for (const e of emitted) byId.set(e.recording.id, [...(byId.get(e.recording.id) ?? []), e]);
		for (const id of expected) {
			const events = byId.get(id) ?? [];
			expect(events.filter((e) => e.kind === 'started').length).toBeLessThanOrEqual(1);
			const changes = events.filter((e) => e.kind === 'statusChange');
			expect(changes.at(-1)?.recording.status).toBe('ended');
			for (let i = 1; i < changes.length; i++) {
				expect(changes[i].previousStatus).toBe(changes[i - 1].recording.status);
			}
		}
	});

	it('filters, classic mode', () => {
		const { emitted } = expectExactlyOnce({
			seed: 6,
			ticks: 150,
			options: {
				...ENDED_ONLY,
				filters: { referenceType: 'confbridge', minDurationSeconds: 30 },
			},
			ties: true,
			durable: false,
			checkBound: false,
		});
		expect(emitted.length).toBeGreaterThan(100);
		expect(emitted.every((e) => e.recording.reference_type === 'confbridge')).toBe(true);
	});
});

describe('random worlds: requests per poll', () => {
	it.each([7, 8])(
		'stay within min(pages to the oldest pending, pending) + pages of new + 1 (seed %i)',
		(seed) => {
			const { maxRequests } = simulate({
				seed,
				ticks: 150,
				options: ENDED_ONLY,
				ties: false,
				durable: seed % 2 === 0,
				checkBound: true,
			});
			expect(maxRequests).toBeGreaterThan(2);
		},
	);
});

describe('a contact center: 1,000 recordings in progress at once', () => {
	it('emits each ended recording in the first poll after it ends, within the request bound', () => {
		const rng = seeded(11);
		const server = new FakeServer();
		let now = T0;
		const create = (status: string) => server.create((now += 1 + Math.floor(rng() * 2e6)), status);
		for (let i = 0; i < 5000; i++) create('ended');
		let state = runPoll(server, null, ENDED_ONLY, now).state;
		const live: ServerRecording[] = [];
		let maxPending = 0;
		let maxBytes = 0;
		for (let poll = 0; poll < 60; poll++) {
			const endedNow: string[] = [];
			if (poll >= 17) {
				// Steady: 40 of those in progress end, 40 start, 10 short ones come and go.
				for (let i = 0; i < 40; i++) {
					const [r] = live.splice(Math.floor(rng() * live.length), 1);
					server.setStatus(r, 'ended', (now += 1000));
					endedNow.push(r.id);
				}
			}
			const starting = poll < 17 ? 60 : 40;
			for (let i = 0; i < starting; i++) live.push(create('recording'));
			for (let i = 0; i < (poll < 17 ? 20 : 10); i++) endedNow.push(create('ended').id);

			const visible = server.visible();
			const fresh = visible.filter((r) => r.createdMicros > state.cursorMicros).length;
			const watched = watchedTimes(state);
			const above = visible.filter((r) => r.createdMicros >= Math.min(...watched)).length;
			const bound =
				pagesFor(fresh) + 1 + (watched.length ? Math.min(pagesFor(above), watched.length) : 0);

			const result = runPoll(server, state, ENDED_ONLY, now);
			expect(result.requests).toBeLessThanOrEqual(bound);
			// Every recording that ended since the last poll, in this poll: none waits longer.
			expect(endedIds(result.events).sort()).toEqual(endedNow.sort());
			expect(result.more).toBe(false);
			state = result.state;
			const stored: IDataObject = {};
			writeState(stored, state);
			maxBytes = Math.max(maxBytes, Buffer.byteLength(JSON.stringify(stored)));
			maxPending = Math.max(maxPending, state.pending.length);
		}
		expect(maxPending).toBeGreaterThanOrEqual(1000);
		expect(state.pending).toHaveLength(live.length);
		// A few bytes per recording in progress (the whole state, cursor ids included).
		expect(maxBytes / maxPending).toBeLessThan(20);
		for (const r of live) server.setStatus(r, 'ended', (now += 1000));
		const last = runPoll(server, state, ENDED_ONLY, now);
		expect(endedIds(last.events).sort()).toEqual(live.map((r) => r.id).sort());
		expect(last.state.pending).toEqual([]);
	});
});
