import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';

import { voipbinApiRequest } from '../../transport/request';
import { showFor } from '../descriptions';
import { readTarget, targetFields } from './target';

export const description: INodeProperties[] = showFor('stop', [
	...targetFields,
	{
		displayName:
			'The recording goes to "stopping" and then "ended"; its audio is stored shortly after. Use Wait for End before Download.',
		name: 'stopNotice',
		type: 'notice',
		default: '',
	},
]);

export async function execute(this: IExecuteFunctions, i: number): Promise<INodeExecutionData[]> {
	const { target, id, path, label } = readTarget(this, i);
	const parent = await voipbinApiRequest<IDataObject>(this, {
		method: 'POST',
		path: `${path}/recording_stop`,
		subject: label,
		itemIndex: i,
	});
	const recordingId = typeof parent?.recording_id === 'string' ? parent.recording_id : null;
	return [{ json: { stopped: true, target, targetId: id, recordingId, [target]: parent } }];
}
