import { NodeOperationError } from 'n8n-workflow';
import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { matchesFilters } from '../../model/filters';
import type { RecordingFilters } from '../../model/filters';
import { normalizeReferenceType, recordingTime } from '../../model/recording';
import { parseUserDate } from '../../model/time';
import { listAllRecordings } from '../../transport/pagination';
import { referenceFilterOptions, showFor } from '../descriptions';

export const description: INodeProperties[] = showFor('getMany', [
	{
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: false,
		description: 'Whether to return all results or only up to a given limit',
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 50,
		description: 'Max number of results to return',
		displayOptions: { show: { returnAll: [false] } },
	},
	{
		displayName:
			'VoIPBIN cannot filter recordings itself, so the node reads the list (newest first) and filters it here',
		name: 'filterNotice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		options: [
			{
				displayName: 'Created After',
				name: 'createdAfter',
				type: 'dateTime',
				default: '',
				description:
					'Only recordings created at or after this time. Reading stops there, so this also saves requests.',
			},
			{
				displayName: 'Created Before',
				name: 'createdBefore',
				type: 'dateTime',
				default: '',
				description: 'Only recordings created before this time',
			},
			...referenceFilterOptions,
			{
				displayName: 'Status',
				name: 'statuses',
				type: 'multiOptions',
				options: [
					{ name: 'Ended', value: 'ended' },
					{ name: 'Initiating', value: 'initiating' },
					{ name: 'Recording', value: 'recording' },
					{ name: 'Stopping', value: 'stopping' },
				],
				default: [],
				description:
					'Only recordings in these statuses. Only Ended recordings have audio to download.',
			},
		],
	},
]);

interface FilterParameters {
	createdAfter?: string;
	createdBefore?: string;
	referenceId?: string;
	referenceType?: string;
	statuses?: string[];
}

export async function execute(this: IExecuteFunctions, i: number): Promise<INodeExecutionData[]> {
	const returnAll = this.getNodeParameter('returnAll', i) as boolean;
	const limit = returnAll ? Infinity : (this.getNodeParameter('limit', i) as number);
	const filters = readFilters(this, this.getNodeParameter('filters', i, {}) as FilterParameters, i);

	const results: INodeExecutionData[] = [];
	for await (const recording of listAllRecordings(this, { itemIndex: i })) {
		const created = recordingTime(recording, 'tm_create');
		// The list is newest first: nothing older can match once we are past "Created After".
		if (filters.createdAfter !== undefined && created !== null && created < filters.createdAfter) {
			break;
		}
		if (!matchesFilters(recording, filters)) continue;
		results.push({ json: recording });
		if (results.length >= limit) break;
	}
	return results;
}

function readFilters(
	ctx: IExecuteFunctions,
	raw: FilterParameters,
	itemIndex: number,
): RecordingFilters {
	const time = (value: string | undefined, label: string): number | undefined => {
		if (!value) return undefined;
		const micros = parseUserDate(value, ctx.getTimezone());
		if (micros === null) {
			throw new NodeOperationError(
				ctx.getNode(),
				`The filter "${label}" is not a valid date: ${value}`,
				{
					itemIndex,
					description:
						"Use an ISO 8601 date such as 2026-01-15T09:30:00Z, or pick one in the date picker (a date without an offset is read in the workflow's time zone).",
				},
			);
		}
		return micros;
	};
	return {
		statuses: raw.statuses,
		referenceType: normalizeReferenceType(raw.referenceType) ?? undefined,
		referenceId: raw.referenceId || undefined,
		createdAfter: time(raw.createdAfter, 'Created After'),
		createdBefore: time(raw.createdBefore, 'Created Before'),
	};
}
