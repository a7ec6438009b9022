// The datasets `npm run eval` knows: each one's protocol split (train on normal data, test with
// labels), read from ../shared/data with lib/data's presets, or built in (the plant simulator,
// the synthetic series). The row counts are for the planner's time estimates only.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { loadPreset } from '../../lib/data/presets';
import { sliceRows, type Series } from '../../lib/data/series';
import { simulatePlant } from '../../lib/data/simulator';
import { syntheticSeries } from '../../lib/data/synthetic';

/** 'series': rows in time order (VUS, events); 'rows': independent tabular records. */
export type DataShape = 'series' | 'rows';

export interface EvalData {
  train: Series;
  /** Labelled test rows. */
  test: Series;
  /** Normal rows held out for thresholds (tabular protocols); otherwise the tail of train is used. */
  validation?: Series;
}

export interface DatasetSpec {
  id: string;
  what: string;
  shape: DataShape;
  /** Approximate row counts, for time estimates. */
  trainRows: number;
  testRows: number;
  /** Paths under the data root it reads; [] for built-in data. */
  needs: string[];
  /** Left out of the default list (run only when --datasets names it). */
  optIn?: boolean;
  load(root: string): Promise<EvalData>;
}

function smd(machine: string): DatasetSpec {
  return {
    id: `smd-${machine.replace('machine-', '')}`, what: `SMD ${machine}: train/ (last 10% validation), test/ with test_label`,
    shape: 'series', trainRows: 23700, testRows: 23700, needs: [`smd/train/${machine}.txt`, `smd/test/${machine}.txt`],
    async load(root) {
      const d = await loadPreset('smd', join(root, 'smd'), { machine });
      return { train: d.train!, test: d.test! };
    },
  };
}

function tabular(name: 'arrhythmia' | 'kddcup99', what: string, trainRows: number, testRows: number, file: string): DatasetSpec {
  return {
    id: name, what, shape: 'rows', trainRows, testRows, needs: [`${name}/${file}`],
    async load(root) {
      // The honest one-class protocol: a normal-only validation split for thresholds (lib/data/tabular_protocol.ts).
      const d = await loadPreset(name, join(root, name), { tabular: { protocol: 'honest', seed: 42 } });
      return { train: d.train!, validation: d.validation, test: d.test! };
    },
  };
}

/** The plant simulator as `vigil demo` runs it: 24 normal hours, then 12 attacked hours, 10 s rows, seed 7. */
const SIM_HOURS = { normal: 24, attacked: 12, sampleSeconds: 10, seed: 7 };

export const DATASETS: DatasetSpec[] = [
  smd('machine-1-6'),
  smd('machine-2-1'),
  smd('machine-3-4'),
  {
    id: 'batadal', what: 'BATADAL: train dataset03 (last 10% validation), test dataset04 with the full labels', shape: 'series',
    trainRows: 8761, testRows: 4177, needs: ['batadal/BATADAL_dataset03.csv', 'batadal/BATADAL_dataset04.csv', 'batadal/BATADAL_dataset04_full_labels.csv'],
    async load(root) {
      const d = await loadPreset('batadal', join(root, 'batadal'));
      return { train: d.train!, test: d.test! };
    },
  },
  {
    id: 'skab', what: 'SKAB: train anomaly-free.csv (last 10% validation), test the labelled runs (valve1) pooled', shape: 'series',
    trainRows: 9405, testRows: 18000, needs: ['skab/anomaly-free/anomaly-free.csv', 'skab/valve1'],
    async load(root) {
      const d = await loadPreset('skab', join(root, 'skab'));
      return { train: d.train!, test: d.test! };
    },
  },
  {
    id: 'sim', what: `plant simulator (seed ${SIM_HOURS.seed}): ${SIM_HOURS.normal} normal hours to train on, then ${SIM_HOURS.attacked} attacked hours, ${SIM_HOURS.sampleSeconds} s rows`,
    shape: 'series', trainRows: 8640, testRows: 4320, needs: [],
    async load() {
      const sim = simulatePlant({
        hours: SIM_HOURS.normal + SIM_HOURS.attacked, attackFrom: SIM_HOURS.normal, seed: SIM_HOURS.seed, attacks: 'default', sampleSeconds: SIM_HOURS.sampleSeconds,
      });
      const s = sim.series;
      return { train: sliceRows(s, 0, sim.attackedFrom), test: sliceRows(s, sim.attackedFrom, s.rows) };
    },
  },
  tabular('arrhythmia', 'Arrhythmia (ODDS): honest one-class split, thresholds on the normal-only validation rows', 300, 150, 'arrhythmia.csv'),
  tabular('kddcup99', 'KDDCup99 10%: honest one-class split (normal. the anomalous class), thresholds on the normal-only validation rows', 320000, 100000, 'kddcup.data_10_percent.gz'),
  {
    id: 'synthetic', what: 'built-in synthetic series: 4 channels, 1,500 normal rows, then 1,000 rows with 3 injected faults', shape: 'series',
    trainRows: 1500, testRows: 1000, needs: [], optIn: true,
    async load() {
      const columns = ['c0', 'c1', 'c2', 'c3'];
      const train = syntheticSeries(1500, 4, { plantSeed: 3, noiseSeed: 4 });
      const test = syntheticSeries(1000, 4, { plantSeed: 3, noiseSeed: 5, start: 1500, faults: true });
      return {
        train: { columns, data: train.data, rows: train.rows, source: 'synthetic' },
        test: { columns, data: test.data, rows: test.rows, labels: test.labels, source: 'synthetic' },
      };
    },
  },
];

export function datasetSpec(id: string): DatasetSpec {
  const d = DATASETS.find((x) => x.id === id);
  if (!d) throw new Error(`unknown dataset "${id}" (known: ${DATASETS.map((x) => x.id).join(', ')})`);
  return d;
}

/** The paths a dataset needs that are missing under `root` (empty: it can run). */
export function missingFiles(d: DatasetSpec, root: string): string[] {
  return d.needs.filter((p) => !existsSync(join(root, p)));
}
