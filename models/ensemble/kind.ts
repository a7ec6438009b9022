// The ensemble as a model kind: `--model ensemble --config '{"members": [...]}'` trains each
// member on the same normal training windows (its own kind's fit, or lib/train's), then fits
// the members' scales on the validation windows only (model.ts fitScales).
import { modelKind, type ModelKind } from '../../lib/model';
import type { FitData } from '../../lib/train/data';
import { fit, type FitOptions, type FitResult } from '../../lib/train/fit';
import { Tensor, tidy } from '../../lib/tensor';
import { Ensemble, type EnsembleConfig, type EnsembleMember } from './model';

/** A member as the user may name it: a kind, or a kind with config overrides. */
type MemberSpec = string | { kind: string; config?: Record<string, unknown> };

export const DEFAULT_MEMBERS = ['lstm-ae', 'pca', 'iforest'];

/** Throws naming the first field of the wrong type or range (a bundle's config is user input). */
export function checkEnsembleConfig(c: EnsembleConfig): EnsembleConfig {
  const fail = (field: string, want: string) => new Error(`ensemble: ${field} must be ${want}, got ${JSON.stringify((c as any)[field])}`);
  if (!(Number.isInteger(c.inputs) && c.inputs >= 1)) throw fail('inputs', 'a positive integer');
  if (!Array.isArray(c.members) || c.members.length < 1) throw fail('members', 'a list of one or more members');
  c.members.forEach((m, i) => {
    if (!m || typeof m.kind !== 'string' || typeof m.config !== 'object' || m.config === null) throw fail('members', `entries {kind, config} (entry ${i} is not)`);
    if (m.kind === 'ensemble') throw new Error(`ensemble: member ${i} is an ensemble; members must be single detectors`);
    if (m.config.inputs !== c.inputs) throw new Error(`ensemble: member ${i} (${m.kind}) reads ${JSON.stringify(m.config.inputs)} channels, the ensemble ${c.inputs}`);
  });
  if (c.combine !== 'max' && c.combine !== 'mean') throw fail('combine', '"max" or "mean"');
  if (!(Number.isInteger(c.levels) && c.levels >= 2 && c.levels <= 100000)) throw fail('levels', 'an integer in [2, 100000]');
  return c;
}

/**
 * Members named or configured by the user, each given its kind's full default config; `window`
 * (`vigil train --window`) goes to every member whose own config does not set one.
 */
function resolveMembers(inputs: number, specs: unknown, window: unknown): EnsembleMember[] {
  if (!Array.isArray(specs) || !specs.length) throw new Error(`ensemble: members must be a list of one or more kinds or {kind, config}, got ${JSON.stringify(specs)}`);
  return specs.map((s: MemberSpec, i) => {
    const spec = typeof s === 'string' ? { kind: s } : s;
    if (!spec || typeof spec.kind !== 'string') throw new Error(`ensemble: member ${i} must be a kind name or {kind, config}, got ${JSON.stringify(s)}`);
    if (spec.kind === 'ensemble') throw new Error(`ensemble: member ${i} is an ensemble; members must be single detectors`);
    const own = { ...(window !== undefined ? { window } : {}), ...(spec.config ?? {}) };
    return { kind: spec.kind, config: modelKind(spec.kind).defaultConfig(inputs, own) };
  });
}

/** The ensemble's training windows as member i sees them: each sample's last rows only. */
function memberData(model: Ensemble, i: number, data: FitData): FitData {
  if (model.members[i].window === model.window) return data;
  return {
    trainCount: data.trainCount,
    validationCount: data.validationCount,
    batch(split, indices) {
      return tidy(() => model.memberInput(i, data.batch(split, indices)));
    },
  };
}

export const ensembleKind: ModelKind<EnsembleConfig, Ensemble> = {
  kind: 'ensemble',
  summary: 'fitted members (e.g. lstm-ae, pca, iforest) on one scale: each score\'s surprise on validation data, combined by max',
  inputKind: 'windows',
  defaultConfig: (inputs, overrides = {}) => {
    const { members, window, ...rest } = overrides as Partial<EnsembleConfig> & { window?: unknown };
    return { combine: 'max', levels: 1000, ...rest, members: resolveMembers(inputs, members ?? DEFAULT_MEMBERS, window), inputs };
  },
  create: (config, gen) => new Ensemble(checkEnsembleConfig(config), gen),
  async fit(model, data, options) {
    if (!data.validationCount) throw new Error('ensemble: its members\' scales are fitted on validation windows, and there are none');
    // One checkpoint or log file would be overwritten member by member: refused, not ignored.
    const files = (['checkpoint', 'resume', 'log'] as const).filter((k) => options[k]);
    if (files.length) throw new Error(`ensemble: ${files.map((k) => `--${k}`).join(', ')} not supported (its members would share one file); train without`);
    const history: FitResult['history'] = [];
    let seconds = 0;
    // The epoch hook speaks of the ensemble's epochs, not a member's: members train without it.
    const { onEpoch: _e, ...shared } = options;
    for (let i = 0; i < model.members.length; i++) {
      const k = modelKind(model.config.members[i].kind);
      const member = model.members[i];
      const d = memberData(model, i, data);
      const r = k.fit ? await k.fit(member, d, shared as FitOptions<any>) : await fit(member, d, shared as FitOptions<any>);
      for (const h of r.history) history.push({ ...h, epoch: history.length + 1 });
      seconds += r.seconds;
    }
    const t0 = performance.now();
    const chunk = 1024;
    const validationScores = model.fitScales((visit) => {
      for (let b = 0; b < data.validationCount; b += chunk) {
        const idx = Int32Array.from({ length: Math.min(chunk, data.validationCount - b) }, (_, j) => b + j);
        tidy(() => visit(data.batch('validation', idx) as Tensor));
      }
    });
    seconds += (performance.now() - t0) / 1000;
    // The history is the members' epochs one after another; the ensemble is every member at its
    // best, so its "best epoch" is the last, and its loss its mean score (surprise) on the
    // validation windows, as the classic kinds report their mean score (closed_form_fit.ts).
    let sum = 0;
    for (const v of validationScores) sum += v;
    return {
      history, bestEpoch: history.length, bestLoss: sum / validationScores.length,
      watched: 'validation loss', stoppedEarly: false, resumedFrom: null, seconds,
    };
  },
};
