import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { getUuidParameter } from '../descriptions';

/** Go's `uuid.Nil`: VoIPBIN's "none" for a flow or recording ID. */
export const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/** What a recording is started or stopped on. */
export type RecordingTarget = 'call' | 'conference';

/** The Target, Call ID and Conference ID fields shared by Start and Stop. */
export const targetFields: INodeProperties[] = [
	{
		displayName: 'Record',
		name: 'target',
		type: 'options',
		options: [
			{ name: 'Call', value: 'call', description: 'Record both directions of one call' },
			{
				name: 'Conference',
				value: 'conference',
				description: 'Record the mixed audio of a conference',
			},
		],
		default: 'call',
		description: 'Whether to record a call or a conference',
	},
	{
		displayName: 'Call ID',
		name: 'callId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'c2d3e4f5-a6b7-8901-2cde-f01234567890',
		description: 'ID of the call (answered and not hung up) whose recording to start or stop',
		displayOptions: { show: { target: ['call'] } },
	},
	{
		displayName: 'Conference ID',
		name: 'conferenceId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'c2d3e4f5-a6b7-8901-2cde-f01234567890',
		description: 'ID of the conference (not of its confbridge) whose recording to start or stop',
		displayOptions: { show: { target: ['conference'] } },
	},
];

export function readTarget(
	ctx: IExecuteFunctions,
	itemIndex: number,
): { target: RecordingTarget; id: string; path: string; label: string } {
	const target = ctx.getNodeParameter('target', itemIndex) as RecordingTarget;
	if (target === 'conference') {
		const id = getUuidParameter(ctx, 'conferenceId', 'Conference ID', itemIndex);
		return { target, id, path: `/conferences/${id}`, label: `Conference ${id}` };
	}
	const id = getUuidParameter(ctx, 'callId', 'Call ID', itemIndex);
	return { target, id, path: `/calls/${id}`, label: `Call ${id}` };
}
