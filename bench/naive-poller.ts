/**
 * What peer integrations do to notice ended recordings: list every page on every poll
 * (`page_size=100`, following `next_page_token` to an empty or short page) and compare each
 * recording's status with the one seen last time, in memory.
 */
export class NaivePoller {
	private statuses: Map<string, string> | undefined;

	constructor(
		private readonly baseUrl: string,
		private readonly accessKey: string,
	) {}

	/** One poll: the recordings that turned `ended` since the last one (none on the first). */
	async poll(): Promise<{ ended: string[]; requests: number }> {
		const seen = new Map<string, string>();
		let requests = 0;
		let token = '';
		for (;;) {
			const query = new URLSearchParams({ page_size: '100', accesskey: this.accessKey });
			if (token) query.set('page_token', token);
			const response = await fetch(`${this.baseUrl}/v1.0/recordings?${query}`);
			requests++;
			if (!response.ok) throw new Error(`GET /recordings answered ${response.status}`);
			const body = (await response.json()) as {
				result?: Array<{ id: string; status: string }>;
				next_page_token?: string;
			};
			const page = body.result ?? [];
			for (const recording of page) seen.set(recording.id, recording.status);
			if (page.length < 100 || !body.next_page_token) break;
			token = body.next_page_token;
		}
		const before = this.statuses;
		const ended = before
			? [...seen]
					.filter(([id, status]) => status === 'ended' && before.get(id) !== 'ended')
					.map(([id]) => id)
			: [];
		this.statuses = seen;
		return { ended, requests };
	}
}
