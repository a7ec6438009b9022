// `vigil report`: the HTML report of a user's own scored data, by the demo's writer
// (tools/report): the scores file `vigil detect` wrote (its scores, flags and top channels), the
// data it scored (read as the bundle remembers, tools/cli/remember.ts; its labels, when it has
// them, name the events), and the bundle (its window gives the default post-rules, its POT
// threshold the calibrated peaks). Alarm episodes are the file's flags merged by lib/detect's
// post-rules; an episode's channels are those the file's rows name most often.
import { readFileSync } from 'node:fs';

import { firstLines } from '../../lib/data/lines';
import { detectSeparator, splitFields } from '../../lib/data/fields';
import type { Series } from '../../lib/data/series';
import { defaultPostRules, episodes, postRules, type PostRules } from '../../lib/detect/episodes';
import { calibratedScore, tailCalibration } from '../../lib/eval/calibrated';
import { channelsNamed, episodeRecords, labelledEvents, writeReport, zoneOf, UTC, type EpisodeRecord, type TimeZone } from '../report';
import { formatTime } from '../report/time';
import { helpText, parseFlags, RANGE, UsageError } from './args';
import { DATA_FLAGS, flagsFor, loadFor, type DataFlags } from './data_args';
import { loadModelArg } from './model_arg';
import { JSON_FLAG, Output } from './output';
import { POST_RULE_FLAGS, postRulesGiven } from './post_rule_flags';
import { parseScoresFile, type ScoresFile } from './scores_file';

const FLAGS = {
  model: { type: 'string', help: 'the model bundle that scored the data (its window, threshold and remembered data flags)' },
  ...DATA_FLAGS,
  scores: { type: 'string', help: 'the scores CSV vigil detect wrote for --data' },
  out: { type: 'string', default: 'vigil-report', help: 'the folder to write index.html in' },
  title: { type: 'string', help: 'the report\'s title (default: names the data and the model)' },
  top: { type: 'number', default: 3, help: 'channels named per alarm episode', range: RANGE.whole },
  ...POST_RULE_FLAGS,
  ...JSON_FLAG,
  help: { type: 'boolean', help: 'show this help' },
} as const;

export async function report(argv: string[]): Promise<void> {
  const given = parseFlags('report', argv, FLAGS);
  if (given.help) return console.log(helpText('report', 'write an HTML report of scored data: scores, alarm episodes, all channels', FLAGS));
  if (!given.scores) throw new UsageError('--scores is required (the CSV vigil detect --out wrote for --data)');
  if (!given.data) throw new UsageError('--data is required (the file vigil detect scored)');
  const out = new Output(!!given.json);
  const loaded = loadModelArg(given.model);
  try {
    const info = loaded.info;
    if (info.tabular) throw new UsageError('vigil report plots time series; a model of tabular rows has no time order (use vigil evaluate)');
    const f = await flagsFor(info, given.model!, given, argv);
    const series = (await loadFor(info, f, argv, 'test', (l) => out.note(`  ${l}`))).series;
    const file = readScores(f.scores!, series);
    const rules = postRules(postRulesGiven(f), defaultPostRules(info.windows.length));
    const alpha = 'alpha' in info;
    const tail = alpha ? null : tailCalibration(info.threshold);
    const zone = series.timestamps && f.timestamp ? await zoneOfData(f) : UTC;
    const records = episodeRecordsOf(series, file, rules, { zone, top: f.top, calibrated: tail ? (x) => calibratedScore(tail, x) : undefined });
    const flagged = file.flags.reduce((a, b) => a + b, 0);
    const rule = alpha ? 'flagged by per-channel alphas' : `threshold ${info.threshold.value.toPrecision(4)} (${info.threshold.method})`;
    const path = writeReport(f.out!, {
      title: f.title ?? `Vigil report: ${series.source ?? f.data} scored by ${given.model}`,
      facts: [
        `${series.source ?? f.data}: ${series.rows} rows, ${series.columns.length} channels${series.labels ? ', labelled' : ', no labels'}; scores from ${f.scores}.`,
        `${given.model}: ${loaded.kind}, window ${info.windows.length} rows, ${rule}; ${flagged} rows flagged.`,
        `Times in ${series.timestamps ? zone.label : '(no timestamps: rows)'}.`,
      ],
      series, zone,
      episodeChannels: 'the channels its flagged rows name most often in the scores file (each row names its largest errors)',
      runs: [{ name: loaded.kind, scores: file.scores, threshold: alpha || info.threshold.method === 'dynamic' ? undefined : info.threshold.value, flags: file.flags, episodes: records, postRules: rules }],
    });
    const falseAlarms = series.labels ? records.filter((r) => r.events?.length === 0).length : null;
    out.say(`vigil report: ${records.length} alarm episodes from ${flagged} flagged rows${falseAlarms === null ? '' : ` (${falseAlarms} false alarms)`}; wrote ${path}`);
    out.result({ model: given.model, data: series.source ?? f.data, scores: f.scores, out: path, rows: series.rows, flagged, labelled: !!series.labels, zone: zone.label, postRules: rules, episodes: records });
  } finally {
    loaded.model.dispose();
  }
}

/** The scores file for `series`: one line per row of the data (as detect wrote it for the same --data and --rows). */
function readScores(path: string, series: Series): ScoresFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`--scores ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file (vigil detect --out writes one)' : (e as Error).message}`);
  }
  const file = parseScoresFile(text, path);
  if (file.scores.length !== series.rows)
    throw new UsageError(`--scores ${path} has ${file.scores.length} rows and --data ${series.rows}: give the file (and --rows) vigil detect scored`);
  return file;
}

/** The episode table's rows: the file's flags merged by the rules; labelled events are the runs of the data's labels. */
export function episodeRecordsOf(series: Series, file: ScoresFile, rules: PostRules, o: { zone: TimeZone; top: number; calibrated?: (x: number) => number }): EpisodeRecord[] {
  const t = series.timestamps;
  const found = episodes({ flags: file.flags, scores: file.scores, timestamps: t }, rules, 0);
  const step = t && t.length > 1 ? (t[t.length - 1] - t[0]) / 1000 / (t.length - 1) : undefined;
  return episodeRecords(found, {
    time: (r) => (t ? formatTime(t[r], o.zone, true) : null), stepSeconds: step,
    events: series.labels ? labelledEvents(series.labels) : undefined,
    channels: (e) => channelsNamed(file.top, file.flags, e, o.top),
    calibrated: o.calibrated,
  });
}

/** The zone the data's first timestamp names (UTC when it names none). */
async function zoneOfData(f: DataFlags): Promise<TimeZone> {
  const lines = (await firstLines(f.data!, 2)).filter((l) => l.length);
  if (f['no-header'] || lines.length < 2) return UTC;
  const sep = detectSeparator(lines[0]);
  const k = splitFields(lines[0], sep, f.data!, 1).map((c) => c.trim()).indexOf(f.timestamp!);
  return k < 0 ? UTC : zoneOf(splitFields(lines[1], sep, f.data!, 2)[k] ?? '');
}
