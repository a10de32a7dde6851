/** Paging through GET /recordings as the real server pages (keyset on tm_create), via the fake. */
import type { IExecuteFunctions } from 'n8n-workflow';

import { VoipbinRecording } from '../../../../nodes/VoipbinRecording/VoipbinRecording.node';
import {
	listAllRecordings,
	listRecordingPages,
} from '../../../../nodes/VoipbinRecording/transport/pagination';
import { startFakeVoipbin } from '../../../fake-voipbin';
import type { FakeVoipbin } from '../../../fake-voipbin';
import { accessKeyCredential, executeContext } from '../../../helpers/n8n';

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
