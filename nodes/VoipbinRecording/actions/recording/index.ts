import type { INodeProperties } from 'n8n-workflow';

import * as del from './delete.operation';
import * as download from './download.operation';
import * as get from './get.operation';
import * as getMany from './getMany.operation';
import * as getTranscript from './getTranscript.operation';
import * as start from './start.operation';
import * as stop from './stop.operation';
import * as transcribe from './transcribe.operation';
import * as waitForEnd from './waitForEnd.operation';

export {
	del as delete,
	download,
	get,
	getMany,
	getTranscript,
	start,
	stop,
	transcribe,
	waitForEnd,
};

export const description: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['recording'] } },
		options: [
			{
				name: 'Delete',
				value: 'delete',
				description: 'Delete a recording',
				action: 'Delete a recording',
			},
			{
				name: 'Download',
				value: 'download',
				description: 'Download the audio of an ended recording as a file',
				action: 'Download a recording',
			},
			{
				name: 'Get',
				value: 'get',
				description: 'Get a recording by ID',
				action: 'Get a recording',
			},
			{
				name: 'Get Many',
				value: 'getMany',
				description: 'List recordings, newest first, across all pages',
				action: 'Get many recordings',
			},
			{
				name: 'Get Transcript',
				value: 'getTranscript',
				description:
					'Get the transcript VoIPBIN made of a recording, by transcribe ID or by recording and language',
				action: 'Get the transcript of a recording',
			},
			{
				name: 'Start',
				value: 'start',
				description: 'Start recording a call or a conference',
				action: 'Start a recording',
			},
			{
				name: 'Stop',
				value: 'stop',
				description: 'Stop recording a call or a conference',
				action: 'Stop a recording',
			},
			{
				name: 'Transcribe',
				value: 'transcribe',
				description:
					'Transcribe a recording with VoIPBIN: the conversation as text, with speakers and times',
				action: 'Transcribe a recording',
			},
			{
				name: 'Wait for End',
				value: 'waitForEnd',
				description: 'Wait until a recording has ended and its audio can be downloaded',
				action: 'Wait for a recording to end',
			},
		],
		default: 'get',
	},
	...get.description,
	...getMany.description,
	...del.description,
	...start.description,
	...stop.description,
	...waitForEnd.description,
	...download.description,
	...transcribe.description,
	...getTranscript.description,
];
