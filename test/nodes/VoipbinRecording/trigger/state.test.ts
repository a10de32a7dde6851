import type { IDataObject } from 'n8n-workflow';

import {
	MAX_AUDIO_WAITS,
	MAX_CURSOR_IDS,
	MAX_OVERFLOW_GROUPS,
	MAX_PENDING,
	MAX_STATE_BYTES,
	MAX_STATUS_LENGTH,
	STATE_KEY,
	STATE_VERSION,
	PAGE_SIZE,
	decodePending,
	encodePending,
	idHash,
	readState,
	writeState,
} from '../../../../nodes/VoipbinRecording/trigger/state';
import type {
	PendingRecording,
	TriggerState,
} from '../../../../nodes/VoipbinRecording/trigger/state';

const LATEST = Number.MAX_SAFE_INTEGER; // the longest number a field can hold
const id = (n: number) => `ffffffff-ffff-4fff-bfff-${n.toString(16).padStart(12, 'f')}`;

function worstCase(): TriggerState {
	return {
		version: STATE_VERSION,
		cursorMicros: LATEST,
		cursorIds: Array.from({ length: MAX_CURSOR_IDS }, (_, i) => id(i)),
		quietThroughMicros: LATEST,
		// Times spread evenly up to the latest: the longest steps (stored base 36) there can be.
		pending: Array.from({ length: MAX_PENDING }, (_, i) => [
			'zzzz',
			(i + 1) * Math.floor(LATEST / MAX_PENDING),
			'x'.repeat(MAX_STATUS_LENGTH),
		]),
		overflowGroups: Array.from({ length: MAX_OVERFLOW_GROUPS }, (_, i) => [
			LATEST - i,
			Array.from({ length: PAGE_SIZE }, () => 'zzzz'),
		]),
		audioWaits: Array.from({ length: MAX_AUDIO_WAITS }, () => ['zzzz', LATEST]),
		backfill: [LATEST, LATEST],
	};
}

/** The worst case as it is stored (pending packed). */
function stored(): IDataObject {
	const staticData: IDataObject = {};
	writeState(staticData, worstCase());
	return staticData[STATE_KEY] as IDataObject;
}

/** A state as version 1 of the node wrote it. */
function v1(): IDataObject {
	return {
		version: 1,
		cursorMicros: 7,
		cursorIds: [id(1)],
		quietThroughMicros: null,
		pending: [[id(2), 5, 'recording', 12]],
	};
}

describe('trigger state', () => {
	it('stays under 128 KB at every bound at once', () => {
		const staticData: IDataObject = {};
		writeState(staticData, worstCase());
		const bytes = Buffer.byteLength(JSON.stringify(staticData));
		expect(bytes).toBeLessThanOrEqual(MAX_STATE_BYTES);
		expect(readState(staticData)).toEqual(worstCase());
	});

	it('writes a copy with one assignment', () => {
		const staticData: IDataObject = { other: 1 };
		const state = worstCase();
		writeState(staticData, state);
		state.pending.length = 0;
		expect(Object.keys(staticData)).toEqual(['other', STATE_KEY]);
		expect(readState(staticData)?.pending).toHaveLength(MAX_PENDING);
	});

	it.each<[string, unknown]>([
		['nothing stored', undefined],
		['another version', { ...stored(), version: 3 }],
		['a string', 'garbage'],
		['a fractional cursor', { ...stored(), cursorMicros: 1.5 }],
		['too many cursor ids', { ...stored(), cursorIds: [...worstCase().cursorIds, id(9)] }],
		['an over-long id', { ...stored(), cursorIds: [`${id(1)}-more`] }],
		['a bad pending entry', { ...stored(), pending: '5.abc' }],
		['pending not packed', { ...stored(), pending: [['abc', 5, 'recording']] }],
		[
			'a version 1 pending entry with a negative time',
			{ ...v1(), pending: [[id(1), -5, 'recording', 0]] },
		],
		[
			'too many pending',
			{ ...stored(), pending: encodePending([...worstCase().pending, ['a', 1, 'recording']]) },
		],
		['a quiet time that is not a number', { ...stored(), quietThroughMicros: 'soon' }],
		['an audio wait without its time', { ...stored(), audioWaits: [['abc']] }],
		['a backfill without its activation time', { ...stored(), backfill: [5] }],
		[
			'an overflow group of more than a page',
			{ ...stored(), overflowGroups: [[5, Array(101).fill('a')]] },
		],
	])('reads %s as no state (a first run)', (_, stored) => {
		expect(readState({ [STATE_KEY]: stored } as IDataObject)).toBeNull();
	});

	it('accepts the empty-account cursor -1 and no quiet time', () => {
		const state: TriggerState = {
			version: STATE_VERSION,
			cursorMicros: -1,
			cursorIds: [],
			quietThroughMicros: null,
			pending: [],
			overflowGroups: [],
			audioWaits: [],
			backfill: null,
		};
		const staticData: IDataObject = {};
		writeState(staticData, state);
		expect(readState(staticData)).toEqual(state);
	});

	it('packs pending recordings in a few bytes each and reads them back', () => {
		const start = 1_764_000_000_000_000;
		const pending = Array.from(
			{ length: 1000 },
			(_, i): PendingRecording => [
				idHash(id(i)),
				start + i * 3_600_000,
				['initiating', 'recording', 'stopping', 'held'][i % 4],
			],
		);
		const text = encodePending(pending);
		expect(decodePending(text)).toEqual(pending);
		// 1,000 in progress over an hour: Δ 3.6 s = 5 base-36 digits, hash ≤ 4, status code 1.
		expect(text.length / 1000).toBeLessThan(15);
	});

	it('reads a version 1 state, keeping its cursor and what was pending', () => {
		const read = readState({ [STATE_KEY]: v1() } as unknown as IDataObject);
		expect(read).toEqual({
			version: STATE_VERSION,
			cursorMicros: 7,
			cursorIds: [id(1)],
			quietThroughMicros: null,
			pending: [[idHash(id(2)), 5, 'recording']],
			overflowGroups: [],
			audioWaits: [],
			backfill: null,
		});
	});
});
