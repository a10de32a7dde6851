/**
 * What the end-to-end run found: each check printed as it is made (`  ok  ` / `  FAIL`), each
 * scenario's figures, where its screenshots are, and the closing line `e2e: N passed, M failed`
 * that `npm test` reads.
 */
export interface Figures {
	scenario: string;
	recordings: number;
	executions: number;
	missed: number;
	duplicated: number;
	restarts: number;
	seconds: number;
	note?: string;
}

export class Checks {
	private readonly results: Array<{ name: string; ok: boolean }> = [];
	readonly figures: Figures[] = [];
	/** Where the run left things to look at afterwards (printed just before the closing line). */
	readonly artifacts: string[] = [];

	check(name: string, ok: unknown, detail: unknown = ''): boolean {
		this.results.push({ name, ok: !!ok });
		let text = String(detail);
		if (text.length > 2500) text = `…${text.slice(-2500)}`;
		console.log(`${ok ? '  ok  ' : '  FAIL'} ${name}${text ? ` — ${text}` : ''}`);
		return !!ok;
	}

	get failed(): number {
		return this.results.filter((r) => !r.ok).length;
	}

	/** Prints the figures table, the failed checks, and the closing line; returns the failures. */
	summary(): number {
		if (this.figures.length) {
			console.log('\nScenario figures:');
			const head = [
				'scenario',
				'recordings',
				'executions',
				'missed',
				'duplicated',
				'restarts',
				'seconds',
			];
			const rows = this.figures.map((f) => [
				f.scenario,
				f.recordings,
				f.executions,
				f.missed,
				f.duplicated,
				f.restarts,
				f.seconds,
			]);
			const widths = head.map((h, c) =>
				Math.max(h.length, ...rows.map((r) => String(r[c]).length)),
			);
			const line = (row: Array<string | number>) =>
				row
					.map((cell, c) =>
						c === 0 ? String(cell).padEnd(widths[c]) : String(cell).padStart(widths[c]),
					)
					.join('  ');
			console.log(`  ${line(head)}`);
			for (const row of rows) console.log(`  ${line(row)}`);
			for (const f of this.figures.filter((x) => x.note)) console.log(`  ${f.scenario}: ${f.note}`);
		}
		const failed = this.failed;
		if (failed) {
			console.log('\nFailed:');
			for (const r of this.results.filter((x) => !x.ok)) console.log(`  - ${r.name}`);
		}
		if (this.artifacts.length) console.log('');
		for (const line of this.artifacts) console.log(line);
		console.log(`e2e: ${this.results.length - failed} passed, ${failed} failed`);
		return failed;
	}
}
