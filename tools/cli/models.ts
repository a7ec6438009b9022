// `vigil models`: the model kinds this build can train (the model zoo's registry, models/index.ts):
// each kind's name, what it reads (lib/model's input kinds: windows, matrix-series, rows), its seed
// system, its default config for a given channel count, its named configs and its summary.
import { MODEL_KINDS, type ModelKind } from '../../models';
import { helpText, parseFlags, RANGE } from './args';
import { JSON_FLAG, Output } from './output';

const FLAGS = {
  channels: { type: 'number', default: 18, help: 'channels the default configs are shown for (the simulated plant has 18)', range: RANGE.count },
  ...JSON_FLAG,
  help: { type: 'boolean', help: 'show this help' },
} as const;

export interface ModelListing {
  kind: string;
  input: ModelKind['inputKind'];
  /** The seed system the kind reproduces, as its summary names it (null when it names none). */
  seed: string | null;
  summary: string;
  defaultConfig: unknown;
  namedConfigs: string[];
}

/**
 * A kind's listing. The registry keeps the seed inside the summary's closing parentheses
 * ("... (DC-VAE, seed 002)"), so it is split off there; a summary without one lists no seed.
 */
export function listing(k: ModelKind, channels: number): ModelListing {
  const m = /^(.*\S)\s*\(([^()]*\bseed\b[^()]*)\)\s*$/.exec(k.summary);
  return {
    kind: k.kind, input: k.inputKind, seed: m ? m[2] : null, summary: m ? m[1] : k.summary,
    defaultConfig: k.defaultConfig(channels), namedConfigs: k.namedConfigs ?? [],
  };
}

export function models(argv: string[]): void {
  const f = parseFlags('models', argv, FLAGS);
  if (f.help) return console.log(helpText('models', 'list the model kinds: input, seed, default config', FLAGS));
  const out = new Output(!!f.json);
  const list = MODEL_KINDS.map((k) => listing(k, f.channels));
  for (const m of list) {
    out.say(`${m.kind}  [${m.input}]  seed: ${m.seed ?? 'none named'}`);
    out.say(`  ${m.summary}`);
    out.say(`  default config (${f.channels} channels): ${JSON.stringify(m.defaultConfig)}`);
    if (m.namedConfigs.length) out.say(`  named configs (--config NAME): ${m.namedConfigs.join(', ')}`);
  }
  out.say(`train one: vigil train --model ${list[0].kind} --data normal.csv --out model.vigil (the first is the default)`);
  out.result({ channels: f.channels, models: list });
}
