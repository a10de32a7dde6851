import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

export type RecordingOperation =
	| 'delete'
	| 'download'
	| 'get'
	| 'getMany'
	| 'getTranscript'
	| 'start'
	| 'stop'
	| 'transcribe'
	| 'waitForEnd';

/** What every `<operation>.operation.ts` exports besides its description. */
export interface OperationModule {
	execute(this: IExecuteFunctions, itemIndex: number): Promise<INodeExecutionData[]>;
}

export interface VoipbinRecordingNodeType {
	resource: 'recording';
	operation: RecordingOperation;
}
