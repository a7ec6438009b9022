// No model name outside models/: lib/, the CLI and the report writer reach a model only through
// the registry (lib/model.ts) and the kind's own declarations, so a new model is one folder.
// Comments may name models (where an algorithm comes from); code may not.
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

import { MODEL_KINDS } from '../../models';

const ROOT = join(__dirname, '..', '..');

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** The code of a TS file without its comments (strings kept). */
export function stripComments(src: string): string {
  return src.replace(/\/\*[\s\S]*?\*\/|(^|[^:'"`\\])\/\/.*$/gm, (m, pre) => (pre ?? ''));
}

/**
 * Names of `kinds` that appear in a string literal of `code`. A template's `${...}` is code, not
 * text (a variable `pca` of the PCA baseline is not the kind pca), so it is dropped first.
 */
export function namedKinds(code: string, kinds: string[]): string[] {
  const text = code.replace(/\$\{[^{}\n]*\}/g, '');
  return kinds.filter((k) => new RegExp(`['"\`][^'"\`\\n]*\\b${k}\\b[^'"\`\\n]*['"\`]`).test(text));
}

describe('house: no model name outside models/', () => {
  const kinds = MODEL_KINDS.map((k) => k.kind);

  it('finds a planted name and ignores comments', () => {
    assert.deepEqual(namedKinds(stripComments(`const k = modelKind('${kinds[0]}');`), kinds), [kinds[0]]);
    assert.deepEqual(namedKinds(stripComments(`// trains ${kinds[0]}\nconst x = 1; /* '${kinds[1]}' */`), kinds), []);
    assert.deepEqual(namedKinds('const s = `${' + kinds[0] + '.k} of ${n}`;', [kinds[0]]), [], 'an interpolated identifier is code');
  });

  it('lib/, tools/cli and tools/report name no model kind in code', () => {
    const found: string[] = [];
    for (const dir of ['lib', 'tools/cli', 'tools/report'])
      for (const f of tsFiles(join(ROOT, dir))) {
        const named = namedKinds(stripComments(readFileSync(f, 'utf8')), kinds);
        if (named.length) found.push(`${relative(ROOT, f)}: ${named.join(', ')}`);
      }
    assert.deepEqual(found, []);
  });
});
