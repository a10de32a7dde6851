import { NodeConnectionTypes } from 'n8n-workflow';
import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';

import * as recording from './actions/recording';
import { router } from './actions/router';

export class VoipbinRecording implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'VoIPBIN Recording',
		name: 'voipbinRecording',
		icon: { light: 'file:voipbin.svg', dark: 'file:voipbin.dark.svg' },
		group: ['transform'],
		version: 1,
		// The operation's action in words (a test checks it matches every operation's `action`).
		subtitle:
			'={{ {"delete":"Delete a recording","download":"Download a recording","get":"Get a recording","getMany":"Get many recordings","getTranscript":"Get the transcript of a recording","start":"Start a recording","stop":"Stop a recording","transcribe":"Transcribe a recording","waitForEnd":"Wait for a recording to end"}[$parameter["operation"]] }}',
		description:
			'Start, stop, list, wait for, download and transcribe VoIPBIN call and conference recordings',
		defaults: { name: 'VoIPBIN Recording' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'voipbinApi', required: true }],
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [{ name: 'Recording', value: 'recording' }],
				default: 'recording',
			},
			...recording.description,
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
