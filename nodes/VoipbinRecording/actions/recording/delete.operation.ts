import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { deleteRecording } from '../../transport/recordings';
import { getUuidParameter, recordingIdField, showFor } from '../descriptions';

export const description: INodeProperties[] = showFor('delete', [
	{
		...recordingIdField,
		hint: 'VoIPBIN keeps deleted recordings out of lists; their audio can no longer be downloaded',
	},
]);

export async function execute(this: IExecuteFunctions, i: number): Promise<INodeExecutionData[]> {
	const id = getUuidParameter(this, 'recordingId', 'Recording ID', i);
	const recording = await deleteRecording(this, id, i);
	return [{ json: { ...recording, deleted: true } }];
}
