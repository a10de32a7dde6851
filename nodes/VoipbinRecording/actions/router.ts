import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import type { IExecuteFunctions, INode, INodeExecutionData } from 'n8n-workflow';

import type { OperationModule, RecordingOperation } from './node.type';
import * as recording from './recording';

const operations: Record<RecordingOperation, OperationModule> = recording;

/**
 * Runs the chosen operation once per input item. Owns `continueOnFail` and `pairedItem` for every
 * operation: a failed item becomes an error item paired with its input, the others go on.
 */
export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const operation = this.getNodeParameter('operation', 0) as RecordingOperation;
	const run = operations[operation];
	if (!run) {
		throw new NodeOperationError(this.getNode(), `The operation "${operation}" is not known`);
	}
	const output: INodeExecutionData[] = [];
	for (let i = 0; i < items.length; i++) {
		try {
			const results = await run.execute.call(this, i);
			output.push(...this.helpers.constructExecutionMetaData(results, { itemData: { item: i } }));
		} catch (error) {
			if (!this.continueOnFail()) throw asNodeError(this.getNode(), error, i);
			output.push({
				json: {
					error: (error as Error).message,
					description: (error as { description?: string }).description ?? null,
				},
				pairedItem: { item: i },
			});
		}
	}
	return [output];
}

/** Operations throw NodeApiError or NodeOperationError; anything else (a bug) is wrapped. */
function asNodeError(
	node: INode,
	error: unknown,
	itemIndex: number,
): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) return error;
	return new NodeOperationError(node, error as Error, { itemIndex });
}
