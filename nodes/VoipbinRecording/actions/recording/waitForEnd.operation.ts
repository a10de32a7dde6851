import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { waitUntilEnded } from '../../transport/recordings';
import { getUuidParameter, recordingIdField, showFor } from '../descriptions';

export const description: INodeProperties[] = showFor('waitForEnd', [
	recordingIdField,
	{
		displayName: 'Options',
		name: 'waitOptions',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Max Wait (Seconds)',
				name: 'maxWaitSeconds',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 600,
				description: 'How long to wait before failing with the last status seen',
			},
			{
				displayName: 'Check Every (Seconds)',
				name: 'pollIntervalSeconds',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 5,
				description: 'Each check is one API request; VoIPBIN allows about 16 per second',
			},
		],
	},
]);

export async function execute(this: IExecuteFunctions, i: number): Promise<INodeExecutionData[]> {
	const id = getUuidParameter(this, 'recordingId', 'Recording ID', i);
	const options = this.getNodeParameter('waitOptions', i, {}) as {
		maxWaitSeconds?: number;
		pollIntervalSeconds?: number;
	};
	const recording = await waitUntilEnded(this, id, {
		maxWaitMs: (options.maxWaitSeconds ?? 600) * 1000,
		intervalMs: (options.pollIntervalSeconds ?? 5) * 1000,
		itemIndex: i,
	});
	return [{ json: recording }];
}
