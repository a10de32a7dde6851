/**
 * Runs the AI Agent check (ai-agent.mjs) alone: the fake VoIPBIN in this process, a fresh real
 * n8n with this package (from dist/: build first), the check, then everything stopped.
 * `npx tsx test/e2e/scenarios/ai-agent.dev.ts [--keep]` (--keep: leave the n8n folder).
 */
import { rmSync } from 'node:fs';

import { startFakeVoipbin } from '../../fake-voipbin';
// eslint-disable-next-line @typescript-eslint/ban-ts-comment
// @ts-ignore -- plain JavaScript modules without type declarations
import { ensureN8n, n8nId, N8nInstance } from '../../../scripts/n8n-runtime.mjs';
// eslint-disable-next-line @typescript-eslint/ban-ts-comment
// @ts-ignore -- plain JavaScript module without type declarations
import { checkAiAgentTool } from './ai-agent.mjs';

async function main(): Promise<void> {
	const log = (message: string) => console.log(`▸ ${message}`);
	const fake = await startFakeVoipbin({ filesDelayMs: 500 });
	const account = fake.createAccount();
	const runtime = await ensureN8n({ log });
	const n8n = await N8nInstance.create({ runtime, log });
	try {
		const voipbinCredential = { id: n8nId(), name: 'VoIPBIN (fake)' };
		await n8n.importCredentials([
			{
				...voipbinCredential,
				type: 'voipbinApi',
				data: { baseUrl: fake.baseUrl, authentication: 'accessKey', accessKey: account.accessKey },
			},
		]);
		await n8n.start();
		const result = await checkAiAgentTool({
			n8n,
			fakeBaseUrl: fake.baseUrl,
			voipbinCredential,
			customerId: account.customerId,
			log,
		});
		console.log(`AI Agent check passed: ${JSON.stringify(result)}`);
	} finally {
		await n8n.stop();
		if (process.argv.includes('--keep')) console.log(`kept ${n8n.userFolder}`);
		else rmSync(n8n.userFolder, { recursive: true, force: true });
		await fake.close();
	}
}

main().catch((error: unknown) => {
	console.error(error);
	process.exitCode = 1;
});
