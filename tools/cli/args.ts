// A small argument parser for the CLI: --flag value, --flag=value, boolean flags, number ranges,
// and a one-line usage error (exit 2) for anything unknown, missing or out of range.
import { UsageError, type Flags, type FlagSpec } from '../../lib/options';

export { UsageError, type Flags, type FlagSpec };

/** The values a number flag allows; checked while parsing, so a wrong one is a usage error naming the flag, not a failure deep in lib. */
export interface NumberRange {
  min?: number;
  max?: number;
  /** Strict bounds: the value must be above / below them. */
  above?: number;
  below?: number;
  integer?: boolean;
}

/** The ranges the commands share. */
export const RANGE = {
  /** 1, 2, 3, ... (epochs, stride, sizes) */
  count: { min: 1, integer: true },
  /** 0, 1, 2, ... (seeds, thread counts, --top) */
  whole: { min: 0, integer: true },
  positive: { above: 0 },
  nonNegative: { min: 0 },
  /** Strictly between 0 and 1 (a fraction of the rows, a probability). */
  fraction: { above: 0, below: 1 },
  /** 0 to 1 inclusive (a quantile). */
  unit: { min: 0, max: 1 },
} as const satisfies Record<string, NumberRange>;

/** A FlagSpec whose number flags may declare a range. */
export interface CliFlagSpec {
  [name: string]: FlagSpec[string] & { range?: NumberRange };
}

/** The words for a range: "a whole number >= 1", "a number > 0 and < 1". */
function rangeWords(r: NumberRange): string {
  const parts: string[] = [];
  if (r.min !== undefined) parts.push(`>= ${r.min}`);
  if (r.above !== undefined) parts.push(`> ${r.above}`);
  if (r.max !== undefined) parts.push(`<= ${r.max}`);
  if (r.below !== undefined) parts.push(`< ${r.below}`);
  return `${r.integer ? 'a whole number' : 'a number'}${parts.length ? ` ${parts.join(' and ')}` : ''}`;
}

function inRange(n: number, r: NumberRange): boolean {
  return !((r.integer && !Number.isInteger(n)) || (r.min !== undefined && n < r.min) || (r.max !== undefined && n > r.max) ||
    (r.above !== undefined && n <= r.above) || (r.below !== undefined && n >= r.below));
}

export function parseFlags<S extends CliFlagSpec>(command: string, argv: string[], spec: S): Flags<S> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(spec)) if (v.default !== undefined) out[k] = v.default;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new UsageError(`${command}: unexpected argument "${a}" (see vigil ${command} --help)`);
    let [name, value] = a.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    const s = spec[name];
    if (!s) throw new UsageError(`${command}: unknown option --${name} (see vigil ${command} --help)`);
    if (s.type === 'boolean') {
      out[name] = value === undefined ? true : value !== 'false';
      continue;
    }
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new UsageError(`${command}: --${name} needs a value`);
    }
    if (s.type === 'number') {
      const n = Number(value);
      if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${command}: --${name} must be a number, got "${value}"`);
      if (s.range && !inRange(n, s.range)) throw new UsageError(`${command}: --${name} must be ${rangeWords(s.range)}, got ${value}`);
      out[name] = n;
    } else out[name] = value;
  }
  return out as Flags<S>;
}

/** `spec` with `ranges` added to the flags it has (a spec declared in lib, such as the calibrators' options). */
export function withRanges<S extends FlagSpec>(spec: S, ranges: Record<string, NumberRange>): S {
  const out: CliFlagSpec = { ...spec };
  for (const [k, r] of Object.entries(ranges)) if (out[k]?.type === 'number') out[k] = { ...out[k], range: r };
  return out as S;
}

export function helpText(command: string, summary: string, spec: CliFlagSpec): string {
  const lines = [`vigil ${command} — ${summary}`, '', 'Options:'];
  const names = Object.entries(spec).map(([k, v]) => `  --${k}${v.type === 'boolean' ? '' : ` <${v.type}>`}`);
  const width = Math.max(28, ...names.map((n) => n.length + 2));
  Object.values(spec).forEach((v, i) => {
    const def = v.default !== undefined && v.type !== 'boolean' ? ` (default ${v.default})` : '';
    lines.push(names[i].padEnd(width) + v.help + def);
  });
  return lines.join('\n');
}

/** True when `--name` appears on the command line (given explicitly, not by default). */
export function flagGiven(argv: string[], name: string): boolean {
  return argv.some((a) => a === `--${name}` || a.startsWith(`--${name}=`));
}

/** The flags of `spec` a command line gives, in order, each with its value (none for a boolean given bare). */
export function flagsOf(argv: string[], spec: CliFlagSpec): { name: string; value?: string }[] {
  const out: { name: string; value?: string }[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (!argv[i].startsWith('--')) continue;
    const [name, inline] = argv[i].slice(2).split(/=(.*)/s, 2);
    if (!(name in spec)) continue;
    out.push({ name, value: spec[name].type === 'boolean' || inline !== undefined ? inline : argv[++i] });
  }
  return out;
}

/** flagsOf's flags as a command line again. */
export function flagArgs(flags: { name: string; value?: string }[]): string[] {
  return flags.flatMap((f) => [`--${f.name}`, ...(f.value === undefined ? [] : [f.value])]);
}
