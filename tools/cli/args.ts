// A small argument parser for the CLI: --flag value, --flag=value, boolean flags, and a
// one-line error for anything unknown or missing.
import { UsageError, type Flags, type FlagSpec } from '../../lib/options';

export { UsageError, type Flags, type FlagSpec };

export function parseFlags<S extends FlagSpec>(command: string, argv: string[], spec: S): Flags<S> {
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
      if (!Number.isFinite(n)) throw new UsageError(`${command}: --${name} must be a number, got "${value}"`);
      out[name] = n;
    } else out[name] = value;
  }
  return out as Flags<S>;
}

export function helpText(command: string, summary: string, spec: FlagSpec): string {
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
