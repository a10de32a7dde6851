import { startDemoScenario } from './scenario';
import { setup } from './testing';

describe('fake VoIPBIN demo scenario', () => {
	it('seeds a few old recordings and keeps starting new ones that end by themselves', async () => {
		const s = await setup({ clock: 'real' });
		try {
			const started: Array<{ kind: string; seconds: number }> = [];
			const scenario = startDemoScenario(s.fake, s.account.customerId, {
				intervalMs: 20,
				count: 3,
				onRecording: (info) => started.push(info),
			});
			await new Promise((resolve) => setTimeout(resolve, 300));
			scenario.stop();
			expect(started.map((info) => info.kind)).toEqual(['call', 'call', 'conference']);
			for (const { seconds } of started) {
				expect(seconds).toBeGreaterThanOrEqual(10);
				expect(seconds).toBeLessThanOrEqual(40);
			}
			const list = async () => {
				const response = await s.get('/v1.0/recordings');
				return ((await response.json()) as { result: Array<{ status: string }> }).result;
			};
			expect((await list()).map((recording) => recording.status)).toEqual([
				'initiating',
				'initiating',
				'initiating',
				'ended',
				'ended',
				'ended',
			]);
			s.fake.clock.advance(45_000);
			expect((await list()).every((recording) => recording.status === 'ended')).toBe(true);
		} finally {
			await s.fake.close();
		}
	});

	it('goes on starting recordings until stopped, not only the first 30', async () => {
		const s = await setup({ clock: 'real' });
		try {
			let started = 0;
			const scenario = startDemoScenario(s.fake, s.account.customerId, {
				intervalMs: 2,
				onRecording: () => started++,
			});
			const deadline = Date.now() + 10_000;
			while (started < 40 && Date.now() < deadline) {
				await new Promise((resolve) => setTimeout(resolve, 20));
			}
			scenario.stop();
			expect(started).toBeGreaterThanOrEqual(40);
			const stoppedAt = started;
			await new Promise((resolve) => setTimeout(resolve, 50));
			expect(started).toBe(stoppedAt);
		} finally {
			await s.fake.close();
		}
	});
});
