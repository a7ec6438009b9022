// The post-rule flags of the commands that build alarm episodes (lib/detect/episodes.ts): each
// overrides one rule of the bundle's defaults (defaultPostRules of its window).
import type { PostRules } from '../../lib/detect/episodes';
import { RANGE, type CliFlagSpec } from './args';

export const POST_RULE_FLAGS = {
  'merge-gap': { type: 'number', help: 'post-rule: unflagged rows that may separate two runs of one episode (default window - 1)', range: RANGE.whole },
  'min-duration': { type: 'number', help: 'post-rule: rows an episode must span to be reported (default 1)', range: RANGE.count },
  cooldown: { type: 'number', help: 'post-rule: rows after a reported episode in which flags are ignored (default 0)', range: RANGE.whole },
} as const satisfies CliFlagSpec;

/** The rules given as flags; the rest come from the defaults (lib/detect/episodes.ts postRules). */
export function postRulesGiven(f: { 'merge-gap'?: number; 'min-duration'?: number; cooldown?: number }): Partial<PostRules> {
  const r: Partial<PostRules> = {};
  if (f['merge-gap'] !== undefined) r.mergeGap = f['merge-gap'];
  if (f['min-duration'] !== undefined) r.minDuration = f['min-duration'];
  if (f.cooldown !== undefined) r.cooldown = f.cooldown;
  return r;
}
