// Options callers give by name (command-line flags, a model kind's settings, a calibrator's
// parameters): their declared shape, and the error for a wrong one. Kept low in lib so model
// kinds and calibrators can declare their options without importing the CLI.
export class UsageError extends Error {
  constructor(msg: string) {
    super(msg);
    this.name = 'UsageError';
  }
}

/** Named options with a type, an optional default and one line of help (`--help` prints it). */
export interface FlagSpec {
  [name: string]: { type: 'string' | 'number' | 'boolean'; default?: string | number | boolean; help: string };
}

/** Values of a FlagSpec's options, typed by their declared type. */
export type Flags<S extends FlagSpec> = { [K in keyof S]: S[K]['type'] extends 'number' ? number : S[K]['type'] extends 'boolean' ? boolean : string };

/** The declared defaults of `spec`, overridden by the values given (unknown names are refused). */
export function withDefaults<S extends FlagSpec>(owner: string, spec: S, given: Record<string, unknown> = {}): Flags<S> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(spec)) if (v.default !== undefined) out[k] = v.default;
  for (const [k, v] of Object.entries(given)) {
    if (v === undefined) continue;
    if (!(k in spec)) throw new UsageError(`${owner}: unknown option "${k}" (known: ${Object.keys(spec).join(', ') || 'none'})`);
    out[k] = v;
  }
  return out as Flags<S>;
}
