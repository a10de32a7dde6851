import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { getRecording } from '../../transport/recordings';
import { getUuidParameter, recordingIdField, showFor } from '../descriptions';

export const description: INodeProperties[] = showFor('get', [recordingIdField]);

export async function execute(this: IExecuteFunctions, i: number): Promise<INodeExecutionData[]> {
	const id = getUuidParameter(this, 'recordingId', 'Recording ID', i);
	return [{ json: await getRecording(this, id, i) }];
}
