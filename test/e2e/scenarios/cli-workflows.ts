/**
 * Scenario: the two manual example workflows, imported with n8n's CLI and run with `n8n execute`
 * (before the server starts): record a call → wait for the end → download (the WAV is checked),
 * and archive-and-delete old recordings.
 */
import fs from 'node:fs';
import path from 'node:path';

import { n8nId } from '../../../scripts/n8n/instance';
import {
	archiveInto,
	executionError,
	loadExample,
	nodeNamed,
	nodeOutput,
	useCredential,
} from '../../../scripts/n8n/workflows';
import type { Account, Deployment, E2eContext } from '../deployment';
import { checkWav } from '../wav';

/** Imports a credential for a new fake account with the CLI (n8n is not running yet). */
export async function importAccountWithCli(ctx: E2eContext, d: Deployment): Promise<Account> {
	const { customerId, accessKey } = await ctx.fake.control<{
		customerId: string;
		accessKey: string;
	}>('/accounts', {});
	const credential = { id: n8nId(), name: 'VoIPBIN (fake server)' };
	const data = { baseUrl: ctx.fake.baseUrl, authentication: 'accessKey', accessKey };
	await d.n8n.importCredentials([{ ...credential, type: 'voipbinApi', data }]);
	ctx.checks.check('credential imports with the n8n CLI', true);
	return { customerId, accessKey, credential, data };
}

/** Returns the id of the recording the action workflow made (the trigger scenario expects it). */
export async function cliWorkflows(
	ctx: E2eContext,
	d: Deployment,
	account: Account,
): Promise<string | undefined> {
	const { checks, fake } = ctx;
	const call = await fake.control<{ id: string }>('/calls', { customerId: account.customerId });

	const action = useCredential(loadExample('record-call-and-download.json'), account.credential);
	nodeNamed(action, 'Start Recording').parameters.callId = call.id;
	nodeNamed(action, 'Start Recording').parameters.startOptions = { format: 'wav', duration: 2 };
	nodeNamed(action, 'Wait for End').parameters.waitOptions = {
		maxWaitSeconds: 60,
		pollIntervalSeconds: 1,
	};

	const cleanup = useCredential(loadExample('cleanup-old-recordings.json'), account.credential);
	const archiveDir = path.join(d.n8n.filesDir, 'voipbin-archive');
	archiveInto(cleanup, archiveDir);
	const [actionId, cleanupId] = await d.n8n.importWorkflows([action, cleanup]);
	checks.check('example workflows import with the n8n CLI', true);

	// ---- start → wait for end → download
	ctx.say('running "record a call and download" with n8n execute…');
	let recordingId: string | undefined;
	try {
		const run = await d.n8n.executeWorkflow(actionId);
		const error = executionError(run);
		checks.check(
			'action workflow runs without error',
			!error && run.status === 'success',
			error ?? run.status,
		);
		recordingId = nodeOutput(run, 'Start Recording')[0]?.json?.id as string | undefined;
		checks.check(
			'Start returns the recording (json.id)',
			typeof recordingId === 'string' && recordingId.length > 0,
			String(recordingId),
		);
		const waited = nodeOutput(run, 'Wait for End');
		checks.check(
			'Wait for End returns the ended recording',
			waited[0]?.json?.id === recordingId && waited[0]?.json?.status === 'ended',
			JSON.stringify({ id: waited[0]?.json?.id, status: waited[0]?.json?.status }),
		);
		const downloaded = nodeOutput(run, 'Download Recording');
		const binary = downloaded[0]?.binary?.data;
		checks.check(
			'Download outputs one item with binary "data" (audio/wav)',
			downloaded.length === 1 && /^audio\/(x-)?wav/.test(binary?.mimeType ?? ''),
			`${downloaded.length} item(s), ${binary?.mimeType} ${binary?.fileName}`,
		);
		if (binary?.id && recordingId) {
			const file = d.n8n.binaryDataPath(binary.id);
			const bytes = fs.existsSync(file) ? fs.readFileSync(file) : undefined;
			await checkWav(checks, 'action download', bytes, fake, recordingId);
		}
	} catch (error) {
		if (/Unrecognized (node|credential) type/.test((error as Error).message)) {
			checks.check('n8n loads the package (dist/)', false, (error as Error).message.slice(0, 500));
			throw error;
		}
		checks.check('action workflow runs', false, (error as Error).message);
	}

	// ---- Get Many (ended, older than 30 days) → Download → Save to Disk → Delete
	const old = await fake.control<{ recordings: Array<{ id: string }> }>('/recordings/seed', {
		customerId: account.customerId,
		count: 2,
		status: 'ended',
		durationSeconds: 2,
		referenceType: 'call',
		startMicros: (Date.now() - 40 * 86_400_000) * 1000,
		stepMicros: 60_000_000,
	});
	const oldIds = old.recordings.map((r) => r.id);
	ctx.say('running "archive and delete old recordings" with n8n execute…');
	try {
		const run = await d.n8n.executeWorkflow(cleanupId);
		const error = executionError(run);
		checks.check(
			'clean-up workflow runs without error',
			!error && run.status === 'success',
			error ?? run.status,
		);
		const listed = nodeOutput(run, 'Get Old Recordings').map((i) => i.json.id as string);
		checks.check(
			'Get Many lists exactly the ended recordings older than 30 days',
			listed.length === oldIds.length && oldIds.every((id) => listed.includes(id)),
			`listed ${listed.length}, seeded ${oldIds.length}`,
		);
		const saved = oldIds.map((id) => path.join(archiveDir, `recording-${id}.zip`));
		checks.check(
			'each old recording is saved to disk as a ZIP',
			saved.every((f) => fs.existsSync(f) && fs.readFileSync(f).subarray(0, 2).toString() === 'PK'),
			saved.map((f) => path.basename(f)).join(', '),
		);
		const after = await Promise.all(
			oldIds.map((id) => fake.control<{ tm_delete?: string }>(`/recordings/${id}`)),
		);
		checks.check(
			'each old recording is deleted on VoIPBIN afterwards',
			after.every((r) => r.tm_delete && !String(r.tm_delete).startsWith('9999')),
			after.map((r) => r.tm_delete).join(', '),
		);
	} catch (error) {
		checks.check('clean-up workflow runs', false, (error as Error).message);
	}
	return recordingId;
}
