import { NodeConnectionTypes } from 'n8n-workflow';
import type {
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	IPollFunctions,
} from 'n8n-workflow';

import { referenceFilterOptions } from './actions/descriptions';
import { audioOutputField, binaryPropertyField } from './download/outputItems';
import { pollRecordings } from './trigger/poll';

export class VoipbinRecordingTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'VoIPBIN Recording Trigger',
		name: 'voipbinRecordingTrigger',
		icon: { light: 'file:voipbin.svg', dark: 'file:voipbin.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{ $parameter["event"] }}',
		description: 'Starts a workflow when a VoIPBIN call or conference recording ends',
		defaults: { name: 'VoIPBIN Recording Trigger' },
		polling: true,
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'voipbinApi', required: true }],
		hints: [
			{
				message:
					'One item per recording event. Several can arrive in one poll; each recording ends exactly once.',
				type: 'info',
				location: 'outputPane',
				whenToDisplay: 'afterExecution',
			},
		],
		properties: [
			{
				displayName: 'Event',
				name: 'event',
				type: 'options',
				options: [
					{
						name: 'Recording Ended',
						value: 'recordingEnded',
						description:
							'A recording has ended and its audio is being stored ("stopping" is not ended)',
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
			},
			{
				displayName: 'On First Run',
				name: 'onFirstRun',
				type: 'options',
				options: [
					{
						name: 'Emit Nothing',
						value: 'nothing',
						description: 'Only recordings that end after the trigger is activated',
					},
					{
						name: 'Emit Recordings Ended in the Last Hours',
						value: 'lastHours',
					},
					{
						name: 'Emit Recordings Ended Since a Date',
						value: 'sinceDate',
					},
				],
				default: 'nothing',
				description: 'What to do with recordings that already exist when the trigger is activated',
			},
			{
				displayName: 'Hours',
				name: 'firstRunHours',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 24,
				displayOptions: { show: { onFirstRun: ['lastHours'] } },
			},
			{
				displayName: 'Since',
				name: 'firstRunSince',
				type: 'dateTime',
				default: '',
				description: "A date without an offset is in the workflow's time zone",
				required: true,
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
				default: 120,
				description:
					'How long an event may wait for its audio to be stored, counted from the first attempt across polls. After it, the event is emitted with an audioError; newer events wait behind it until then.',
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
						default: 100,
						description: 'Events beyond this wait for the next poll; none is lost',
					},
				],
			},
		],
	};

	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		return await pollRecordings(this);
	}
}
