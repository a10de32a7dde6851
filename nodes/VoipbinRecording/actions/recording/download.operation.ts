import { NodeOperationError } from 'n8n-workflow';
import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import {
	AUDIO_MAX_WAIT_SECONDS,
	audioItems,
	audioOutputField,
	binaryPropertyField,
} from '../../download/audioItems';
import type { AudioOutput } from '../../download/audioFiles';
import { downloadRecordingAudio } from '../../download/recordingAudio';
import { getRecording, waitUntilEnded } from '../../transport/recordings';
import { getUuidParameter, recordingIdField, showFor } from '../descriptions';

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
				displayName: 'Accept Missing Direction',
				name: 'allowMissingDirection',
				type: 'boolean',
				default: false,
				description:
					'Whether to return a call recording that has only one direction (after a short wait) instead of failing. The output says which direction is missing.',
			},
			{
				displayName: 'Max Wait for Files (Seconds)',
				name: 'maxWaitSeconds',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: AUDIO_MAX_WAIT_SECONDS,
				description:
					'VoIPBIN stores the audio shortly after a recording ends. How long to keep retrying while the files are missing or incomplete.',
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
	waitForEnd?: boolean;
}

export async function execute(this: IExecuteFunctions, i: number): Promise<INodeExecutionData[]> {
	const id = getUuidParameter(this, 'recordingId', 'Recording ID', i);
	const outputAs = this.getNodeParameter('outputAs', i) as AudioOutput;
	const binaryPropertyName = this.getNodeParameter('binaryPropertyName', i) as string;
	const options = this.getNodeParameter('downloadOptions', i, {}) as DownloadOptions;
	const maxWaitMs = (options.maxWaitSeconds ?? AUDIO_MAX_WAIT_SECONDS) * 1000;
	const input = this.getInputData()[i];

	let recording = await getRecording(this, id, i);
	if (recording.status !== 'ended') {
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
		maxWaitMs,
		allowMissingDirection: options.allowMissingDirection ?? false,
		itemIndex: i,
	});
	return audioItems(this, recording, audio, {
		binaryPropertyName,
		inputBinary: input?.binary,
		itemIndex: i,
	});
}
