// The CUDA mocha tests without the mocha CLI, tsx or node_modules: tools/gpu/pack.sh bundles
// this file, mocha and the tests into one script for the device machine (which has no npm
// registry). Run: node cuda-tests.js (VIGIL_ADDON names the addon). Exit 1 when a test failed.
import Mocha from 'mocha';

const mocha = new Mocha({ timeout: 180_000, reporter: 'spec' });
mocha.suite.emit('pre-require', globalThis, 'test/cuda', mocha);
// after pre-require, so describe/it exist when the test modules initialise; list every
// test/cuda/*.test.ts here (a bundle cannot glob)
require('../../test/cuda/parity.test');
require('../../test/cuda/train.test');
mocha.run((failures) => {
  process.exitCode = failures ? 1 : 0;
});
