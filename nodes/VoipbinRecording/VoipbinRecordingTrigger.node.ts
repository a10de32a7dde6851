import { NodeConnectionTypes } from 'n8n-workflow';
import type {
	INodeExecutionData,
	INodeProperties,
	INodeType,
	INodeTypeDescription,
	IPollFunctions,
} from 'n8n-workflow';

import { referenceFilterOptions } from './actions/descriptions';
import {
	AUDIO_MAX_WAIT_SECONDS,
	audioOutputField,
	binaryPropertyField,
} from './download/outputItems';
import { MAX_EVENTS_PER_POLL, pollRecordings } from './trigger/poll';

const eventField: INodeProperties = {
	displayName: 'Event',
	name: 'event',
	type: 'options',
	options: [
		{
			name: 'Recording Ended',
			value: 'recordingEnded',
			description: 'A recording has ended and its audio is being stored ("stopping" is not ended)',
		},
		{
			name: 'Recording Started',
			value: 'recordingStarted',
			description: 'A recording has begun capturing audio',
		},
		{
			name: 'Any Status Change',
			value: 'anyStatusChange',
			description: 'Every status change; each item has the previous and the new status',
		},
	],
	default: 'recordingEnded',
	description: 'Which change of a recording starts the workflow (one item per recording)',
};

export class VoipbinRecordingTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'VoIPBIN Recording Trigger',
		name: 'voipbinRecordingTrigger',
		icon: { light: 'file:voipbin.svg', dark: 'file:voipbin.dark.svg' },
		group: ['trigger'],
		version: 1,
		// The chosen Event in words (a test checks it matches every option's name).
		subtitle:
			'={{ {"recordingEnded":"Recording Ended","recordingStarted":"Recording Started","anyStatusChange":"Any Status Change"}[$parameter["event"]] }}',
		description:
			'Starts a workflow when a VoIPBIN call or conference recording ends, starts or changes status',
		defaults: { name: 'VoIPBIN Recording Trigger' },
		polling: true,
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'voipbinApi', required: true }],
		hints: [
			{
				message:
					'One item per recording event. Several can arrive in one poll; no event is emitted twice.',
				type: 'info',
				location: 'outputPane',
				whenToDisplay: 'afterExecution',
			},
		],
		properties: [
			eventField,
			{
				displayName: 'On First Run',
				name: 'onFirstRun',
				type: 'options',
				options: [
					{
						name: 'Emit Nothing',
						value: 'nothing',
						description: 'Only events that happen after the trigger is activated',
					},
					{
						name: 'Emit Events From the Last Hours',
						value: 'lastHours',
						description:
							'Also the events of recordings created in the hours before activation, at the first poll',
					},
					{
						name: 'Emit Events Since a Date',
						value: 'sinceDate',
						description: 'Also the events of recordings created since a date, at the first poll',
					},
				],
				default: 'nothing',
				description:
					'What to do with recordings that already exist when the trigger is activated. Looking back emits the chosen Event for them as if the trigger had been active then.',
			},
			{
				displayName: 'Hours',
				name: 'firstRunHours',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 24,
				description:
					'How far back the first poll looks, in hours: recordings created in this time give their events',
				displayOptions: { show: { onFirstRun: ['lastHours'] } },
			},
			{
				displayName: 'Since',
				name: 'firstRunSince',
				type: 'dateTime',
				default: '',
				required: true,
				description:
					"From when the first poll looks back: recordings created since then give their events. A date without an offset is in the workflow's time zone.",
				displayOptions: { show: { onFirstRun: ['sinceDate'] } },
			},
			{
				displayName: 'Filters',
				name: 'filters',
				type: 'collection',
				placeholder: 'Add Filter',
				default: {},
				options: [
					{
						displayName: 'Minimum Duration (Seconds)',
						name: 'minDurationSeconds',
						type: 'number',
						typeOptions: { minValue: 0 },
						default: 0,
						description: 'Skip ended recordings shorter than this (tm_end − tm_start)',
					},
					...referenceFilterOptions,
				],
			},
			{
				displayName: 'Attach Audio',
				name: 'attachAudio',
				type: 'boolean',
				default: false,
				description:
					'Whether to download the audio of ended recordings into each item (waits for the files to be stored)',
			},
			{
				displayName:
					'Audio makes items large; n8n keeps it on disk in its default (filesystem) binary mode. An event whose files never arrive is emitted with an "audioError" field.',
				name: 'audioNotice',
				type: 'notice',
				default: '',
				displayOptions: { show: { attachAudio: [true] } },
			},
			{ ...audioOutputField('audioOutputAs'), displayOptions: { show: { attachAudio: [true] } } },
			{ ...binaryPropertyField, displayOptions: { show: { attachAudio: [true] } } },
			{
				displayName: 'Max Wait for Files (Seconds)',
				name: 'audioMaxWaitSeconds',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: AUDIO_MAX_WAIT_SECONDS,
				description:
					'How long, in seconds, an event may wait for VoIPBIN to store its audio, counted from the first attempt across polls. After it, the event is emitted with an audioError; newer events wait behind it until then.',
				displayOptions: { show: { attachAudio: [true] } },
			},
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add Option',
				default: {},
				options: [
					{
						displayName: 'Max Events per Poll',
						name: 'maxEventsPerPoll',
						type: 'number',
						typeOptions: { minValue: 1, maxValue: 1000 },
						default: MAX_EVENTS_PER_POLL,
						description:
							'Most events one poll emits (each may carry a download). Events beyond this wait for the next poll; none is lost.',
					},
				],
			},
		],
	};

	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		return await pollRecordings(this);
	}
}
