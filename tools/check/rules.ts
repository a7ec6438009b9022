// The layering rules over a set of sources (path -> text, paths relative to the repository root):
//   require   no require( in lib/ (imports are static and visible to this check)
//   outside   lib/ imports nothing from models/ or tools/; models/ nothing from tools/
//   upward    a lib file imports no unit ranked above its own (ranks.ts)
//   unranked  every lib unit has a rank (a new folder must be placed in the table)
//   cycle     no import cycle between files
// Type-only imports count as arrows: they tie the files together just the same.
import { posix } from 'node:path';
import { findCycles } from './cycles';
import { readImports, requireCalls } from './imports';
import { RANKS, unitOf } from './ranks';

export type Rule = 'require' | 'outside' | 'upward' | 'unranked' | 'cycle' | 'stale-exception';

export interface Violation {
  rule: Rule;
  /** The importing file (a cycle: its first file). */
  file: string;
  line?: number;
  /** The imported file (a cycle: the file after `file` in the loop). */
  target?: string;
  message: string;
}

/** A known violation kept on purpose until its owner fixes it; `reason` says why and how. */
export interface Exception {
  rule: Rule;
  file: string;
  /** For import rules and cycles: the imported file; absent: any target. */
  target?: string;
  reason: string;
}

/** Candidate files a relative specifier may name, in Node's order for TypeScript sources. */
function candidates(from: string, spec: string): string[] {
  const base = posix.normalize(posix.join(posix.dirname(from), spec));
  return [`${base}.ts`, `${base}/index.ts`, base.replace(/\.js$/, '.ts'), base];
}

/** The file a relative import names: one of `files` when it exists there, else its normal path. */
export function resolveImport(from: string, spec: string, files: ReadonlySet<string>): string {
  const all = candidates(from, spec);
  return all.find((c) => files.has(c)) ?? all[all.length - 1];
}

const top = (path: string) => path.split('/')[0];

/** Every violation in `sources`, minus those `exceptions` allow (an unused exception is one too). */
export function checkLayering(sources: ReadonlyMap<string, string>, exceptions: readonly Exception[] = []): Violation[] {
  const files = new Set(sources.keys());
  const found: Violation[] = [];
  const edges = new Map<string, Set<string>>();
  for (const [file, src] of sources) {
    const fromUnit = unitOf(file);
    edges.set(file, new Set());
    if (fromUnit !== null && !(fromUnit in RANKS))
      found.push({ rule: 'unranked', file, message: `${file}: lib unit '${fromUnit}' has no rank in tools/check/ranks.ts` });
    if (top(file) === 'lib')
      for (const line of requireCalls(src))
        found.push({ rule: 'require', file, line, message: `${file}:${line}: require( in lib (use an import; a lazy one through a registry or hook)` });
    for (const ref of readImports(src)) {
      if (!ref.spec.startsWith('.')) continue; // packages and node: builtins
      const target = resolveImport(file, ref.spec, files);
      if (files.has(target)) edges.get(file)!.add(target);
      const where = `${file}:${ref.line}`;
      const what = `${ref.kind === 'type' ? 'type ' : ''}import of ${target}`;
      const outside = top(file) === 'lib' ? ['models', 'tools'] : top(file) === 'models' ? ['tools'] : [];
      if (outside.includes(top(target))) {
        found.push({ rule: 'outside', file, line: ref.line, target, message: `${where}: ${what}: ${top(file)}/ never imports ${top(target)}/` });
        continue;
      }
      const toUnit = unitOf(target);
      if (fromUnit === null || toUnit === null || fromUnit === toUnit) continue;
      const [a, b] = [RANKS[fromUnit], RANKS[toUnit]];
      if (a !== undefined && b !== undefined && b > a)
        found.push({ rule: 'upward', file, line: ref.line, target, message: `${where}: ${what}: upward arrow ${fromUnit} (rank ${a}) -> ${toUnit} (rank ${b})` });
    }
  }
  for (const loop of findCycles(edges))
    found.push({ rule: 'cycle', file: loop[0], target: loop[1], message: `import cycle: ${loop.join(' -> ')}` });
  return applyExceptions(found, exceptions);
}

function applyExceptions(found: Violation[], exceptions: readonly Exception[]): Violation[] {
  const used = new Set<Exception>();
  const kept = found.filter((v) => {
    const e = exceptions.find((x) => x.rule === v.rule && x.file === v.file && (x.target === undefined || x.target === v.target));
    if (e) used.add(e);
    return !e;
  });
  for (const e of exceptions)
    if (!used.has(e))
      kept.push({ rule: 'stale-exception', file: e.file, target: e.target, message: `exception no longer needed (remove it from tools/check/exceptions.ts): ${e.rule} ${e.file}${e.target ? ' -> ' + e.target : ''}` });
  return kept;
}
