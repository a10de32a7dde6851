import { performance } from 'node:perf_hooks';

/**
 * The fake's notion of "now". Everything time-based in the VoIPBIN model (recording lifecycle,
 * file readiness, token and signed-URL expiry) reads it, so tests can run hours in milliseconds.
 * The real clock keeps microsecond resolution so live recordings get distinct `tm_create`s.
 */
export interface FakeClock {
	/** Milliseconds since the epoch (may carry a fraction). */
	now(): number;
	advance(ms: number): void;
	set(ms: number): void;
	/** Whole microseconds since the epoch. */
	nowMicros(): number;
}

export function createClock(mode: 'real' | 'manual', startTime?: number): FakeClock {
	const realMicros = () => Math.floor((performance.timeOrigin + performance.now()) * 1000);
	// The real clock can still be moved: the offset shifts it, which lets real-time users skip ahead.
	let offsetMicros = 0;
	let manualMicros = Math.round((startTime ?? Date.now()) * 1000);
	const nowMicros = () => (mode === 'manual' ? manualMicros : realMicros() + offsetMicros);
	return {
		nowMicros,
		now: () => nowMicros() / 1000,
		advance(ms: number) {
			if (!Number.isFinite(ms) || ms < 0) throw new Error(`Cannot advance the clock by ${ms} ms`);
			if (mode === 'manual') manualMicros += Math.round(ms * 1000);
			else offsetMicros += Math.round(ms * 1000);
		},
		set(ms: number) {
			if (!Number.isFinite(ms)) throw new Error(`Cannot set the clock to ${ms}`);
			if (mode === 'manual') manualMicros = Math.round(ms * 1000);
			else offsetMicros = Math.round(ms * 1000) - realMicros();
		},
	};
}
