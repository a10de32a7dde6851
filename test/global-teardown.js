const { rmSync } = require('node:fs');

module.exports = async () => {
	if (process.env.VOIPBIN_TEST_TMP) {
		rmSync(process.env.VOIPBIN_TEST_TMP, { recursive: true, force: true });
	}
};
