import {
	buildTranscript,
	sentenceStartSeconds,
} from '../../../../nodes/VoipbinRecording/model/transcript';

describe('sentenceStartSeconds', () => {
	it.each([
		['0001-01-01T00:01:04.44116Z', 64.44116],
		['0001-01-01T00:00:00Z', 0],
		['0001-01-01 00:00:03.500000', 3.5],
		['0001-01-02T00:00:01Z', 86_401],
		['0001-01-01T01:00:00.000000001Z', 3600.000000001],
	])('reads tm_transcript %p as an offset from 0001-01-01 (%p s)', (value, seconds) => {
		expect(sentenceStartSeconds({ tm_transcript: value })).toBeCloseTo(seconds, 9);
	});

	it('reads offset_ms as a number, a numeric string or a time', () => {
		expect(sentenceStartSeconds({ offset_ms: 1500 })).toBe(1.5);
		expect(sentenceStartSeconds({ offset_ms: '2500' })).toBe(2.5);
		expect(sentenceStartSeconds({ offset_ms: '0001-01-01T00:00:04Z' })).toBe(4);
	});

	it('gives null for what it cannot read', () => {
		expect(sentenceStartSeconds({})).toBeNull();
		expect(sentenceStartSeconds({ tm_transcript: 'soon' })).toBeNull();
		expect(sentenceStartSeconds({ tm_transcript: null })).toBeNull();
	});
});

describe('buildTranscript', () => {
	const transcribe = { id: 't1', reference_id: 'r1', language: 'en-US', status: 'done' };
	const sentence = (id: string, direction: string, at: string | undefined, message: string) => ({
		id,
		direction,
		message,
		...(at === undefined ? {} : { tm_transcript: `0001-01-01T00:00:${at}Z` }),
	});

	it('puts the newest-first answer in conversation order; ties in before out; unknown starts last', () => {
		// As the server answers: newest (last created) first.
		const output = buildTranscript(
			transcribe,
			[
				sentence('5', 'both', undefined, 'Trailing words'),
				sentence('4', 'out', '05', ' Fine. '),
				sentence('3', 'in', '05', 'Same time.'),
				sentence('2', 'out', '02.5', 'Hi.'),
				sentence('1', 'in', '01', 'Hello.'),
			],
			{ in: 'Caller', out: 'Callee' },
		);
		expect(output.segments).toEqual([
			{ direction: 'in', speaker: 'Caller', startSeconds: 1, text: 'Hello.' },
			{ direction: 'out', speaker: 'Callee', startSeconds: 2.5, text: 'Hi.' },
			{ direction: 'in', speaker: 'Caller', startSeconds: 5, text: 'Same time.' },
			{ direction: 'out', speaker: 'Callee', startSeconds: 5, text: 'Fine.' },
			{ direction: 'both', speaker: 'both', startSeconds: null, text: 'Trailing words' },
		]);
		expect(output.text).toBe(
			'Caller: Hello.\nCallee: Hi.\nCaller: Same time.\nCallee: Fine.\nboth: Trailing words',
		);
		expect(output).toMatchObject({
			recordingId: 'r1',
			transcribeId: 't1',
			language: 'en-US',
			truncated: false,
			warnings: [],
			transcribe,
		});
	});

	it('flags a full window of 100 as possibly cut at the start', () => {
		const full = Array.from({ length: 100 }, (_, i) =>
			sentence(String(i), 'in', String(10 + (99 - i) / 10), `S${i}.`),
		);
		const output = buildTranscript(transcribe, full, { in: 'in', out: 'out' });
		expect(output.truncated).toBe(true);
		expect(output.warnings).toEqual([
			'VoIPBIN returns only the newest 100 sentences of a transcript, so the start of this conversation may be missing (the text here begins 10 s in).',
		]);
		expect(buildTranscript(transcribe, full.slice(1), { in: 'in', out: 'out' }).truncated).toBe(
			false,
		);
	});
});
