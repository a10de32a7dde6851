import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { AUDIO_MAX_WAIT_SECONDS } from '../../download/outputItems';
import { transcribeRecording } from '../../transcribe/transcribe';
import {
	allowMissingDirectionOption,
	getUuidParameter,
	recordingIdField,
	showFor,
} from '../descriptions';
import {
	languageFields,
	readLanguage,
	speakerLabelOptions,
	transcriptItem,
} from './transcriptFields';

export const description: INodeProperties[] = showFor('transcribe', [
	{
		...recordingIdField,
		hint: 'The node waits until the recording has ended and its audio is stored before it asks VoIPBIN',
	},
	...languageFields(),
	{
		displayName: 'Options',
		name: 'transcribeOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			allowMissingDirectionOption('transcribe'),
			{
				displayName: 'Check Every (Seconds)',
				name: 'pollIntervalSeconds',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 10,
				description:
					'How often to check a transcription that is still in progress; each check is one API request',
			},
			{
				displayName: 'Max Wait for Files (Seconds)',
				name: 'maxWaitForFilesSeconds',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: AUDIO_MAX_WAIT_SECONDS,
				description:
					'How long to wait for the recording to end and for VoIPBIN to store its audio (shortly after the end)',
			},
			{
				displayName: 'Max Wait for Transcription (Seconds)',
				name: 'maxWaitSeconds',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 900,
				description:
					'How long the transcription may take. VoIPBIN has no "failed" status: a failed transcription stays in progress for good, so after this the node reports it as failed or stuck.',
			},
			...speakerLabelOptions,
		],
	},
]);

interface TranscribeParameters {
	allowMissingDirection?: boolean;
	pollIntervalSeconds?: number;
	maxWaitForFilesSeconds?: number;
	maxWaitSeconds?: number;
	inLabel?: string;
	outLabel?: string;
}

export async function execute(this: IExecuteFunctions, i: number): Promise<INodeExecutionData[]> {
	const recordingId = getUuidParameter(this, 'recordingId', 'Recording ID', i);
	const language = readLanguage(this, i);
	const options = this.getNodeParameter('transcribeOptions', i, {}) as TranscribeParameters;
	const { transcribe, transcripts } = await transcribeRecording(this, recordingId, {
		language,
		filesMaxWaitMs: (options.maxWaitForFilesSeconds ?? AUDIO_MAX_WAIT_SECONDS) * 1000,
		allowMissingDirection: options.allowMissingDirection ?? false,
		maxWaitMs: (options.maxWaitSeconds ?? 900) * 1000,
		intervalMs: (options.pollIntervalSeconds ?? 10) * 1000,
		itemIndex: i,
	});
	const labels = { in: options.inLabel, out: options.outLabel };
	return [{ json: transcriptItem(transcribe, transcripts, { language, labels }) }];
}
