// Copies what tsc does not: node icons, codex files and output schemas, next to the compiled nodes.
const { src, dest, task } = require('gulp');

task('build:assets', () =>
	src(
		[
			'nodes/**/*.{png,svg}',
			'nodes/**/*.node.json',
			'nodes/**/__schema__/**/*.json',
			'credentials/**/*.{png,svg}',
		],
		{
			base: '.',
			encoding: false,
		},
	).pipe(dest('dist')),
);
