import {
	normalizeRecording,
	recordingDurationSeconds,
} from '../../../../nodes/VoipbinRecording/model/recording';
import { matchesFilters } from '../../../../nodes/VoipbinRecording/model/filters';

const live = {
	id: 'e5f6a7b8-c9d0-1234-5678-90abcdef0123',
	customer_id: '7c4d2f3a-1b8e-4f5c-9a6d-3e2f1a0b4c5d',
	reference_type: 'call',
	reference_id: 'f6a7b8c9-d0e1-2345-6789-0abcdef01234',
	status: 'ended',
	format: 'wav',
	tm_start: '2026-01-15T09:30:00.1234Z',
	tm_end: '2026-01-15T09:31:00Z',
	tm_create: '2026-01-15T09:29:59.999999Z',
	tm_update: '2026-01-15T09:31:00.5Z',
	owner_type: 'agent',
};

describe('normalizeRecording', () => {
	it('keeps the live shape, with times in one ISO form and unset times as null', () => {
		const recording = normalizeRecording(live);
		expect(recording).toEqual({
			...live,
			tm_start: '2026-01-15T09:30:00.123400Z',
			tm_end: '2026-01-15T09:31:00.000000Z',
			tm_create: '2026-01-15T09:29:59.999999Z',
			tm_update: '2026-01-15T09:31:00.500000Z',
			tm_delete: null,
		});
	});

	it("accepts the seed page's legacy shape: `type`, conference, sentinel and empty times", () => {
		const recording = normalizeRecording({
			id: 'a1b2c3d4-e5f6-7890-1234-567890abcdef',
			type: 'conference',
			reference_id: 'b1b2c3d4-e5f6-7890-1234-567890abcdef',
			status: 'recording',
			format: 'wav',
			tm_start: '2026-01-15 09:30:00.000000',
			tm_end: '9999-01-01 00:00:00.000000',
			tm_create: '2026-01-15 09:29:59.000000',
			tm_update: '',
			tm_delete: '9999-01-01 00:00:00.000000',
		});
		expect(recording.reference_type).toBe('confbridge');
		expect(recording).not.toHaveProperty('type');
		expect(recording.tm_start).toBe('2026-01-15T09:30:00.000000Z');
		expect(recording.tm_end).toBeNull();
		expect(recording.tm_update).toBeNull();
		expect(recording.tm_delete).toBeNull();
	});

	it('maps confbridge and unknown reference types', () => {
		expect(normalizeRecording({ ...live, reference_type: 'confbridge' }).reference_type).toBe(
			'confbridge',
		);
		expect(normalizeRecording({ ...live, reference_type: 'fax' }).reference_type).toBeNull();
	});

	it('computes the duration only when both ends are known', () => {
		expect(recordingDurationSeconds(normalizeRecording(live))).toBeCloseTo(59.8766, 4);
		expect(recordingDurationSeconds(normalizeRecording({ ...live, tm_end: '' }))).toBeNull();
	});
});

describe('matchesFilters', () => {
	const recording = normalizeRecording(live);
	it.each([
		[{}, true],
		[{ statuses: ['ended'] }, true],
		[{ statuses: ['recording', 'stopping'] }, false],
		[{ referenceType: 'call' as const }, true],
		[{ referenceType: 'confbridge' as const }, false],
		[{ referenceId: ' F6A7B8C9-D0E1-2345-6789-0ABCDEF01234 ' }, true],
		[{ referenceId: 'a6a7b8c9-d0e1-2345-6789-0abcdef01234' }, false],
		[{ createdAfter: Date.UTC(2026, 0, 15, 9, 29) * 1000 }, true],
		[{ createdAfter: Date.UTC(2026, 0, 15, 9, 30) * 1000 }, false],
		[{ createdBefore: Date.UTC(2026, 0, 15, 9, 30) * 1000 }, true],
		[{ createdBefore: Date.UTC(2026, 0, 15, 9, 29) * 1000 }, false],
		[{ minDurationSeconds: 59 }, true],
		[{ minDurationSeconds: 60 }, false],
	])('%j → %s', (filters, expected) => {
		expect(matchesFilters(recording, filters)).toBe(expected);
	});
});
