import { NodeOperationError } from 'n8n-workflow';
import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import { buildTranscript } from '../../model/transcript';
import type { SpeakerLabels, TranscriptOutput } from '../../model/transcript';

const OTHER = 'other';

/** The Language field (a list of common tags, or any BCP-47 tag), shared by Transcribe and Get Transcript. */
export function languageFields(
	displayOptions?: INodeProperties['displayOptions'],
): INodeProperties[] {
	return [
		{
			displayName: 'Language',
			name: 'language',
			type: 'options',
			// Tags Google Speech-to-Text v1 (what VoIPBIN uses for recordings) knows; any other can be typed.
			options: [
				{ name: 'Arabic (Saudi Arabia)', value: 'ar-SA' },
				{ name: 'Dutch (Netherlands)', value: 'nl-NL' },
				{ name: 'English (Australia)', value: 'en-AU' },
				{ name: 'English (India)', value: 'en-IN' },
				{ name: 'English (UK)', value: 'en-GB' },
				{ name: 'English (US)', value: 'en-US' },
				{ name: 'French (Canada)', value: 'fr-CA' },
				{ name: 'French (France)', value: 'fr-FR' },
				{ name: 'German (Germany)', value: 'de-DE' },
				{ name: 'Hindi (India)', value: 'hi-IN' },
				{ name: 'Italian (Italy)', value: 'it-IT' },
				{ name: 'Japanese (Japan)', value: 'ja-JP' },
				{ name: 'Korean (South Korea)', value: 'ko-KR' },
				{ name: 'Other (Type a BCP-47 Tag)', value: OTHER },
				{ name: 'Polish (Poland)', value: 'pl-PL' },
				{ name: 'Portuguese (Brazil)', value: 'pt-BR' },
				{ name: 'Portuguese (Portugal)', value: 'pt-PT' },
				{ name: 'Russian (Russia)', value: 'ru-RU' },
				{ name: 'Spanish (Mexico)', value: 'es-MX' },
				{ name: 'Spanish (Spain)', value: 'es-ES' },
				{ name: 'Spanish (US)', value: 'es-US' },
				{ name: 'Swedish (Sweden)', value: 'sv-SE' },
				{ name: 'Turkish (Turkey)', value: 'tr-TR' },
			],
			default: 'en-US',
			description:
				'The language spoken in the recording. VoIPBIN does not reject a tag it cannot read: it silently transcribes in English (US) instead, and the output then carries a warning.',
			displayOptions,
		},
		{
			displayName: 'Language Tag',
			name: 'languageTag',
			type: 'string',
			required: true,
			default: '',
			placeholder: 'e.g. da-DK',
			description:
				'A BCP-47 tag such as da-DK or fil-PH. A tag VoIPBIN cannot read becomes en-US without an error; one Google Speech-to-Text does not support makes the transcription fail.',
			displayOptions: {
				...displayOptions,
				show: { ...displayOptions?.show, language: [OTHER] },
			},
		},
	];
}

/** The speaker-label options, for the Options collections of Transcribe and Get Transcript. */
export const speakerLabelOptions: INodeProperties[] = [
	{
		displayName: 'Speaker Label for "In"',
		name: 'inLabel',
		type: 'string',
		default: 'in',
		placeholder: 'e.g. Customer',
		description:
			'Shown before the sentences of the "in" side of a call in the text (a conference recording has only this side)',
	},
	{
		displayName: 'Speaker Label for "Out"',
		name: 'outLabel',
		type: 'string',
		default: 'out',
		placeholder: 'e.g. Agent',
		description: 'Shown before the sentences of the "out" side of a call in the text',
	},
];

export function readLanguage(ctx: IExecuteFunctions, itemIndex: number): string {
	const chosen = String(ctx.getNodeParameter('language', itemIndex, 'en-US'));
	const language =
		chosen === OTHER ? String(ctx.getNodeParameter('languageTag', itemIndex, '')).trim() : chosen;
	if (!language) {
		throw new NodeOperationError(ctx.getNode(), 'The language tag is empty', {
			itemIndex,
			description: 'Type a BCP-47 tag such as da-DK in "Language Tag", or pick a language.',
		});
	}
	return language;
}

/**
 * The output item of a transcript; warns when VoIPBIN used another language than the one asked
 * (it replaces a tag it cannot read with en-US).
 */
export function transcriptItem(
	transcribe: IDataObject,
	transcripts: IDataObject[],
	options: { language?: string; labels?: Partial<SpeakerLabels> },
): TranscriptOutput {
	const labels = {
		in: options.labels?.in || 'in',
		out: options.labels?.out || 'out',
	};
	const output = buildTranscript(transcribe, transcripts, labels);
	const asked = options.language;
	if (asked && output.language && asked.toLowerCase() !== output.language.toLowerCase()) {
		output.warnings.push(
			`VoIPBIN transcribed in "${output.language}", not "${asked}": it replaces a language tag it cannot read with en-US.`,
		);
	}
	return output;
}
