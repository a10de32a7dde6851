import { normalizeRecording } from '../../../../nodes/VoipbinRecording/model/recording';
import { formatVoipbinTime } from '../../../../nodes/VoipbinRecording/model/time';
import {
	FIRST_RUN_MAX_PAGES,
	LOOKBACK_MAX_PAGES,
	pickSampleEvent,
	startScan,
} from '../../../../nodes/VoipbinRecording/trigger/decide';
import type {
	TriggerEvent,
	TriggerOptions,
} from '../../../../nodes/VoipbinRecording/trigger/decide';
import {
	MAX_OVERFLOW_GROUPS,
	MAX_PENDING,
	idHash,
} from '../../../../nodes/VoipbinRecording/trigger/state';
import type { TriggerState } from '../../../../nodes/VoipbinRecording/trigger/state';
import { ALL_EVENTS, ENDED_ONLY, FakeServer, runPoll } from './model';
import type { ServerRecording } from './model';

const T0 = 1_764_000_000_000_000;
const SEC = 1_000_000;
const NOW = T0 + 1_000_000 * SEC;

const endedIds = (events: TriggerEvent[]) =>
	events.filter((e) => e.kind === 'ended').map((e) => e.recording.id);
const summary = (events: TriggerEvent[]) =>
	events.map((e) => `${e.kind}:${e.recording.id}:${e.previousStatus}->${e.recording.status}`);

/** Activates on the server as it is (emit nothing) and returns the state. */
function activate(server: FakeServer, options: TriggerOptions = ENDED_ONLY): TriggerState {
	const first = runPoll(server, null, options, NOW);
	expect(first.events).toEqual([]);
	return first.state;
}

/** Polls until the backfill has read to the end of the listing, returning every event. */
function drainBackfill(server: FakeServer, state: TriggerState, options = ENDED_ONLY) {
	const events: TriggerEvent[] = [];
	for (let i = 0; i < 1000 && state.backfill; i++) {
		const result = runPoll(server, state, options, NOW);
		events.push(...result.events);
		state = result.state;
	}
	expect(state.backfill).toBeNull();
	return { events, state };
}

/** Polls until nothing more is left, returning every event in order. */
function drain(
	server: FakeServer,
	state: TriggerState,
	options = ENDED_ONLY,
	maxEvents = Infinity,
) {
	const events: TriggerEvent[] = [];
	for (let i = 0; i < 1000; i++) {
		const result = runPoll(server, state, options, NOW, maxEvents);
		events.push(...result.events);
		state = result.state;
		if (!result.more) return { events, state };
	}
	throw new Error('did not settle');
}

describe('first run', () => {
	it('"emit nothing" sets the cursor, tracks in-progress recordings and fires when they end', () => {
		const server = new FakeServer();
		const done = server.create(T0, 'ended');
		const running = server.create(T0 + SEC, 'recording');
		const state = activate(server);
		expect(state.cursorMicros).toBe(T0 + SEC);
		expect(state.pending.map((p) => p[0])).toEqual([idHash(running.id)]);

		server.setStatus(running, 'ended', T0 + 90 * SEC);
		const later = server.create(T0 + 100 * SEC, 'ended');
		const next = runPoll(server, state, ENDED_ONLY, NOW);
		expect(endedIds(next.events)).toEqual([running.id, later.id]);
		expect(endedIds(next.events)).not.toContain(done.id);
		expect(next.state.pending).toEqual([]);
		expect(next.state.quietThroughMicros).toBeNull();
	});

	it('"emit nothing" reads at most FIRST_RUN_MAX_PAGES pages and announces none of them', () => {
		const server = new FakeServer();
		for (let i = 0; i < 800; i++) server.create(T0 + i * SEC, 'ended');
		const first = runPoll(server, null, ALL_EVENTS, NOW);
		expect(first.requests).toBe(FIRST_RUN_MAX_PAGES);
		expect(first.events).toEqual([]);
		expect(first.warning).toBeNull();
		// The pages below are read one a poll (the backfill), announcing nothing that ended before.
		const next = runPoll(server, first.state, ALL_EVENTS, NOW);
		expect(next.events).toEqual([]);
		expect(next.requests).toBe(2);
		const { events, state } = drainBackfill(server, next.state, ALL_EVENTS);
		expect(events).toEqual([]);
		expect(state.backfill).toBeNull();
		expect(runPoll(server, state, ALL_EVENTS, NOW).requests).toBe(1);
	});

	it('follows recordings in progress deeper than the first pages, and announces those that end after activation', () => {
		const server = new FakeServer();
		const deepRunning = server.create(T0, 'recording');
		const deepEnding = server.create(T0 + SEC, 'recording');
		const deepStarting = server.create(T0 + 2 * SEC, 'initiating');
		server.create(T0 + 3 * SEC, 'ended');
		for (let i = 0; i < 800; i++) server.create(T0 + (10 + i) * SEC, 'ended');
		const first = runPoll(server, null, ALL_EVENTS, NOW);
		expect(first.state.pending).toEqual([]);
		expect(first.state.backfill?.[1]).toBe(NOW);
		// Before the backfill reaches it, one ends and one starts recording.
		server.setStatus(deepEnding, 'ended', NOW + SEC);
		server.setStatus(deepStarting, 'recording', NOW + SEC);
		const { events, state } = drainBackfill(server, first.state, ALL_EVENTS);
		expect(summary(events)).toEqual([
			`statusChange:${deepEnding.id}:null->ended`,
			`ended:${deepEnding.id}:null->ended`,
		]);
		expect(state.pending.map((p) => p[0]).sort()).toEqual(
			[idHash(deepRunning.id), idHash(deepStarting.id)].sort(),
		);
		server.setStatus(deepRunning, 'ended', NOW + 9 * SEC);
		const last = runPoll(server, state, ALL_EVENTS, NOW);
		expect(summary(last.events)).toEqual([
			`statusChange:${deepRunning.id}:recording->ended`,
			`ended:${deepRunning.id}:recording->ended`,
		]);
	});

	it('does not watch a full microsecond from before activation that the backfill passes', () => {
		const server = new FakeServer();
		for (let i = 0; i < 150; i++) server.create(T0, 'ended');
		for (let i = 0; i < 600; i++) server.create(T0 + (10 + i) * SEC, 'ended');
		const first = runPoll(server, null, ENDED_ONLY, NOW);
		const { events, state } = drainBackfill(server, first.state);
		expect(events).toEqual([]);
		expect(state.overflowGroups).toEqual([]);
		expect(runPoll(server, state, ENDED_ONLY, NOW).requests).toBe(1);
	});

	it('"last hours" emits recordings that ended since then and tracks those in progress', () => {
		const server = new FakeServer();
		const old = server.create(NOW - 5 * 3600 * SEC, 'ended');
		const recent = server.create(NOW - 3600 * SEC, 'ended');
		const running = server.create(NOW - 60 * SEC, 'recording');
		const options: TriggerOptions = { ...ENDED_ONLY, firstRun: { mode: 'lastHours', hours: 2 } };
		const first = runPoll(server, null, options, NOW);
		expect(endedIds(first.events)).toEqual([recent.id]);
		expect(endedIds(first.events)).not.toContain(old.id);
		expect(first.state.pending.map((p) => p[0])).toEqual([idHash(running.id)]);
		expect(first.state.quietThroughMicros).toBeNull();
	});

	it('"since date" caps the pages read, warns, and still emits each once under a cap', () => {
		const server = new FakeServer();
		const count = (LOOKBACK_MAX_PAGES + 2) * 100;
		for (let i = 0; i < count; i++) server.create(T0 + i * SEC, 'ended');
		const options: TriggerOptions = {
			...ENDED_ONLY,
			firstRun: { mode: 'sinceDate', sinceMicros: T0 },
		};
		const first = runPoll(server, null, options, NOW, 10);
		expect(first.requests).toBe(LOOKBACK_MAX_PAGES);
		expect(first.warning).toMatch(/newest 50 pages/);
		expect(first.events).toHaveLength(10);
		const rest = drain(server, first.state, options, 2000);
		const all = [...endedIds(first.events), ...endedIds(rest.events)];
		// Each page after the first repeats the item at its boundary: 100 + 49 × 99 recordings.
		expect(all).toHaveLength(100 + (LOOKBACK_MAX_PAGES - 1) * 99);
		const newest = server.recordings.slice(-all.length).map((r) => r.id);
		expect(new Set(all)).toEqual(new Set(newest));
	});
});

describe('equal tm_create', () => {
	it('emits every recording of a group that straddles a page boundary exactly once', () => {
		const server = new FakeServer();
		const state = activate(server);
		const made = [
			...Array.from({ length: 90 }, (_, i) => server.create(T0 + (i + 100) * SEC, 'ended')),
			...Array.from({ length: 40 }, () => server.create(T0 + 50 * SEC, 'ended')),
			...Array.from({ length: 90 }, (_, i) => server.create(T0 + (i + 1) * SEC, 'ended')),
		];
		const first = runPoll(server, state, ENDED_ONLY, NOW);
		expect(new Set(endedIds(first.events))).toEqual(new Set(made.map((r) => r.id)));
		expect(first.events).toHaveLength(made.length);
		expect(runPoll(server, first.state, ENDED_ONLY, NOW).events).toEqual([]);
	});

	it('keeps a cut inside a group of one microsecond exact, also for late arrivals at it', () => {
		const server = new FakeServer();
		let state = activate(server);
		const group = Array.from({ length: 100 }, () => server.create(T0 + 7 * SEC, 'ended'));
		const seen: string[] = [];
		for (let i = 0; i < 3; i++) {
			const result = runPoll(server, state, ENDED_ONLY, NOW, 30);
			seen.push(...endedIds(result.events));
			state = result.state;
		}
		expect(state.cursorMicros).toBe(T0 + 7 * SEC);
		expect(state.cursorIds).toHaveLength(90);
		const rest = drain(server, state);
		seen.push(...endedIds(rest.events));
		expect(new Set(seen)).toEqual(new Set(group.map((r) => r.id)));
		expect(seen).toHaveLength(100);
		// One more at the same microsecond turns up later: it is new, the others are not.
		const late = server.create(T0 + 7 * SEC, 'ended');
		expect(endedIds(runPoll(server, rest.state, ENDED_ONLY, NOW).events)).toEqual([late.id]);
	});

	it('never repeats a group larger than a page (the server can only show 100 of it)', () => {
		const server = new FakeServer();
		let state = activate(server);
		for (let i = 0; i < 150; i++) server.create(T0 + 7 * SEC, 'ended');
		server.create(T0 + 3 * SEC, 'ended');
		const seen: string[] = [];
		for (let i = 0; i < 5; i++) {
			const result = runPoll(server, state, ENDED_ONLY, NOW);
			seen.push(...endedIds(result.events));
			state = result.state;
			expect(state.cursorIds.length).toBeLessThanOrEqual(100);
		}
		expect(new Set(seen).size).toBe(seen.length);
		expect(seen.length).toBeGreaterThanOrEqual(100);
	});
});

describe('more than a page of recordings in one microsecond', () => {
	it('emits hidden ones that become listable after the cursor moved past, once each', () => {
		const server = new FakeServer();
		let state = activate(server);
		const group = Array.from({ length: 150 }, () => server.create(T0 + 7 * SEC, 'ended'));
		const first = runPoll(server, state, ENDED_ONLY, NOW);
		expect(first.events).toHaveLength(100);
		state = first.state;
		// Newer recordings move the cursor past the group's microsecond.
		const newer = server.create(T0 + 9 * SEC, 'ended');
		const second = runPoll(server, state, ENDED_ONLY, NOW);
		expect(endedIds(second.events)).toEqual([newer.id]);
		state = second.state;
		expect(state.cursorMicros).toBe(T0 + 9 * SEC);
		expect(state.overflowGroups.map(([micros]) => micros)).toEqual([T0 + 7 * SEC]);

		// 20 of the listed ones are deleted: 20 hidden ones become listable.
		const emitted = new Set(endedIds(first.events));
		for (const r of group.filter((g) => emitted.has(g.id)).slice(0, 20)) r.deleted = true;
		const third = runPoll(server, state, ENDED_ONLY, NOW);
		expect(third.events).toHaveLength(20);
		for (const id of endedIds(third.events)) expect(emitted.has(id)).toBe(false);
		// One page from the top, one for the watched microsecond.
		expect(third.requests).toBe(2);
		state = third.state;
		expect(runPoll(server, state, ENDED_ONLY, NOW).events).toEqual([]);

		// Once fewer than 100 of it are listed nothing can hide there: the rest come, and the
		// microsecond is no longer watched.
		for (const r of group.slice(-60)) r.deleted = true;
		const { events, state: settled } = drain(server, state);
		const all = [...emitted, ...endedIds(third.events), ...endedIds(events)];
		expect(new Set(all).size).toBe(all.length);
		expect(new Set(all)).toEqual(new Set(group.map((r) => r.id)));
		expect(settled.overflowGroups).toEqual([]);
		expect(runPoll(server, settled, ENDED_ONLY, NOW).requests).toBe(1);
	});

	it(`watches at most ${MAX_OVERFLOW_GROUPS} such microseconds, the newest, and says so`, () => {
		const server = new FakeServer();
		let state = activate(server);
		for (let g = 0; g <= MAX_OVERFLOW_GROUPS; g++) {
			for (let i = 0; i < 100; i++) server.create(T0 + g * SEC, 'ended');
		}
		server.create(T0 + 99 * SEC, 'ended');
		let warning: string | null = null;
		for (let i = 0; i < 3; i++) {
			const result = runPoll(server, state, ENDED_ONLY, NOW);
			warning ??= result.warning;
			state = result.state;
		}
		expect(warning).toMatch(/no longer watched/);
		expect(state.overflowGroups.map(([micros]) => micros)).toEqual(
			Array.from({ length: MAX_OVERFLOW_GROUPS }, (_, i) => T0 + (MAX_OVERFLOW_GROUPS - i) * SEC),
		);
		// One request from the top, one per watched microsecond.
		expect(runPoll(server, state, ENDED_ONLY, NOW).requests).toBe(1 + MAX_OVERFLOW_GROUPS);
	});
});

describe('changes between and during polls', () => {
	it('gives started, status change and ended for initiating → ended between two polls', () => {
		const server = new FakeServer();
		let state = activate(server, ALL_EVENTS);
		const r = server.create(T0 + SEC, 'initiating');
		const first = runPoll(server, state, ALL_EVENTS, NOW);
		expect(summary(first.events)).toEqual([`statusChange:${r.id}:null->initiating`]);
		state = first.state;
		server.setStatus(r, 'ended', T0 + 60 * SEC);
		const second = runPoll(server, state, ALL_EVENTS, NOW);
		expect(summary(second.events)).toEqual([
			`started:${r.id}:initiating->ended`,
			`statusChange:${r.id}:initiating->ended`,
			`ended:${r.id}:initiating->ended`,
		]);
		expect(second.state.pending).toEqual([]);
	});

	it('gives started once, when first seen recording, and reports stopping as not ended', () => {
		const server = new FakeServer();
		let state = activate(server, ALL_EVENTS);
		const r = server.create(T0 + SEC, 'recording');
		const kinds: string[] = [];
		for (const status of ['recording', 'stopping', 'stopping', 'ended']) {
			server.setStatus(r, status, T0 + 9 * SEC);
			const result = runPoll(server, state, ALL_EVENTS, NOW);
			kinds.push(...result.events.map((e) => `${e.kind}:${e.previousStatus}`));
			state = result.state;
		}
		expect(kinds).toEqual([
			'started:null',
			'statusChange:null',
			'statusChange:recording',
			'statusChange:stopping',
			'ended:stopping',
		]);
	});

	it('picks up recordings created while a poll pages through, next time and once', () => {
		const server = new FakeServer();
		const state = activate(server);
		for (let i = 0; i < 250; i++) server.create(T0 + i * SEC, 'ended');
		let calls = 0;
		const during: string[] = [];
		server.beforeRequest = () => {
			if (++calls === 2) during.push(server.create(T0 + 1000 * SEC, 'ended').id);
		};
		const first = runPoll(server, state, ENDED_ONLY, NOW);
		server.beforeRequest = null;
		expect(first.events).toHaveLength(250);
		const second = runPoll(server, first.state, ENDED_ONLY, NOW);
		expect(endedIds(second.events)).toEqual(during);
		expect(runPoll(server, second.state, ENDED_ONLY, NOW).events).toEqual([]);
	});

	it('drops a pending recording deleted while pending, seen through the listing', () => {
		const server = new FakeServer();
		const state = activate(server);
		const r = server.create(T0 + SEC, 'recording');
		server.create(T0, 'ended');
		const first = runPoll(server, state, ENDED_ONLY, NOW);
		expect(first.state.pending).toHaveLength(1);
		r.deleted = true;
		const second = runPoll(server, first.state, ENDED_ONLY, NOW);
		expect(second.events).toEqual([]);
		expect(second.state.pending).toEqual([]);
		expect(second.requests).toBe(1);
	});

	it('drops a pending recording deleted while pending, seen on a page asked for it', () => {
		const server = new FakeServer();
		const r = server.create(T0, 'recording');
		for (let i = 1; i <= 1000; i++) server.create(T0 + i * SEC, 'ended');
		const state = activate(server);
		expect(state.pending).toEqual([]);
		// Out of the first-run window: track it by hand as a deep pending recording.
		state.pending = [[idHash(r.id), T0, 'recording']];
		state.backfill = null;
		const stillThere = runPoll(server, state, ENDED_ONLY, NOW);
		expect(stillThere.requests).toBe(2);
		expect(stillThere.state.pending).toEqual(state.pending);
		r.deleted = true;
		const second = runPoll(server, state, ENDED_ONLY, NOW);
		expect(second.requests).toBe(2);
		expect(second.events).toEqual([]);
		expect(second.state.pending).toEqual([]);
	});

	it('keeps a pending recording unchanged when the page asked for it fails', () => {
		const server = new FakeServer();
		const r = server.create(T0, 'recording');
		for (let i = 1; i <= 1000; i++) server.create(T0 + i * SEC, 'ended');
		const state = activate(server);
		state.pending = [[idHash(r.id), T0, 'recording']];
		state.backfill = null;
		server.setStatus(r, 'ended', T0 + 5000 * SEC);
		const failed = runPoll(server, state, ENDED_ONLY, NOW, Infinity, true);
		expect(failed.events).toEqual([]);
		expect(failed.state.pending).toEqual(state.pending);
		expect(endedIds(runPoll(server, failed.state, ENDED_ONLY, NOW).events)).toEqual([r.id]);
	});

	it('gives the same events again when a failed poll is run again from the old state', () => {
		const server = new FakeServer();
		const state = activate(server, ALL_EVENTS);
		for (let i = 0; i < 30; i++) server.create(T0 + i * SEC, i % 3 ? 'ended' : 'recording');
		const lost = runPoll(server, state, ALL_EVENTS, NOW, 7);
		const again = runPoll(server, state, ALL_EVENTS, NOW, 7);
		expect(summary(again.events)).toEqual(summary(lost.events));
		expect(again.state).toEqual(lost.state);
	});
});

describe('falling back to an earlier saved state', () => {
	it('re-finds what unsaved polls saw, and never re-emits what a saved poll emitted', () => {
		const server = new FakeServer();
		const options: TriggerOptions = { ...ENDED_ONLY, filters: { referenceType: 'confbridge' } };
		let memory = activate(server, options);
		const a = server.create(T0 + 1 * SEC, 'ended', { referenceType: 'confbridge' });
		const emitting = runPoll(server, memory, options, NOW);
		expect(endedIds(emitting.events)).toEqual([a.id]);
		const saved = emitting.state; // n8n saves with the emission
		memory = saved;
		// Polls that emit nothing only change memory: a filtered-out one, one in progress.
		server.create(T0 + 2 * SEC, 'ended', { referenceType: 'call' });
		const b = server.create(T0 + 3 * SEC, 'recording', { referenceType: 'confbridge' });
		const quiet = runPoll(server, memory, options, NOW);
		expect(quiet.events).toEqual([]);
		expect(quiet.state.cursorMicros).toBe(T0 + 3 * SEC);
		server.setStatus(b, 'ended', T0 + 99 * SEC);
		// Restart: memory is lost, the saved state comes back, b is found again, a is not.
		const afterRestart = runPoll(server, saved, options, NOW);
		expect(endedIds(afterRestart.events)).toEqual([b.id]);
		expect(runPoll(server, afterRestart.state, options, NOW).events).toEqual([]);
		// The quiet poll's own successor gives the same event: both paths agree.
		expect(endedIds(runPoll(server, quiet.state, options, NOW).events)).toEqual([b.id]);
	});
});

describe('a listing stopped early by the node', () => {
	it('processes no new recordings, keeps the cursor, says so, and loses nothing', () => {
		const server = new FakeServer();
		const state = activate(server);
		const made = Array.from({ length: 250 }, (_, i) => server.create(T0 + i * SEC, 'ended'));
		const scan = startScan(state, ENDED_ONLY, NOW);
		expect(scan.addListedPage(server.listPage(null), false)).toBe(true);
		expect(scan.nextSeek()).toBeNull();
		const cut = scan.decide({ maxEvents: Infinity });
		expect(cut.events).toEqual([]);
		expect(cut.more).toBe(true);
		expect(cut.warning).toMatch(/stopped before reaching/);
		expect(cut.state).toEqual(state);
		const next = runPoll(server, cut.state, ENDED_ONLY, NOW);
		expect(endedIds(next.events)).toEqual(made.map((r) => r.id));
	});
});

describe('event cap', () => {
	function world() {
		const server = new FakeServer();
		const a = server.create(T0, 'initiating');
		const b = server.create(T0 + SEC, 'recording');
		const state = activate(server, ALL_EVENTS);
		server.setStatus(a, 'ended', T0 + 50 * SEC);
		server.setStatus(b, 'stopping', T0 + 50 * SEC);
		for (let i = 0; i < 6; i++) server.create(T0 + (10 + i) * SEC, i % 2 ? 'ended' : 'recording');
		server.create(T0 + 12 * SEC, 'ended');
		return { server, state };
	}

	it('loses nothing and repeats nothing whatever the cap, at every cut position', () => {
		const full = (() => {
			const { server, state } = world();
			return summary(drain(server, state, ALL_EVENTS).events);
		})();
		expect(full.length).toBeGreaterThan(15);
		for (let cap = 0; cap <= full.length; cap++) {
			const { server, state } = world();
			const first = runPoll(server, state, ALL_EVENTS, NOW, cap);
			expect(first.events.length).toBeLessThanOrEqual(Math.max(cap, 3));
			const rest = drain(server, first.state, ALL_EVENTS);
			expect([...summary(first.events), ...summary(rest.events)]).toEqual(full);
		}
	});

	it('gives, for a smaller cap on the same scan, a prefix of the events and its own state', () => {
		const { server, state } = world();
		const scan = startScan(state, ALL_EVENTS, NOW);
		const pages = [...server.listPage(null)];
		expect(scan.addListedPage(pages, true)).toBe(false);
		expect(scan.nextSeek()).toBeNull();
		const all = scan.decide({ maxEvents: Infinity });
		for (let k = 0; k <= all.events.length; k++) {
			const part = scan.decide({ maxEvents: k });
			expect(all.events.slice(0, part.events.length)).toEqual(part.events);
			const direct = runPoll(server, state, ALL_EVENTS, NOW, k);
			expect(part.state).toEqual(direct.state);
		}
		expect(scan.decide({ maxEvents: Infinity })).toEqual(all);
	});
});

describe('filters', () => {
	it('filter emission only, and do not track in-progress recordings they exclude', () => {
		const server = new FakeServer();
		const state = activate(server);
		const options: TriggerOptions = {
			...ENDED_ONLY,
			filters: { referenceType: 'confbridge', minDurationSeconds: 30 },
		};
		const short = server.create(T0 + 1 * SEC, 'ended', { referenceType: 'confbridge' });
		short.endMicros = T0 + 10 * SEC;
		const long = server.create(T0 + 2 * SEC, 'ended', { referenceType: 'confbridge' });
		server.create(T0 + 3 * SEC, 'ended', { referenceType: 'call' });
		server.create(T0 + 4 * SEC, 'recording', { referenceType: 'call' });
		const conf = server.create(T0 + 5 * SEC, 'recording', { referenceType: 'confbridge' });
		const result = runPoll(server, state, options, NOW);
		expect(endedIds(result.events)).toEqual([long.id]);
		expect(result.state.cursorMicros).toBe(T0 + 5 * SEC);
		expect(result.state.pending.map((p) => p[0])).toEqual([idHash(conf.id)]);
	});

	it('match the reference id case-insensitively', () => {
		const server = new FakeServer();
		const state = activate(server);
		const mine = server.create(T0 + SEC, 'ended', { referenceId: 'ABC' });
		server.create(T0 + 2 * SEC, 'ended', { referenceId: 'other' });
		const options: TriggerOptions = { ...ENDED_ONLY, filters: { referenceId: ' abc ' } };
		expect(endedIds(runPoll(server, state, options, NOW).events)).toEqual([mine.id]);
	});
});

describe('pending overflow', () => {
	it('stops the cursor before the recording that does not fit, and loses none', () => {
		const server = new FakeServer();
		let state = activate(server);
		const running = Array.from({ length: MAX_PENDING + 10 }, (_, i) =>
			server.create(T0 + i * SEC, 'recording'),
		);
		const first = runPoll(server, state, ENDED_ONLY, NOW);
		expect(first.state.pending).toHaveLength(MAX_PENDING);
		expect(first.state.cursorMicros).toBe(T0 + (MAX_PENDING - 1) * SEC);
		expect(first.more).toBe(true);
		expect(first.warning).toContain(`More than ${MAX_PENDING} recordings are in progress`);
		state = first.state;
		for (const r of running) server.setStatus(r, 'ended', T0 + 9999 * SEC);
		const { events } = drain(server, state);
		expect(new Set(endedIds(events))).toEqual(new Set(running.map((r) => r.id)));
		expect(events).toHaveLength(running.length);
	});
});

describe('re-checking pending recordings', () => {
	function deepWorld(pendingCount: number, depth: number) {
		const server = new FakeServer();
		const running = Array.from({ length: pendingCount }, (_, i) =>
			server.create(T0 + i * SEC, 'recording'),
		);
		const state = activate(server);
		for (let i = 0; i < depth; i++) server.create(T0 + (1000 + i) * SEC, 'ended');
		const primed = runPoll(server, state, ENDED_ONLY, NOW);
		return { server, running, state: primed.state };
	}

	it('asks one page from just above the newest unsettled one, which settles those below it', () => {
		const { server, running, state } = deepWorld(5, 250);
		server.setStatus(running[0], 'ended', NOW);
		const result = runPoll(server, state, ENDED_ONLY, NOW);
		// 1 page for new ones, then one page starting at the newest pending shows all five.
		expect(result.requests).toBe(2);
		expect(endedIds(result.events)).toEqual([running[0].id]);
		expect(result.state.pending).toHaveLength(4);
	});

	it('asks one page per pending recording when they lie more than a page apart', () => {
		const server = new FakeServer();
		const running: ServerRecording[] = [];
		const state = activate(server);
		for (let block = 0; block < 3; block++) {
			running.push(server.create(T0 + block * 1000 * SEC, 'recording'));
			for (let i = 1; i <= 300; i++) server.create(T0 + (block * 1000 + i) * SEC, 'ended');
		}
		const primed = runPoll(server, state, ENDED_ONLY, NOW);
		for (const r of running) server.setStatus(r, 'ended', NOW);
		const result = runPoll(server, primed.state, ENDED_ONLY, NOW);
		expect(result.requests).toBe(1 + 3);
		expect(new Set(endedIds(result.events))).toEqual(new Set(running.map((r) => r.id)));
		expect(result.state.pending).toEqual([]);
	});

	it('never asks more pages than paging down to the oldest pending one would', () => {
		// 300 pending recordings, one every other listed recording: paging down costs 7 pages,
		// while there are 300 to settle.
		const server = new FakeServer();
		const state = activate(server);
		const running: ServerRecording[] = [];
		for (let i = 0; i < 600; i++) {
			const r = server.create(T0 + i * SEC, i % 2 ? 'ended' : 'recording');
			if (i % 2 === 0) running.push(r);
		}
		const primed = runPoll(server, state, ENDED_ONLY, NOW);
		expect(primed.state.pending).toHaveLength(300);
		for (const r of running.filter((_, i) => i % 7 === 0)) server.setStatus(r, 'ended', NOW);
		const result = runPoll(server, primed.state, ENDED_ONLY, NOW);
		expect(result.requests).toBeLessThanOrEqual(7);
		expect(endedIds(result.events)).toHaveLength(running.filter((_, i) => i % 7 === 0).length);
	});
});

describe('pickSampleEvent', () => {
	const make = (id: string, created: number, status: string, type = 'call') =>
		normalizeRecording({
			id,
			status,
			reference_type: type,
			tm_create: formatVoipbinTime(created),
			tm_start: formatVoipbinTime(created),
			tm_end: status === 'ended' ? formatVoipbinTime(created + 60 * SEC) : '',
		});

	it('returns the newest ended recording that passes the filters, or null', () => {
		const list = [
			make('a', T0 + 3 * SEC, 'recording'),
			make('b', T0 + 2 * SEC, 'ended', 'conference'),
			make('c', T0 + 1 * SEC, 'ended'),
		];
		expect(pickSampleEvent(list, { filters: {} })?.id).toBe('b');
		expect(pickSampleEvent(list, { filters: { referenceType: 'call' } })?.id).toBe('c');
		expect(pickSampleEvent(list, { filters: { minDurationSeconds: 61 } })).toBeNull();
	});
});
