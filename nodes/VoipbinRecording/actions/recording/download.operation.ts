import { NodeOperationError } from 'n8n-workflow';
import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import type { AudioOutput } from '../../download/audioModel';
import {
	AUDIO_MAX_WAIT_SECONDS,
	audioItems,
	audioOutputField,
	binaryPropertyField,
} from '../../download/outputItems';
import { DEFAULT_STALL_TIMEOUT_MS, downloadRecordingAudio } from '../../download/recordingAudio';
import { requestRecordingFileUrl } from '../../download/storage';
import { getRecording, waitUntilEnded } from '../../transport/recordings';
import {
	allowMissingDirectionOption,
	getUuidParameter,
	recordingIdField,
	showFor,
} from '../descriptions';

export const description: INodeProperties[] = showFor('download', [
	recordingIdField,
	audioOutputField('outputAs'),
	binaryPropertyField,
	{
		displayName: 'Options',
		name: 'downloadOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				...allowMissingDirectionOption('return'),
				hint: 'The output says which direction is missing',
			},
			{
				displayName: 'Max Wait for Files (Seconds)',
				name: 'maxWaitSeconds',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: AUDIO_MAX_WAIT_SECONDS,
				description:
					'VoIPBIN stores the audio shortly after a recording ends. How long to keep retrying while the files are missing or incomplete. With "Wait for Recording to End" it is the limit for both waits together.',
			},
			{
				displayName: 'Stalled Transfer Timeout (Seconds)',
				name: 'stallTimeoutSeconds',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 60,
				description:
					'A transfer from the storage host that receives no data for this long is aborted and tried again (within the max wait)',
			},
			{
				displayName: 'Wait for Recording to End',
				name: 'waitForEnd',
				type: 'boolean',
				default: false,
				description:
					'Whether to wait (up to the max wait) for a recording that has not ended yet, instead of failing',
			},
		],
	},
]);

interface DownloadOptions {
	allowMissingDirection?: boolean;
	maxWaitSeconds?: number;
	stallTimeoutSeconds?: number;
	waitForEnd?: boolean;
}

export async function execute(this: IExecuteFunctions, i: number): Promise<INodeExecutionData[]> {
	const id = getUuidParameter(this, 'recordingId', 'Recording ID', i);
	const outputAs = this.getNodeParameter('outputAs', i) as AudioOutput;
	const binaryPropertyName = this.getNodeParameter('binaryPropertyName', i) as string;
	const options = this.getNodeParameter('downloadOptions', i, {}) as DownloadOptions;
	const maxWaitMs = (options.maxWaitSeconds ?? AUDIO_MAX_WAIT_SECONDS) * 1000;
	const input = this.getInputData()[i];
	const started = Date.now();

	// Both at once: the file link is ready when the recording turns out to have ended (the usual case).
	const firstFileUrl = requestRecordingFileUrl(this, id, i);
	firstFileUrl.catch(() => undefined);
	let recording = await getRecording(this, id, i);
	const ended = recording.status === 'ended';
	if (!ended) {
		if (!options.waitForEnd) {
			throw new NodeOperationError(
				this.getNode(),
				`Recording ${id} has not ended yet (status: ${recording.status})`,
				{
					itemIndex: i,
					description:
						'Its audio can be downloaded once it has ended. Turn on the option "Wait for Recording to End", or put a "Wait for End" operation before this one.',
				},
			);
		}
		recording = await waitUntilEnded(this, id, { maxWaitMs, intervalMs: 5_000, itemIndex: i });
	}

	const audio = await downloadRecordingAudio(this, recording, {
		outputAs,
		// One limit for the whole operation: what the wait for the end used is not given again.
		maxWaitMs: Math.max(0, maxWaitMs - (Date.now() - started)),
		allowMissingDirection: options.allowMissingDirection ?? false,
		itemIndex: i,
		stallTimeoutMs: (options.stallTimeoutSeconds ?? DEFAULT_STALL_TIMEOUT_MS / 1000) * 1000,
		// A link asked for before the recording had ended may be to files not yet whole: ask again.
		firstFileUrl: ended ? firstFileUrl : undefined,
	});
	return audioItems(this, recording, audio, {
		binaryPropertyName,
		inputBinary: input?.binary,
		itemIndex: i,
	});
}
