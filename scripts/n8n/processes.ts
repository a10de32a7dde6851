/**
 * Child processes for the demo and the end-to-end run: long-running ones in their own process
 * group (so n8n's task runner or npm's children go with them), one-shot commands with their
 * output, free ports. Every group started here is ended when this process exits, so an
 * interrupted install or test leaves no npm or n8n behind.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const liveGroups = new Set<number>();
process.on('exit', () => {
	for (const pid of liveGroups) killGroup(pid, 'SIGTERM');
});

/** Sends a signal to a whole process group (or to the process alone when it leads none). */
export function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
	if (!pid) return;
	try {
		process.kill(-pid, signal);
	} catch {
		try {
			process.kill(pid, signal);
		} catch {
			// already gone
		}
	}
}

export function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}

export interface ExitInfo {
	code: number | null;
	signal: NodeJS.Signals | null;
}

export interface ProcessGroup {
	child: ChildProcess;
	exited: Promise<ExitInfo>;
	/** SIGTERM to the group, SIGKILL after `graceMs`. */
	stop(options?: { graceMs?: number }): Promise<void>;
	/** SIGKILL to the group at once (a crash, as far as the program can tell). */
	kill(): Promise<void>;
}

/** Starts a long-running command in its own process group, ended when this process exits. */
export function spawnGroup(cmd: string, args: string[], options: SpawnOptions = {}): ProcessGroup {
	const child = spawn(cmd, args, { ...options, detached: true });
	const pid = child.pid;
	if (pid) liveGroups.add(pid);
	const exited = new Promise<ExitInfo>((resolve) =>
		child.on('exit', (code, signal) => {
			if (pid) liveGroups.delete(pid);
			resolve({ code, signal });
		}),
	);
	const kill = async () => {
		killGroup(pid, 'SIGKILL');
		await Promise.race([exited, sleep(5_000)]);
	};
	const stop = async ({ graceMs = 5_000 } = {}) => {
		killGroup(pid, 'SIGTERM');
		if (!(await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]))) {
			await kill();
		}
		// Children may outlive their parent for a moment: clear the group.
		killGroup(pid, 'SIGKILL');
	};
	return { child, exited, stop, kill };
}

export interface RunResult extends ExitInfo {
	stdout: string;
	stderr: string;
}

export interface RunOptions {
	cwd?: string;
	env?: NodeJS.ProcessEnv;
	/** Output is also appended to this file. */
	logFile?: string;
	/** Killed (and rejected) after this long; 0 = no limit. */
	timeoutMs?: number;
	input?: string;
}

/** Runs a command to its end and resolves its exit and output. */
export function run(
	cmd: string,
	args: string[],
	{ cwd, env, logFile, timeoutMs = 0, input }: RunOptions = {},
): Promise<RunResult> {
	return new Promise((resolve, reject) => {
		const child = spawn(cmd, args, {
			cwd,
			env: env ?? process.env,
			stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
			detached: true,
		});
		const pid = child.pid;
		if (pid) liveGroups.add(pid);
		const log = logFile ? fs.createWriteStream(logFile, { flags: 'a' }) : undefined;
		let stdout = '';
		let stderr = '';
		child.stdout!.on('data', (d: Buffer) => {
			stdout += d;
			log?.write(d);
		});
		child.stderr!.on('data', (d: Buffer) => {
			stderr += d;
			log?.write(d);
		});
		if (input !== undefined) child.stdin!.end(input);
		let timedOut = false;
		const timer =
			timeoutMs > 0
				? setTimeout(() => {
						timedOut = true;
						killGroup(pid, 'SIGKILL');
					}, timeoutMs)
				: undefined;
		child.on('error', (error) => {
			clearTimeout(timer);
			log?.end();
			reject(error);
		});
		child.on('close', (code, signal) => {
			if (pid) liveGroups.delete(pid);
			clearTimeout(timer);
			log?.end();
			if (timedOut) {
				const error = new Error(
					`${path.basename(cmd)} ${args.slice(0, 2).join(' ')} timed out after ${Math.round(timeoutMs / 1000)} s`,
				);
				reject(Object.assign(error, { stdout, stderr }));
				return;
			}
			resolve({ code, signal, stdout, stderr });
		});
	});
}

const handedOut = new Set<number>();

/**
 * A free TCP port on 127.0.0.1 (asks the kernel, then releases it), never one this process
 * handed out before: n8n processes started together each take several.
 */
export async function freePort(): Promise<number> {
	for (;;) {
		const port = await new Promise<number>((resolve, reject) => {
			const server = net.createServer();
			server.unref();
			server.on('error', reject);
			server.listen(0, '127.0.0.1', () => {
				const { port } = server.address() as net.AddressInfo;
				server.close(() => resolve(port));
			});
		});
		if (!handedOut.has(port)) {
			handedOut.add(port);
			return port;
		}
	}
}

/** Whether something accepts TCP connections at host:port (within `timeoutMs`). */
export function canConnect(host: string, port: number, timeoutMs = 2_000): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = net.connect({ host, port });
		const done = (ok: boolean) => {
			socket.destroy();
			resolve(ok);
		};
		socket.setTimeout(timeoutMs, () => done(false));
		socket.once('connect', () => done(true));
		socket.once('error', () => done(false));
	});
}

/** The last lines of a text. */
export function tail(text: unknown, lines = 30): string {
	return String(text ?? '')
		.trimEnd()
		.split('\n')
		.slice(-lines)
		.join('\n');
}

/** Resident memory of a live process in MB (Linux /proc: `VmRSS` now, or `VmHWM`, its peak). */
export function rssMb(
	pid: number | undefined,
	field: 'VmRSS' | 'VmHWM' = 'VmRSS',
): number | undefined {
	if (!pid) return undefined;
	try {
		const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
		const kb = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1];
		return kb ? Math.round(Number(kb) / 1024) : undefined;
	} catch {
		return undefined;
	}
}
