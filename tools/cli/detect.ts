// `vigil detect`: score new data with a trained detector. Writes one CSV row per input row:
// the time (timestamp or row number), the score of the window ending at that row (empty for the
// first window-1 rows, which have no full window), the 0/1 flag at the bundle's threshold, and
// the channels with the largest error. It runs on the Detector (lib/detect/detector.ts), so a
// service or a stream on the same bundle decides the same; a bundle with per-channel alphas
// flags by them. A model that cannot be fed windows of rows (tabular rows; matrix series whose
// model does not build its matrices from row windows) is scored by lib/pipeline's scoreSeries
// at the bundle's threshold, its data read as its bundle says (for rows: the encoder; with a
// protocol, the test part; --protocol none scores every row of a file). The data flags train
// was given are remembered by the bundle (tools/cli/remember.ts). --episodes also writes the
// alarm episodes: the flags merged by the post-rules (lib/detect/episodes.ts).

import { rankChannels } from '../../lib/eval/attribution';
import type { BackendName } from '../../lib/detect/backend';
import { Detector } from '../../lib/detect/detector';
import { defaultPostRules, episodes, postRules, type Episode, type PostRules } from '../../lib/detect/episodes';
import type { AdaptiveThresholdOptions } from '../../lib/detect/adaptive_threshold';
import { writeFileAtomic } from '../../lib/io/atomic';
import type { LoadedDetector } from '../../lib/detect/detector_bundle';
import { applyThreshold, describeThreshold } from '../../lib/eval/threshold';
import { inputOf, takesRowWindows } from '../../lib/model';
import { checkScorable, scoreSeries } from '../../lib/pipeline/score';
import type { Series } from '../../lib/data/series';
import { helpText, parseFlags, RANGE, UsageError } from './args';
import { DATA_FLAGS, flagsFor, loadFor } from './data_args';
import { loadModelArg } from './model_arg';
import { JSON_FLAG, Output } from './output';
import { POST_RULE_FLAGS, postRulesGiven } from './post_rule_flags';
import { parseScoresFile, SCORES_HEADER } from './scores_file';

const FLAGS = {
  model: { type: 'string', help: 'the trained model bundle (.vigil)' },
  ...DATA_FLAGS,
  out: { type: 'string', help: 'the scores CSV to write' },
  top: { type: 'number', default: 3, help: 'channels named per row', range: RANGE.whole },
  backend: { type: 'string', default: 'native', help: 'native|onnxruntime (the exported model in onnxruntime-node, CPU)' },
  episodes: { type: 'string', help: 'also write the alarm episodes (runs of flags merged by the post-rules) to this CSV' },
  adapt: { type: 'string', help: 'warmup|dspot: a threshold that adapts to this data (docs/detector.md): refit on the first --warmup decisions, or DSPOT from them' },
  warmup: { type: 'number', help: '--adapt: decisions (rows with a full window) whose scores set the threshold up; flagged by the bundle meanwhile', range: RANGE.count },
  depth: { type: 'number', help: '--adapt dspot: the moving average removed from each score (decisions)', range: RANGE.count },
  drift: { type: 'string', help: '--adapt dspot: normal (flagged scores stay out of the moving average: the paper) or all (a lasting level shift is absorbed)' },
  ...POST_RULE_FLAGS,
  ...JSON_FLAG,
  help: { type: 'boolean', help: 'show this help' },
} as const;

type DetectFlags = ReturnType<typeof parseFlags<typeof FLAGS>>;

export async function detect(argv: string[]): Promise<void> {
  const given = parseFlags('detect', argv, FLAGS);
  if (given.help) return console.log(helpText('detect', 'score data with a trained detector', FLAGS));
  if (!given.out) throw new UsageError('--out is required (the scores CSV to write)');
  if (given.backend !== 'native' && given.backend !== 'onnxruntime') throw new UsageError(`--backend must be native or onnxruntime, got "${given.backend}"`);
  const out = new Output(!!given.json);
  const loaded = loadModelArg(given.model);
  const model = given.model!;
  const t = loaded.info.threshold;
  if (t.params.provisional)
    out.say(`  note: ${model}'s threshold is provisional (the largest validation score; ${t.params.reason}): fit one with vigil calibrate --model ${model} --method ...`);
  let f: DetectFlags;
  try {
    f = await flagsFor(loaded.info, model, given, argv);
  } catch (e) {
    loaded.model.dispose();
    throw e;
  }
  if (!takesRowWindows(loaded.model)) return detectByPipeline(loaded, f, argv, out);
  const det = await Detector.create(loaded, { backend: f.backend as BackendName }, true);
  try {
    const series = (await loadFor(det.info, f, argv, 'test', (l) => out.say(`  ${l}`))).series;
    checkScorable({ info: det.info }, series);
    // A bundle with per-channel alphas (calibrate --method alpha) flags by them instead of the threshold.
    const adaptiveThreshold = adaptOf(f);
    const scored = await det.scoreSeries(series, adaptiveThreshold ? { adaptiveThreshold } : {});
    const { scores, flags, channelErrors } = scored;
    const flagged = writeScores(f.out!, series, scores, flags, channelErrors, f.top);
    const rule = det.alphas ? `by per-channel alphas (${det.alphas.method})`
      : adaptiveThreshold ? `by ${adaptiveThreshold.method === 'dspot' ? `DSPOT (depth ${adaptiveThreshold.depth}, drift ${adaptiveThreshold.drift ?? 'normal'})` : 'a threshold refitted'} after a ${adaptiveThreshold.warmup}-decision warm-up at threshold ${describeThreshold(det.threshold)}`
        : `at threshold ${describeThreshold(det.threshold)}`;
    out.say(`vigil detect: ${series.rows} rows scored, ${flagged} flagged ${rule}; wrote ${f.out}`);
    const rules = postRules(postRulesGiven(f), det.postRules);
    const eps = det.episodes(scored, { postRules: rules, top: f.top, timestamps: series.timestamps });
    out.result({ ...detectResult(f, series, scores, flagged, det.alphas ? { alphas: det.alphas.method } : { threshold: det.threshold, ...(adaptiveThreshold ? { adaptiveThreshold } : {}) }), ...tellEpisodes(f, eps, rules, out) });
  } finally {
    await det.dispose();
  }
}

/** Input other than windows: the model's own scores (and per-channel errors where it has them)
 * at the bundle's threshold, through lib/pipeline. */
async function detectByPipeline(det: LoadedDetector, f: DetectFlags, argv: string[], out: Output): Promise<void> {
  try {
    if (f.adapt) throw new UsageError(`--adapt: a model of ${inputOf(det.model).kind} input (${det.kind}) is scored at its bundle's threshold only`);
    if (f.backend !== 'native') throw new UsageError(`--backend ${f.backend}: a model of ${inputOf(det.model).kind} input (${det.kind}) is scored natively only here (vigil export writes its scoring graph for onnxruntime)`);
    const series = (await loadFor(det.info, f, argv, 'test', (l) => out.say(`  ${l}`))).series;
    const { scores, channelErrors } = scoreSeries(det, series);
    const flags = applyThreshold(scores, det.info.threshold);
    const flagged = writeScores(f.out!, series, scores, flags, channelErrors, f.top);
    out.say(`vigil detect: ${series.rows} rows scored, ${flagged} flagged at threshold ${describeThreshold(det.info.threshold)}; wrote ${f.out}`);
    // Row models decide row by row (window 1): no runs to merge by default.
    const rules = postRules(postRulesGiven(f), defaultPostRules(det.info.windows?.length ?? 1));
    const hasErrors = channelErrors.some((v) => !Number.isNaN(v));
    const eps = episodes({ flags, scores, timestamps: series.timestamps, ...(hasErrors ? { channelErrors, columns: series.columns } : {}) }, rules, f.top);
    out.result({ ...detectResult(f, series, scores, flagged, { threshold: det.info.threshold }), ...tellEpisodes(f, eps, rules, out) });
  } finally {
    det.model.dispose();
  }
}

/** --adapt and its parameters as the Detector's adaptiveThreshold option (none without --adapt). */
function adaptOf(f: DetectFlags): AdaptiveThresholdOptions | undefined {
  if (!f.adapt) {
    for (const k of ['warmup', 'depth', 'drift'] as const) if (f[k] !== undefined) throw new UsageError(`--${k} needs --adapt warmup|dspot`);
    return undefined;
  }
  if (f.adapt !== 'warmup' && f.adapt !== 'dspot') throw new UsageError(`--adapt must be warmup or dspot, got "${f.adapt}"`);
  if (f.warmup === undefined) throw new UsageError('--adapt needs --warmup N (decisions whose scores set the threshold up)');
  if (f.adapt === 'warmup') {
    if (f.depth !== undefined || f.drift !== undefined) throw new UsageError('--depth and --drift are DSPOT\'s (--adapt dspot)');
    return { method: 'warmup', warmup: f.warmup };
  }
  if (f.depth === undefined) throw new UsageError('--adapt dspot needs --depth N (the moving average, in decisions)');
  if (f.drift !== undefined && f.drift !== 'normal' && f.drift !== 'all') throw new UsageError(`--drift must be normal or all, got "${f.drift}"`);
  return { method: 'dspot', warmup: f.warmup, depth: f.depth, ...(f.drift ? { drift: f.drift } : {}) };
}

/** Says how many episodes there are, writes --episodes, and returns their part of the JSON result. */
function tellEpisodes(f: DetectFlags, eps: Episode[], rules: PostRules, out: Output): object {
  const how = `merge gap ${rules.mergeGap}, minimum duration ${rules.minDuration}, cooldown ${rules.cooldown} rows`;
  out.say(`  ${eps.length} alarm episode${eps.length === 1 ? '' : 's'} (post-rules: ${how})${f.episodes ? `; wrote ${f.episodes}` : ''}`);
  if (f.episodes) writeEpisodes(f.episodes, eps);
  return { postRules: rules, episodes: eps.length, ...(f.episodes ? { episodesOut: f.episodes } : {}) };
}

/** The episodes CSV: one row per episode, rows as positions in the data (end exclusive). */
function writeEpisodes(path: string, eps: Episode[]): void {
  const iso = (ms?: number) => (ms === undefined ? '' : new Date(ms).toISOString());
  const lines = ['start_row,end_row,start_time,end_time,duration_rows,flagged_rows,peak_score,peak_row,top_channels'];
  for (const e of eps)
    lines.push([e.start, e.end, iso(e.startTimestamp), iso(e.endTimestamp), e.duration, e.flagged, e.peakScore, e.peakRow, e.topChannels.map((c) => c.name).join(';')].join(','));
  writeFileAtomic(path, lines.join('\n') + '\n');
}

/** detect's JSON result: what was scored, how it was decided, and where it went. */
function detectResult(f: DetectFlags, series: Series, scores: Float32Array, flagged: number, rule: object): object {
  const scored = scores.reduce((n, s) => n + (Number.isNaN(s) ? 0 : 1), 0);
  return { model: f.model, data: series.source ?? f.data, rows: series.rows, scored, flagged, ...rule, out: f.out };
}

/** The scores CSV (row,time,score,flag,top_channels); returns the number of flagged rows. */
function writeScores(out: string, series: Series, scores: Float32Array, flags: Uint8Array, channelErrors: Float32Array, top: number): number {
  const F = series.columns.length;
  const lines = [SCORES_HEADER];
  let flagged = 0;
  for (let r = 0; r < series.rows; r++) {
    const time = series.timestamps ? new Date(series.timestamps[r]).toISOString() : '';
    if (Number.isNaN(scores[r])) {
      lines.push(`${r},${time},,,`);
      continue;
    }
    flagged += flags[r];
    // A model without per-channel errors (NaN) names no channels.
    const named = Number.isNaN(channelErrors[r * F]) ? [] : Array.from(rankChannels(channelErrors, F, r).subarray(0, top), (c) => series.columns[c]);
    lines.push(`${r},${time},${scores[r]},${flags[r]},${named.join(';')}`);
  }
  writeFileAtomic(out, lines.join('\n') + '\n');
  return flagged;
}

/** Reads a scores CSV written by detect: scores (NaN where empty) and times (tools/cli/scores_file.ts). */
export function readScores(text: string, path: string): { scores: Float32Array; timestamps?: Float64Array } {
  const { scores, timestamps } = parseScoresFile(text, path);
  return { scores, timestamps };
}
