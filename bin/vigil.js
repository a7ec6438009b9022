#!/usr/bin/env node
// The `vigil` command: runs the compiled CLI from dist/, or the TypeScript sources through tsx
// in a development checkout that has not been compiled.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const compiled = join(__dirname, '..', 'dist', 'tools', 'cli', 'main.js');
if (existsSync(compiled)) {
  require(compiled).main(process.argv.slice(2));
} else {
  require('tsx/cjs');
  require(join(__dirname, '..', 'tools', 'cli', 'main.ts')).main(process.argv.slice(2));
}
