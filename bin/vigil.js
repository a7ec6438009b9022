#!/usr/bin/env node
// The `vigil` command. A development checkout (TypeScript sources and tsx present) runs the
// sources, so a stale dist/ can never hide an edit; an installed package runs the compiled
// dist/. VIGIL_COMPILED=1 forces dist/ in a checkout.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const source = join(root, 'tools', 'cli', 'main.ts');
const compiled = join(root, 'dist', 'tools', 'cli', 'main.js');

function tsxAvailable() {
  try {
    require.resolve('tsx/cjs', { paths: [root] });
    return true;
  } catch {
    return false;
  }
}

if (process.env.VIGIL_COMPILED !== '1' && existsSync(source) && tsxAvailable()) {
  require(require.resolve('tsx/cjs', { paths: [root] }));
  require(source).main(process.argv.slice(2));
} else if (existsSync(compiled)) {
  require(compiled).main(process.argv.slice(2));
} else {
  console.error('vigil: no compiled CLI in dist/ and no tsx to run the sources: run `npm run prepare` in the package folder');
  process.exit(1);
}
