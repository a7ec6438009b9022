// What the Detector adds to decide.ts's per-row decision, in batches and streams alike: the
// calibrated score (lib/eval/calibrated.ts) and, on streams with post-rules, the episode event.
import { calibratedScore, type TailCalibration } from '../eval/calibrated';
import type { Decision, NotReady, RowResult } from './decide';
import type { EpisodeEvent } from './episode_tracker';

export interface DetectorDecision extends Decision {
  /** 1 - the probability that a normal score exceeds this one (only with a POT threshold and the threshold rule). */
  calibrated?: number;
  /** Streams with post-rules: the alarm episode this row opens or closes. */
  episode?: EpisodeEvent;
}

export type DetectorResult = NotReady | DetectorDecision;

/** r with its calibrated score when there is a calibration (r itself, changed). */
export function withCalibrated(r: RowResult, c: TailCalibration | null): DetectorResult {
  if (c && r.ready) (r as DetectorDecision).calibrated = calibratedScore(c, r.score);
  return r;
}
