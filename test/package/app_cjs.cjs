// A CommonJS user of the installed package.
const vigil = require('vigil-ad');
require('./program.cjs').trainAndScore(vigil, 'cjs').catch((e) => { console.error(e); process.exit(1); });
