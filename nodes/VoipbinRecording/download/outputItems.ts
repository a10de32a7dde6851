import { NodeOperationError } from 'n8n-workflow';
import type { IBinaryKeyData, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import type { Recording } from '../model/recording';
import type { VoipbinContext } from '../transport/request';
import type { RecordingAudio } from './recordingAudio';

/**
 * Default wait for VoIPBIN to store a recording's audio, in the trigger and in Download alike:
 * the server may take up to 300 s to build the file of a long recording.
 */
export const AUDIO_MAX_WAIT_SECONDS = 300;

/** The "Output As" field, shared by the action node and the trigger. */
export function audioOutputField(name: string): INodeProperties {
	return {
		displayName: 'Output As',
		name,
		type: 'options',
		options: [
			{
				name: 'Mono Mix WAV',
				value: 'monoMix',
				description:
					'One WAV with both sides of a call mixed together: what most transcription APIs want',
			},
			{
				name: 'Stereo WAV',
				value: 'stereo',
				description:
					'One WAV, caller side left and called side right: for per-speaker transcription',
			},
			{
				name: 'Separate WAV Files',
				value: 'separate',
				description: 'One item per direction of a call (in and out), each with its own WAV',
			},
			{
				name: 'Original ZIP',
				value: 'zip',
				description: 'The ZIP exactly as VoIPBIN serves it (checked to be complete)',
			},
		],
		default: 'monoMix',
		description:
			'How to return the audio: one WAV (mixed or stereo), one WAV per direction, or the ZIP',
		hint: 'A conference recording has one WAV, which every option returns as it is',
	};
}

export const binaryPropertyField: INodeProperties = {
	displayName: 'Put Output File in Field',
	name: 'binaryPropertyName',
	type: 'string',
	default: 'data',
	required: true,
	description: 'Name of the binary field the audio goes into; the next node reads it from there',
	hint: 'The name of the output binary field to put the file in',
};

/**
 * Output items for downloaded audio: the recording as JSON, the file under `binaryPropertyName`,
 * input binaries kept. "Separate WAV Files" gives one item per direction.
 */
export function audioItems(
	ctx: VoipbinContext,
	recording: Recording,
	audio: RecordingAudio,
	options: { binaryPropertyName: string; inputBinary?: IBinaryKeyData; itemIndex?: number },
): INodeExecutionData[] {
	const property = options.binaryPropertyName.trim();
	if (!property) {
		throw new NodeOperationError(ctx.getNode(), 'The field name for the output file is empty', {
			itemIndex: options.itemIndex,
			description: 'Set "Put Output File in Field", e.g. to "data".',
		});
	}
	if (options.inputBinary?.[property]) {
		throw new NodeOperationError(
			ctx.getNode(),
			`The input item already has a binary field "${property}"`,
			{
				itemIndex: options.itemIndex,
				description:
					'Choose another name in "Put Output File in Field" so that the input file is not overwritten.',
			},
		);
	}
	return audio.files.map((file) => ({
		json: {
			...recording,
			audio: {
				part: file.part,
				fileName: file.binary.fileName ?? null,
				missingDirections: audio.missingDirections,
				attempts: audio.attempts,
			},
		},
		binary: { ...options.inputBinary, [property]: file.binary },
	}));
}
