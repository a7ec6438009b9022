// The layering check: reads every .ts file under lib/ and models/ and prints each violation of
// rules.ts (an upward import, a cycle, a require( in lib, lib importing models/ or tools/),
// minus the known exceptions in exceptions.ts. Exit status 1 when any remains.
//   npx tsx tools/check/layering.ts [root]      (root: another checkout, default this one)
// test/layering.test.ts runs it in `npm test`.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXCEPTIONS } from './exceptions';
import { checkLayering, type Violation } from './rules';

export const ROOT = join(__dirname, '..', '..');

/** Every .ts file under the given folders of `root`: path (relative, '/' separated) -> text. */
export function readSources(root: string, folders: readonly string[] = ['lib', 'models']): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string) => {
    for (const e of readdirSync(join(root, rel), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(path);
      else if (e.name.endsWith('.ts')) out.set(path, readFileSync(join(root, path), 'utf8'));
    }
  };
  for (const f of folders) walk(f);
  return out;
}

/** The violations of the tree at `root`. */
export function checkTree(root = ROOT): Violation[] {
  return checkLayering(readSources(root), EXCEPTIONS);
}

if (require.main === module) {
  const violations = checkTree(process.argv[2] ?? ROOT);
  for (const v of violations) console.log(v.message);
  console.log(violations.length ? `layering: ${violations.length} violation(s)` : `layering: ok (${EXCEPTIONS.length} known exception(s) in tools/check/exceptions.ts)`);
  process.exit(violations.length ? 1 : 0);
}
