import { NodeOperationError } from 'n8n-workflow';
import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';

import { getRecording } from '../../transport/recordings';
import { voipbinApiRequest } from '../../transport/request';
import { showFor } from '../descriptions';
import { NIL_UUID, readTarget, targetFields } from './target';

export const description: INodeProperties[] = showFor('start', [
	...targetFields,
	{
		displayName: 'Options',
		name: 'startOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'End on Key',
				name: 'endOfKey',
				type: 'string',
				default: '',
				placeholder: '#',
				description: 'DTMF key that stops the recording when the caller presses it (calls only)',
				displayOptions: { show: { '/target': ['call'] } },
			},
			{
				displayName: 'End on Silence (Seconds)',
				name: 'endOfSilence',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 0,
				description: 'Stop after this many seconds of silence; 0 = never (calls only)',
				displayOptions: { show: { '/target': ['call'] } },
			},
			{
				displayName: 'Format',
				name: 'format',
				type: 'options',
				options: [{ name: 'WAV (8 kHz, 16-Bit PCM)', value: 'wav' }],
				default: 'wav',
				description: 'Audio format of the files; VoIPBIN records WAV only',
			},
			{
				displayName: 'Max Duration (Seconds)',
				name: 'duration',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 0,
				description: 'Stop automatically after this many seconds; 0 = no limit',
			},
			{
				displayName: 'On-End Flow ID',
				name: 'onEndFlowId',
				type: 'string',
				default: '',
				description: 'VoIPBIN flow to run when the recording ends',
			},
		],
	},
]);

interface StartOptions {
	endOfKey?: string;
	endOfSilence?: number;
	format?: string;
	duration?: number;
	onEndFlowId?: string;
}

export async function execute(this: IExecuteFunctions, i: number): Promise<INodeExecutionData[]> {
	const { target, path, label } = readTarget(this, i);
	const options = this.getNodeParameter('startOptions', i, {}) as StartOptions;
	const body: IDataObject = {
		format: options.format ?? 'wav',
		duration: options.duration ?? 0,
		on_end_flow_id: options.onEndFlowId?.trim() || NIL_UUID,
	};
	if (target === 'call') {
		body.end_of_silence = options.endOfSilence ?? 0;
		body.end_of_key = options.endOfKey ?? '';
	}
	const parent = await voipbinApiRequest<IDataObject>(this, {
		method: 'POST',
		path: `${path}/recording_start`,
		body,
		subject: label,
		itemIndex: i,
		serverErrorMeaning: {
			message: `${label} could not start recording (VoIPBIN server error 500)`,
			hint: `Most likely a recording is already running on this ${target}: VoIPBIN allows one at a time and answers a second start with a 500. Stop it first (operation Stop), or wait until it has ended. Otherwise the ${target} may not be in progress (not answered yet, or hung up).`,
		},
	});
	const recordingId = typeof parent?.recording_id === 'string' ? parent.recording_id : '';
	if (!recordingId || recordingId === NIL_UUID) {
		throw new NodeOperationError(
			this.getNode(),
			`VoIPBIN accepted the request but ${label} has no recording`,
			{
				itemIndex: i,
				description: `Check that the ${target} is in progress (answered and not hung up).`,
			},
		);
	}
	const recording = await getRecording(this, recordingId, i);
	return [{ json: { ...recording, [target]: parent } }];
}
