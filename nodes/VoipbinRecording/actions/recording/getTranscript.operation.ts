import { NodeOperationError } from 'n8n-workflow';
import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { findTranscribe, getTranscribe, listTranscripts } from '../../transcribe/requests';
import type { Transcribe } from '../../transcribe/requests';
import { getUuidParameter, recordingIdField, showFor } from '../descriptions';
import {
	languageFields,
	readLanguage,
	speakerLabelOptions,
	transcriptItem,
} from './transcriptFields';

const byRecording = { show: { transcriptBy: ['recording'] } };

export const description: INodeProperties[] = showFor('getTranscript', [
	{
		displayName: 'Find By',
		name: 'transcriptBy',
		type: 'options',
		options: [
			{
				name: 'Recording and Language',
				value: 'recording',
				description: 'The transcript of a recording in one language',
			},
			{
				name: 'Transcribe ID',
				value: 'transcribeId',
				description: 'The ID of the transcription, e.g. transcribeId from a Transcribe',
			},
		],
		default: 'recording',
		description:
			'How to find the transcript: by its recording and language, or by the ID of its transcription',
	},
	{ ...recordingIdField, displayOptions: byRecording },
	...languageFields(byRecording),
	{
		displayName: 'Transcribe ID',
		name: 'transcribeId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e5f6a7b8-c9d0-1234-5678-90abcdef0123',
		description: 'ID of the transcription (transcribeId in the output of a Transcribe)',
		hint: 'Drag the ID in from a previous node, e.g. {{ $json.transcribeId }}',
		displayOptions: { show: { transcriptBy: ['transcribeId'] } },
	},
	{
		displayName: 'Options',
		name: 'transcriptOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: speakerLabelOptions,
	},
]);

export async function execute(this: IExecuteFunctions, i: number): Promise<INodeExecutionData[]> {
	const by = this.getNodeParameter('transcriptBy', i) as 'recording' | 'transcribeId';
	let transcribe: Transcribe;
	let language: string | undefined;
	if (by === 'transcribeId') {
		const id = getUuidParameter(this, 'transcribeId', 'Transcribe ID', i);
		transcribe = await getTranscribe(this, id, i);
	} else {
		const recordingId = getUuidParameter(this, 'recordingId', 'Recording ID', i);
		language = readLanguage(this, i);
		const found = await findTranscribe(this, recordingId, language, i);
		if (!found) {
			throw new NodeOperationError(
				this.getNode(),
				`Recording ${recordingId} has no transcript in "${language}"`,
				{
					itemIndex: i,
					description:
						'Use the Transcribe operation to make one. A transcript asked with a language tag VoIPBIN could not read is stored as en-US.',
				},
			);
		}
		transcribe = found;
	}
	assertReadable(this, transcribe, i);
	const transcripts = await listTranscripts(this, transcribe.id, i);
	const options = this.getNodeParameter('transcriptOptions', i, {}) as {
		inLabel?: string;
		outLabel?: string;
	};
	const labels = { in: options.inLabel, out: options.outLabel };
	return [{ json: transcriptItem(transcribe, transcripts, { language, labels }) }];
}

/** A deleted transcribe is still served by id (without its sentences); a progressing one has none yet. */
function assertReadable(ctx: IExecuteFunctions, transcribe: Transcribe, itemIndex: number): void {
	if (transcribe.tm_delete) {
		throw new NodeOperationError(ctx.getNode(), `Transcribe ${transcribe.id} was deleted`, {
			itemIndex,
			description: 'Its transcript is gone. Use the Transcribe operation to make a new one.',
		});
	}
	if (transcribe.status !== 'done') {
		throw new NodeOperationError(
			ctx.getNode(),
			`The transcription ${transcribe.id} is not done yet (status: ${transcribe.status})`,
			{
				itemIndex,
				description: `It started ${String(transcribe.tm_create ?? 'at an unknown time')}. VoIPBIN has no "failed" status: one that stays in progress for long has failed and stays so. The Transcribe operation waits for it, up to its max wait.`,
			},
		);
	}
}
