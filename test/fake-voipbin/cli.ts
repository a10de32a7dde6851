/**
 * `npm run fake-voipbin -- [--port 8180] [--storage-port 8181] [--access-key demo-access-key]
 * [--username demo@voipbin.test] [--password demo-password] [--scenario demo] [--files-delay-ms 2000]
 * [--transcribe-ms 1000] [--transcribe-timeout-ms 60000] [--log]`: runs the fake VoIPBIN until SIGINT/SIGTERM. The last banner line is
 * `fake-voipbin ready {json}` for scripts that start it.
 */
import { parseArgs } from 'node:util';

import { startFakeVoipbin } from './index';
import { startDemoScenario, type DemoScenario } from './scenario';

async function main(): Promise<void> {
	const { values } = parseArgs({
		options: {
			port: { type: 'string', default: '8180' },
			'storage-port': { type: 'string', default: '8181' },
			'access-key': { type: 'string', default: 'demo-access-key' },
			username: { type: 'string', default: 'demo@voipbin.test' },
			password: { type: 'string', default: 'demo-password' },
			scenario: { type: 'string' },
			'files-delay-ms': { type: 'string', default: '2000' },
			'transcribe-ms': { type: 'string', default: '1000' },
			'transcribe-timeout-ms': { type: 'string', default: '60000' },
			log: { type: 'boolean', default: false },
		},
	});
	if (values.scenario !== undefined && values.scenario !== 'demo') {
		throw new Error(`Unknown scenario "${values.scenario}" (only "demo" exists)`);
	}
	const fake = await startFakeVoipbin({
		port: Number(values.port),
		storagePort: Number(values['storage-port']),
		filesDelayMs: Number(values['files-delay-ms']),
		transcribeMs: Number(values['transcribe-ms']),
		transcribeTimeoutMs: Number(values['transcribe-timeout-ms']),
		log: values.log,
	});
	const account = fake.createAccount({
		accessKey: values['access-key'],
		username: values.username,
		password: values.password,
	});
	// A local fake's demo account: showing its key here is the point; request logs redact it.
	console.log(`Fake VoIPBIN API:   ${fake.baseUrl}/v1.0  (login: ${fake.baseUrl}/auth/login)`);
	console.log(`Storage host:       ${fake.storageUrl}`);
	console.log(`Control routes:     ${fake.baseUrl}/_fake/...`);
	console.log(`Account:            access key ${account.accessKey}`);
	console.log(`                    username ${account.username}, password ${account.password}`);
	console.log(`                    customer id ${account.customerId}`);
	console.log(
		`fake-voipbin ready ${JSON.stringify({
			baseUrl: fake.baseUrl,
			apiUrl: `${fake.baseUrl}/v1.0`,
			storageUrl: fake.storageUrl,
			customerId: account.customerId,
		})}`,
	);

	let scenario: DemoScenario | undefined;
	if (values.scenario === 'demo') {
		scenario = startDemoScenario(fake, account.customerId, {
			onRecording: ({ id, kind, seconds }) =>
				console.log(`[fake-voipbin] demo: ${kind} recording ${id} started for ${seconds} s`),
		});
	}

	const shutdown = async () => {
		scenario?.stop();
		await fake.close();
		process.exit(0);
	};
	process.once('SIGINT', shutdown);
	process.once('SIGTERM', shutdown);
}

main().catch((error: Error) => {
	console.error(`fake-voipbin: ${error.message}`);
	process.exit(1);
});
