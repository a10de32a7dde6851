import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
} from 'n8n-workflow';

import { voipbinApiRequest } from '../../transport/request';
import { showFor } from '../descriptions';
import { NIL_UUID, readTarget, targetFields } from './target';

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
		serverErrorMeaning: {
			message: `${label} has no recording running to stop (VoIPBIN server error 500)`,
			hint: `Most likely no recording is running on this ${target}: it was stopped already, or it ended by itself (max duration, silence or end key). VoIPBIN answers a stop with nothing to stop with a 500. Otherwise the ${target} may have ended.`,
		},
	});
	return [
		{
			json: {
				stopped: true,
				target,
				targetId: id,
				recordingId: stoppedRecordingId(parent),
				[target]: parent,
			},
		},
	];
}

/**
 * The server resets `recording_id` to the nil UUID as it stops, so the stopped recording is the
 * last of `recording_ids`. `recording_id` is the fallback for a response without the list.
 */
function stoppedRecordingId(parent: IDataObject | undefined): string | null {
	const ids = Array.isArray(parent?.recording_ids) ? parent.recording_ids : [];
	const candidates = [ids[ids.length - 1], parent?.recording_id];
	const found = candidates.find((id) => typeof id === 'string' && id !== '' && id !== NIL_UUID);
	return (found as string | undefined) ?? null;
}
