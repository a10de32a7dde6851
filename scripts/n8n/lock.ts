/**
 * A lock between processes on one machine: a directory `<dir>.lock` holding the owner's pid,
 * taken over when its owner is gone. Two `npm test` runs share one n8n cache this way.
 */
import fs from 'node:fs';
import path from 'node:path';

import { isAlive, sleep } from './processes';

export async function withLock<T>(
	dir: string,
	log: (message: string) => void,
	fn: () => Promise<T>,
	{ waitMs = 30 * 60_000 } = {},
): Promise<T> {
	const lockDir = `${dir}.lock`;
	fs.mkdirSync(path.dirname(lockDir), { recursive: true });
	const started = Date.now();
	let told = false;
	for (;;) {
		try {
			fs.mkdirSync(lockDir);
			fs.writeFileSync(path.join(lockDir, 'pid'), String(process.pid));
			break;
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
			const pid = Number(
				fs.readFileSync(path.join(lockDir, 'pid'), { encoding: 'utf8', flag: 'a+' }),
			);
			const age = Date.now() - fs.statSync(lockDir).mtimeMs;
			if ((pid && !isAlive(pid)) || (!pid && age > 60_000)) {
				fs.rmSync(lockDir, { recursive: true, force: true });
				continue;
			}
			if (!told) {
				log(`Another process (pid ${pid}) is installing n8n into ${dir}; waiting for it…`);
				told = true;
			}
			if (Date.now() - started > waitMs) throw new Error(`Timed out waiting for ${lockDir}`);
			await sleep(2000);
		}
	}
	try {
		return await fn();
	} finally {
		fs.rmSync(lockDir, { recursive: true, force: true });
	}
}
