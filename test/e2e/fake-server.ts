/**
 * The fake VoIPBIN for the end-to-end test, in a process of its own (run with tsx): prints one
 * JSON line {baseUrl, storageUrl} when listening and serves until SIGTERM/SIGINT. The test drives
 * it through its HTTP control routes (`/_fake/...`).
 */
import { startFakeVoipbin } from '../fake-voipbin/index';

async function main(): Promise<void> {
	const filesDelayMs = Number(process.env.FAKE_FILES_DELAY_MS ?? '1000');
	const fake = await startFakeVoipbin({ filesDelayMs, log: process.env.FAKE_LOG === '1' });
	process.stdout.write(
		`${JSON.stringify({ baseUrl: fake.baseUrl, storageUrl: fake.storageUrl })}\n`,
	);
	const stop = () => {
		void fake.close().then(() => process.exit(0));
	};
	process.on('SIGTERM', stop);
	process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
	process.stderr.write(`fake VoIPBIN failed to start: ${String(error)}\n`);
	process.exit(1);
});
