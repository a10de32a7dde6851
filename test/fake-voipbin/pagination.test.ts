import { formatVoipbinTime, parseVoipbinTime } from '../../nodes/VoipbinRecording/model/time';

import { setup, specErrors, START, type Setup } from './testing';

interface Page {
	result: Array<Record<string, string>>;
	next_page_token: string;
}

describe('fake VoIPBIN pagination', () => {
	let s: Setup;
	beforeEach(async () => {
		s = await setup();
		s.fake.faults.set({ rateLimit: 'off' });
	});
	afterEach(() => s.fake.close());

	async function page(query: Record<string, string>): Promise<Page> {
		const response = await s.get('/v1.0/recordings', { query });
		expect(response.status).toBe(200);
		const body = (await response.json()) as Page;
		expect(specErrors('CommonPagination', body)).toBe('');
		for (const item of body.result) expect(specErrors('CallManagerRecording', item)).toBe('');
		return body;
	}

	async function listAll(pageSize: number): Promise<string[]> {
		const ids: string[] = [];
		let token = '';
		for (;;) {
			const { result, next_page_token } = await page({
				page_size: String(pageSize),
				page_token: token,
			});
			ids.push(...result.map((item) => item.id));
			if (result.length < pageSize) return ids;
			token = next_page_token;
		}
	}

	it('pages newest first with the last tm_create as a six-digit token, strictly older', async () => {
		const seeded = s.fake.seedRecordings(s.account.customerId, 5, {
			startMicros: START * 1000 - 10_000_000,
			stepMicros: 1_000_500,
		});
		const first = await page({ page_size: '2' });
		expect(first.result.map((r) => r.id)).toEqual([seeded[4].id, seeded[3].id]);
		expect(first.next_page_token).toBe(formatVoipbinTime(seeded[3].tmCreate));
		expect(first.next_page_token).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
		const second = await page({ page_size: '2', page_token: first.next_page_token });
		expect(second.result.map((r) => r.id)).toEqual([seeded[2].id, seeded[1].id]);
		// The last page still carries a token; the page after it is empty with "".
		const third = await page({ page_size: '2', page_token: second.next_page_token });
		expect(third.result.map((r) => r.id)).toEqual([seeded[0].id]);
		expect(third.next_page_token).toBe(formatVoipbinTime(seeded[0].tmCreate));
		const empty = await page({ page_size: '2', page_token: third.next_page_token });
		expect(empty).toEqual({ result: [], next_page_token: '' });
	});

	it('caps page_size at 100 and treats 0 as 100', async () => {
		s.fake.seedRecordings(s.account.customerId, 130);
		expect((await page({})).result).toHaveLength(100);
		expect((await page({ page_size: '0' })).result).toHaveLength(100);
		expect((await page({ page_size: '500' })).result).toHaveLength(100);
		expect((await page({ page_size: '7' })).result).toHaveLength(7);
		expect(await listAll(100)).toHaveLength(130);
	});

	it('rejects a bad page_token or page_size', async () => {
		const queries: Array<Record<string, string>> = [
			{ page_token: 'yesterday' },
			{ page_size: 'ten' },
			{ page_size: '-1' },
		];
		for (const query of queries) {
			const response = await s.get('/v1.0/recordings', { query });
			expect(response.status).toBe(400);
			const body = (await response.json()) as { error: { reason: string } };
			expect(body.error.reason).toBe('INVALID_REQUEST_PARAMETER');
		}
	});

	it('accepts tokens with any number of fractional digits, or the older space form', async () => {
		const seeded = s.fake.seedRecordings(s.account.customerId, 3, { stepMicros: 1_000_000 });
		const token = formatVoipbinTime(seeded[2].tmCreate);
		const ids = (await page({ page_token: token })).result.map((r) => r.id);
		expect(ids).toEqual([seeded[1].id, seeded[0].id]);
		const short = token.replace('.000000Z', 'Z');
		expect((await page({ page_token: short })).result.map((r) => r.id)).toEqual(ids);
		const spaced = token.replace('T', ' ').replace('Z', '');
		expect((await page({ page_token: spaced })).result.map((r) => r.id)).toEqual(ids);
	});

	it('skips recordings that share a tm_create across a page boundary, as the real server does', async () => {
		const older = s.fake.seedRecordings(s.account.customerId, 2, {
			startMicros: START * 1000 - 60e6,
		});
		const same = s.fake.seedRecordings(s.account.customerId, 3, { tmCreate: START * 1000 - 1e6 });
		const first = await page({ page_size: '2' });
		expect(same.map((r) => r.id)).toEqual(expect.arrayContaining(first.result.map((r) => r.id)));
		const second = await page({ page_size: '2', page_token: first.next_page_token });
		// The third recording of that instant is on neither page.
		expect(second.result.map((r) => r.id)).toEqual([older[1].id, older[0].id]);
		// The documented workaround: the token moved 1 µs later, repeats dropped by id.
		const later = formatVoipbinTime((parseVoipbinTime(first.next_page_token) as number) + 1);
		const retry = await page({ page_size: '4', page_token: later });
		const missed = retry.result
			.map((r) => r.id)
			.filter((id) => !first.result.some((r) => r.id === id));
		const third = same.find((r) => !first.result.some((item) => item.id === r.id));
		expect(missed).toEqual([third?.id, older[1].id]);
	});

	it('leaves deleted recordings out inside the query, so pages stay full', async () => {
		const seeded = s.fake.seedRecordings(s.account.customerId, 6);
		s.fake.deleteRecording(seeded[5].id);
		s.fake.deleteRecording(seeded[3].id);
		const first = await page({ page_size: '3' });
		expect(first.result.map((r) => r.id)).toEqual([seeded[4].id, seeded[2].id, seeded[1].id]);
	});

	it('does not shift later pages when recordings are created while a client pages', async () => {
		const seeded = s.fake.seedRecordings(s.account.customerId, 10);
		s.fake.faults.set({ createDuringListing: { count: 2, everyNthListRequest: 2 } });
		const ids = await listAll(3);
		expect(ids).toEqual(seeded.map((r) => r.id).reverse());
		// The new ones appear only on a fresh first page.
		const fresh = await page({ page_size: '100' });
		expect(fresh.result).toHaveLength(10 + 4);
		expect(fresh.result.slice(4).map((r) => r.id)).toEqual(ids);
	});

	it('lists only the caller’s own recordings', async () => {
		const other = s.fake.createAccount();
		s.fake.seedRecordings(other.customerId, 3);
		const mine = s.fake.seedRecordings(s.account.customerId, 2);
		expect((await page({})).result.map((r) => r.id)).toEqual([mine[1].id, mine[0].id]);
	});
});
