import { NodeOperationError } from 'n8n-workflow';
import type { IDisplayOptions, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

/** Shows `properties` only for the given operations (nodes-base's `updateDisplayOptions`, smaller). */
export function showFor(operation: string, properties: INodeProperties[]): INodeProperties[] {
	const show: IDisplayOptions['show'] = { resource: ['recording'], operation: [operation] };
	return properties.map((property) => ({
		...property,
		displayOptions: {
			...property.displayOptions,
			show: { ...property.displayOptions?.show, ...show },
		},
	}));
}

export const recordingIdField: INodeProperties = {
	displayName: 'Recording ID',
	name: 'recordingId',
	type: 'string',
	required: true,
	default: '',
	placeholder: 'e5f6a7b8-c9d0-1234-5678-90abcdef0123',
	description: 'ID of the recording, e.g. from the VoIPBIN Recording Trigger or a Get Many',
	hint: 'Drag the ID in from a previous node, e.g. {{ $json.id }}',
};

/** The option to go on with a call recording that has one direction stored; `action` says how. */
export function allowMissingDirectionOption(action: string): INodeProperties {
	return {
		displayName: 'Accept Missing Direction',
		name: 'allowMissingDirection',
		type: 'boolean',
		default: false,
		description: `Whether to ${action} a call recording that has only one direction stored (after a short wait) instead of failing`,
	};
}

/** Filters on what a recording is of; shared by Get Many and the trigger. */
export const referenceFilterOptions: INodeProperties[] = [
	{
		displayName: 'Reference ID',
		name: 'referenceId',
		type: 'string',
		default: '',
		placeholder: 'c2d3e4f5-a6b7-8901-2cde-f01234567890',
		description: 'Only recordings of this call, or of this confbridge for conference recordings',
	},
	{
		displayName: 'Reference Type',
		name: 'referenceType',
		type: 'options',
		options: [
			{ name: 'Any', value: '' },
			{ name: 'Call', value: 'call' },
			{ name: 'Conference', value: 'confbridge' },
		],
		default: '',
		description: 'Only recordings of calls, or only recordings of conferences',
	},
];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Reads an ID parameter and checks it is a UUID before any request is made. */
export function getUuidParameter(
	ctx: IExecuteFunctions,
	name: string,
	label: string,
	itemIndex: number,
): string {
	const value = String(ctx.getNodeParameter(name, itemIndex, '') ?? '').trim();
	if (!UUID.test(value)) {
		throw new NodeOperationError(
			ctx.getNode(),
			value
				? `The ${label} "${value.slice(0, 60)}" is not a valid VoIPBIN ID`
				: `The ${label} is empty`,
			{
				itemIndex,
				description: `VoIPBIN IDs are UUIDs such as e5f6a7b8-c9d0-1234-5678-90abcdef0123. Check the "${label}" field and the data it is taken from.`,
			},
		);
	}
	return value.toLowerCase();
}
