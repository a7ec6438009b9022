// The alarm episodes of a scored series (the Detector's episodes()): the flags and scores of
// SeriesScores through the post-rules (episodes.ts), naming channels when the model has errors.
import type { DecisionRule, SeriesScores } from './decide';
import { episodes, postRules, type Episode, type PostRules } from './episodes';

export interface EpisodeOptions {
  /** Post-rules over the Detector's defaults (`postRules`). */
  postRules?: Partial<PostRules>;
  /** Channels named per episode (default 3). */
  top?: number;
  /** ms since the epoch per row (echoed as the episodes' start and end times). */
  timestamps?: ArrayLike<number>;
}

/** The episodes of `s` by the rule's columns and the post-rules over `defaults`. */
export function seriesEpisodes(rule: DecisionRule, defaults: PostRules, s: SeriesScores, opts: EpisodeOptions = {}): Episode[] {
  const rules = postRules(opts.postRules, defaults);
  const errors = rule.hasChannelErrors ? { channelErrors: s.channelErrors, columns: rule.columns } : {};
  return episodes({ flags: s.flags, scores: s.scores, timestamps: opts.timestamps, ...errors }, rules, opts.top);
}
