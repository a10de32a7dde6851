// One temporary folder per jest run for what the tests write (n8n user folders, binary data);
// workers inherit the variable, and global-teardown.js removes the folder at the end.
const { mkdtempSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

module.exports = async () => {
	process.env.VOIPBIN_TEST_TMP = mkdtempSync(join(tmpdir(), 'voipbin-tests-'));
};
