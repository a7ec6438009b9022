// The random streams a training run draws from (shuffling, the model's dropout or sampling),
// found by name so a checkpoint can put each one back where it was.
import type { Module } from '../nn/module';
import { Generator } from '../random';

export interface GeneratorState {
  name: string;
  seed: number;
  offset: number;
}

/**
 * Every Generator held by a module of the tree (any own property), named by module path and
 * property ("enc_lstm0.gen"), plus the given extra ones first. One object is listed once, under
 * its first name, so a generator shared by shuffling and the model is restored once.
 */
export function collectGenerators(model: Module, extra: Record<string, Generator> = {}): Map<string, Generator> {
  const out = new Map<string, Generator>();
  const seen = new Set<Generator>();
  const add = (name: string, g: Generator) => {
    if (seen.has(g)) return;
    seen.add(g);
    out.set(name, g);
  };
  for (const [name, g] of Object.entries(extra)) add(name, g);
  const walk = (m: Module, prefix: string) => {
    for (const [k, v] of Object.entries(m)) if (v instanceof Generator) add(prefix + k, v);
    for (const [n, c] of m.namedChildren()) walk(c, `${prefix}${n}.`);
  };
  walk(model, '');
  return out;
}

export function generatorStates(gens: Map<string, Generator>): GeneratorState[] {
  return [...gens].map(([name, g]) => ({ name, seed: g.seed, offset: g.offset }));
}

/**
 * Moves each generator to its saved offset. The seeds must match: another seed means another
 * setup, and is an error.
 */
export function restoreGenerators(gens: Map<string, Generator>, states: GeneratorState[]): void {
  const problems: string[] = [];
  const saved = new Map(states.map((s) => [s.name, s]));
  for (const [name, g] of gens) {
    const s = saved.get(name);
    if (!s) problems.push(`generator "${name}" is not in the checkpoint`);
    else if (s.seed !== g.seed) problems.push(`generator "${name}" has seed ${g.seed}, the checkpoint's had ${s.seed}`);
  }
  for (const name of saved.keys()) if (!gens.has(name)) problems.push(`the checkpoint has generator "${name}", this run has none of that name`);
  if (problems.length) throw new Error(`resume: ${problems.join('; ')}`);
  for (const [name, g] of gens) g.restore(saved.get(name)!.offset);
}
