// One cell of an eval run: one kind trained with one seed on a dataset's normal training rows
// (lib/pipeline fitDetector: scaler on the training rows, thresholds on the validation tail, or
// on the normal-only validation split of a tabular protocol), then evaluated on the labelled test
// rows beside the PCA baseline and a random score on the same rows, each at the threshold fitted
// without test labels. Time series get VUS-PR twice: L = 100 over every threshold (the project's
// default), and as TSB-AD computes it (L = the test series' first-channel period, 250 thresholds).
import type { NamedReport } from '../../lib/eval/report';
import type { NamedRowsReport } from '../../lib/eval/rows_report';
import { tsbWindowOfSeries } from '../../lib/eval/tsb_window';
import { evaluateDetector, evaluateRowsDetector, fitDetector } from '../../lib/pipeline';
import { scoreSeries } from '../../lib/pipeline/score';
import type { DatasetSpec, EvalData } from './datasets';
import { settingsFor, type KindSpec } from './kinds';
import type { Cell, CellResult, Figures } from './results';

/** The project's VUS window (docs/results.md, `vigil evaluate`'s default). */
export const VUS_WINDOW = 100;
/** TSB-AD's threshold count. */
const TSB_THRESHOLDS = 250;

export async function runCell(cell: Cell, d: DatasetSpec, k: KindSpec, data: EvalData, epochs?: number): Promise<CellResult> {
  const t0 = performance.now();
  const settings = settingsFor(k, d, epochs);
  const labels = data.test.labels;
  if (!labels) throw new Error(`${d.id}: the test rows have no labels`);
  const det = await fitDetector(data.train, {
    kind: k.kind, seed: cell.seed, progress: false, ...settings,
    ...(k.config ? { config: k.config(d) } : {}),
    ...(data.validation ? { validationData: data.validation } : { validation: 0.1 }),
  });
  try {
    const training = det.fitted.result;
    const base = {
      ...cell, status: 'done' as const, maxEpochs: k.deep ? settings.epochs : undefined,
      epochs: training.history.length, bestEpoch: training.bestEpoch, threshold: det.info.threshold.method,
    };
    if (d.shape === 'rows') {
      const ev = evaluateRowsDetector(det, data.test, { labels, protocol: 'honest', seed: cell.seed });
      const by = (name: string) => ev.reports.find((r) => r.name === name);
      const first = ev.reports[0].report;
      return {
        ...base, wallSeconds: seconds(t0), rows: first.rows, anomalous: first.positives / first.rows,
        scorers: { model: rowsFigures(ev.reports[0]), pca: maybe(by('PCA'), rowsFigures), random: rowsFigures(by('random')!) },
      };
    }
    const scores = scoreSeries(det, data.test).scores;
    const common = { labels, scores, seed: cell.seed };
    const main = evaluateDetector(det, data.test, { ...common, vusWindow: VUS_WINDOW });
    const tsbWindow = tsbWindowOfSeries(data.test.data, data.test.rows, data.test.columns.length);
    const tsb = evaluateDetector(det, data.test, { ...common, vusWindow: tsbWindow, vusThresholds: TSB_THRESHOLDS });
    const figures = (name: string): Figures | null => {
      const r = main.reports.find((x) => x.name === name);
      const t = tsb.reports.find((x) => x.name === name);
      return r && t ? seriesFigures(r, t) : null;
    };
    return {
      ...base, wallSeconds: seconds(t0), rows: main.evaluated, anomalous: main.labelled / main.evaluated, tsbWindow,
      scorers: { model: figures(det.kind)!, pca: figures('PCA'), random: figures('random')! },
    };
  } finally {
    det.model.dispose();
  }
}

function seriesFigures(r: NamedReport, tsb: NamedReport): Figures {
  const p = r.report.point;
  return {
    vusPr: r.report.thresholdFree.vusPr, vusPrTsb: tsb.report.thresholdFree.vusPr,
    aucPr: r.report.thresholdFree.aucPr, aucRoc: r.report.thresholdFree.aucRoc, f1: p.f1, flagged: (p.tp + p.fp) / r.report.steps,
  };
}

function rowsFigures(r: NamedRowsReport): Figures {
  const p = r.report.point;
  return { vusPr: null, vusPrTsb: null, aucPr: r.report.aucPr, aucRoc: r.report.aucRoc, f1: p.f1, flagged: (p.tp + p.fp) / r.report.rows };
}

const maybe = <A, B>(a: A | undefined, f: (a: A) => B): B | null => (a === undefined ? null : f(a));
const seconds = (t0: number): number => Math.round((performance.now() - t0) / 100) / 10;
