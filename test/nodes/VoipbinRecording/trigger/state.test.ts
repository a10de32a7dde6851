import type { IDataObject } from 'n8n-workflow';

import {
	MAX_AUDIO_WAITS,
	MAX_CURSOR_IDS,
	MAX_PENDING,
	MAX_RANK,
	MAX_STATE_BYTES,
	MAX_STATUS_LENGTH,
	STATE_KEY,
	STATE_VERSION,
	readState,
	writeState,
} from '../../../../nodes/VoipbinRecording/trigger/state';
import type { TriggerState } from '../../../../nodes/VoipbinRecording/trigger/state';

const LATEST = Number.MAX_SAFE_INTEGER; // the longest number a field can hold
const id = (n: number) => `ffffffff-ffff-4fff-bfff-${n.toString(16).padStart(12, 'f')}`;

function worstCase(): TriggerState {
	return {
		version: STATE_VERSION,
		cursorMicros: LATEST,
		cursorIds: Array.from({ length: MAX_CURSOR_IDS }, (_, i) => id(i)),
		quietThroughMicros: LATEST,
		pending: Array.from({ length: MAX_PENDING }, (_, i) => [
			id(1000 + i),
			LATEST,
			'x'.repeat(MAX_STATUS_LENGTH),
			MAX_RANK,
		]),
		audioWaits: Array.from({ length: MAX_AUDIO_WAITS }, () => ['zzzzzzz', LATEST]),
	};
}

describe('trigger state', () => {
	it('stays under 16 KB at every bound at once', () => {
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
		['another version', { ...worstCase(), version: 2 }],
		['a string', 'garbage'],
		['a fractional cursor', { ...worstCase(), cursorMicros: 1.5 }],
		['too many cursor ids', { ...worstCase(), cursorIds: [...worstCase().cursorIds, id(9)] }],
		['an over-long id', { ...worstCase(), cursorIds: [`${id(1)}-more`] }],
		['a bad pending entry', { ...worstCase(), pending: [[id(1), 5, 'recording']] }],
		['a negative rank', { ...worstCase(), pending: [[id(1), 5, 'recording', -1]] }],
		[
			'too many pending',
			{ ...worstCase(), pending: [...worstCase().pending, worstCase().pending[0]] },
		],
		['a quiet time that is not a number', { ...worstCase(), quietThroughMicros: 'soon' }],
		['an audio wait without its time', { ...worstCase(), audioWaits: [['abc']] }],
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
			audioWaits: [],
		};
		expect(readState({ [STATE_KEY]: state } as unknown as IDataObject)).toEqual(state);
	});
});
