/** Paging through GET /recordings as the real server pages (keyset on tm_create), via the fake. */
import type { IExecuteFunctions } from 'n8n-workflow';

import { VoipbinRecording } from '../../../../nodes/VoipbinRecording/VoipbinRecording.node';
import { VoipbinRecordingTrigger } from '../../../../nodes/VoipbinRecording/VoipbinRecordingTrigger.node';
import { formatVoipbinTime } from '../../../../nodes/VoipbinRecording/model/time';
import {
	RecordingPager,
	listAllRecordings,
	listRecordingPages,
} from '../../../../nodes/VoipbinRecording/transport/pagination';
import { startFakeVoipbin } from '../../../fake-voipbin';
import type { FakeVoipbin } from '../../../fake-voipbin';
import { PollHarness, accessKeyCredential, executeContext, runNode } from '../../../helpers/n8n';

let fake: FakeVoipbin;
const T = Date.UTC(2026, 0, 15, 9, 0, 0) * 1000;

beforeAll(async () => {
	fake = await startFakeVoipbin({ clock: 'manual', startTime: Date.UTC(2026, 0, 16) });
	fake.faults.set({ rateLimit: 'off' });
});
afterAll(async () => await fake.close());

function account(): { ctx: IExecuteFunctions; customerId: string } {
	const { customerId, accessKey } = fake.createAccount();
	const ctx = executeContext(
		new VoipbinRecording(),
		{ operation: 'getMany' },
		{
			credential: accessKeyCredential(fake.baseUrl, accessKey),
		},
	);
	return { ctx, customerId };
}

async function all(ctx: IExecuteFunctions): Promise<string[]> {
	const ids: string[] = [];
	for await (const recording of listAllRecordings(ctx)) ids.push(recording.id);
	return ids;
}

describe('listRecordingPages', () => {
	it('reads every page, newest first, and stops on the short last page', async () => {
		const { ctx, customerId } = account();
		const seeded = fake.seedRecordings(customerId, 250, { startMicros: T, stepMicros: 1000 });
		fake.resetRequests();
		expect(await all(ctx)).toEqual(seeded.map((r) => r.id).reverse());
		expect(fake.requests).toHaveLength(3);
	});

	it('stops on an empty page when the count is a multiple of the page size', async () => {
		const { ctx, customerId } = account();
		fake.seedRecordings(customerId, 200, { startMicros: T, stepMicros: 1000 });
		fake.resetRequests();
		expect(await all(ctx)).toHaveLength(200);
		expect(fake.requests).toHaveLength(3);
	});

	it('finds recordings that share a tm_create across a page boundary (the server alone skips them)', async () => {
		const { ctx, customerId } = account();
		fake.seedRecordings(customerId, 60, { startMicros: T, stepMicros: 1000 });
		const group = fake.seedRecordings(customerId, 80, { tmCreate: T + 100e6 });
		fake.seedRecordings(customerId, 60, { startMicros: T + 200e6, stepMicros: 1000 });
		const ids = await all(ctx);
		expect(ids).toHaveLength(200);
		expect(new Set(ids).size).toBe(200);
		expect(group.every((r) => ids.includes(r.id))).toBe(true);
	});

	it('does not loop forever on a page made entirely of one timestamp', async () => {
		const { ctx, customerId } = account();
		fake.seedRecordings(customerId, 30, { startMicros: T, stepMicros: 1000 });
		fake.seedRecordings(customerId, 150, { tmCreate: T + 100e6 });
		fake.resetRequests();
		const ids = await all(ctx);
		// One page of the 150 is all any client can see of one microsecond; older ones still come.
		expect(ids).toHaveLength(130);
		expect(new Set(ids).size).toBe(130);
		// The page of one timestamp, then the 30 older ones: no request repeated.
		expect(fake.requests).toHaveLength(2);
	});

	it('is not shifted by recordings created while it pages (they appear on a fresh first page)', async () => {
		const { ctx, customerId } = account();
		const seeded = fake.seedRecordings(customerId, 300, { startMicros: T, stepMicros: 1000 });
		fake.faults.set({ createDuringListing: { count: 7, everyNthListRequest: 2 } });
		try {
			const ids = await all(ctx);
			expect(ids).toEqual(seeded.map((r) => r.id).reverse());
		} finally {
			fake.faults.set({ createDuringListing: null });
		}
		expect((await all(ctx)).length).toBeGreaterThan(300);
	});

	it('marks the last page', async () => {
		const { ctx, customerId } = account();
		fake.seedRecordings(customerId, 120, { startMicros: T, stepMicros: 1000 });
		const pages: Array<[number, boolean]> = [];
		for await (const page of listRecordingPages(ctx))
			pages.push([page.recordings.length, page.isLast]);
		expect(pages).toEqual([
			[100, false],
			[20, true],
		]);
	});

	it('normalizes legacy records on the way', async () => {
		const { ctx, customerId } = account();
		fake.createRecording(customerId, { legacy: true, status: 'recording', legacyUnset: 'empty' });
		for await (const recording of listAllRecordings(ctx)) {
			expect(recording.reference_type).toBe('call');
			expect(recording.tm_end).toBeNull();
			expect(recording).not.toHaveProperty('type');
		}
	});
});

describe('a listing that does not move on', () => {
	afterEach(() => fake.faults.set({ ignorePageToken: false }));

	it('ends Get Many with a clear error when the server ignores page_token', async () => {
		const { customerId, accessKey } = fake.createAccount();
		fake.seedRecordings(customerId, 150, { startMicros: T, stepMicros: 1000 });
		fake.faults.set({ ignorePageToken: true });
		fake.resetRequests();
		// Without the check the first page came back again and again: 1000 items, 100 distinct.
		const getMany = runNode(
			new VoipbinRecording(),
			{ operation: 'getMany', returnAll: false, limit: 1000 },
			{ credential: accessKeyCredential(fake.baseUrl, accessKey) },
		);
		await expect(getMany).rejects.toThrow(
			"VoIPBIN's recording list did not move on to the next page",
		);
		await expect(getMany).rejects.toMatchObject({
			description: expect.stringMatching(/ignore page_token/),
		});
		expect(fake.requests).toHaveLength(2);
	});

	it("ends the trigger's poll the same way (it pages with the same pager)", async () => {
		const { customerId, accessKey } = fake.createAccount();
		// Ended in the last hour of real time: the first run's look-back must read past page one.
		const now = Date.now() * 1000;
		fake.seedRecordings(customerId, 150, {
			startMicros: now - 3600e6,
			stepMicros: 1e6,
			status: 'ended',
		});
		fake.faults.set({ ignorePageToken: true });
		fake.resetRequests();
		const harness = new PollHarness(
			new VoipbinRecordingTrigger(),
			{ event: 'recordingEnded', onFirstRun: 'lastHours', firstRunHours: 2 },
			accessKeyCredential(fake.baseUrl, accessKey),
		);
		await expect(harness.poll()).rejects.toThrow(/did not move on/);
		expect(fake.requests).toHaveLength(2);
	});
});

describe('RecordingPager progress checks', () => {
	const at = (id: string, micros: number) => ({ id, tm_create: formatVoipbinTime(micros) });
	const page = (from: number, count: number, prefix = 'r') =>
		Array.from({ length: count }, (_, i) => at(`${prefix}${from - i}`, T + (from - i) * 1000));

	it('accepts pages that move on', () => {
		const pager = new RecordingPager(3);
		expect(pager.accept(page(9, 3)).recordings).toHaveLength(3);
		expect(pager.accept(page(6, 3)).recordings).toHaveLength(3);
		expect(pager.accept(page(3, 1)).isLast).toBe(true);
		const ending = new RecordingPager(3);
		ending.accept(page(9, 3));
		expect(ending.accept([])).toEqual({ recordings: [], isLast: true });
		expect(ending.done).toBe(true);
	});

	it('refuses a page holding a recording at or after the time it asked to be older than', () => {
		const pager = new RecordingPager(3);
		const first = page(9, 3);
		pager.accept(first);
		expect(pager.accept(first)).toEqual({
			recordings: [],
			isLast: true,
			stalled: expect.stringMatching(/created before .*, VoIPBIN listed r9 /),
		});
		expect(pager.done).toBe(true);
	});

	it('refuses a full page of recordings already listed', () => {
		const pager = new RecordingPager(2);
		// Two at one time end the first page; the next (asked 1 µs later) must bring something new.
		pager.accept([at('a', T + 5000), at('b', T + 4000)]);
		expect(pager.accept([at('b', T + 4000), at('b', T + 4000)]).stalled).toMatch(
			/held only recordings already listed/,
		);
	});

	it('refuses the same server token twice when times cannot be read', () => {
		const pager = new RecordingPager(2);
		const undated = [{ id: 'x' }, { id: 'y' }];
		pager.accept(undated, 'tok-1');
		expect(pager.accept([{ id: 'z' }, { id: 'w' }], 'tok-1').stalled).toMatch(/twice in a row/);
	});
});
