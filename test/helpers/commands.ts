import { execFileSync } from 'node:child_process';

/**
 * Whether a system command runs here (e.g. `zip`, `unzip`, `python3`): tests that cross-check
 * against one are skipped, not failed, on a machine without it.
 */
export function commandWorks(command: string, args: string[]): boolean {
	try {
		execFileSync(command, args, { stdio: 'ignore' });
		return true;
	} catch {
		return false;
	}
}
