// The demo's HTML report: the attacked period in plant units with the attacked channels
// plotted, every scorer's score with its threshold, and the tables (tools/report).
import { writeReport } from '../../report';
import type { DemoSizes } from './config';
import type { DemoData } from './data';
import type { DemoEvaluation } from './evaluate';
import type { Scored } from './models';

/** The channels the attacks touch, in column order, at most `max`. */
function keyChannels(data: DemoData, max = 8): string[] {
  const touched = new Set(data.attacks.flatMap((a) => a.channels));
  return data.attacked.columns.filter((c) => touched.has(c)).slice(0, max);
}

export function writeDemoReport(dir: string, data: DemoData, scored: Scored[], ev: DemoEvaluation, sizes: DemoSizes, facts: string[]): string {
  const units = new Map(data.channels.map((c) => [c.name, c.unit]));
  return writeReport(dir, {
    title: 'Vigil demo: simulated water treatment plant under attack',
    facts,
    series: data.attacked,
    plotChannels: keyChannels(data).map((name) => ({ name, unit: units.get(name) })),
    stepSeconds: sizes.sampleSeconds,
    attacks: ev.attacks,
    benign: data.benign.map((b) => ({ startRow: b.startRow, endRow: b.endRow, label: `${b.id} (benign)` })),
    runs: scored.filter((s) => s.name !== 'random').map((s) => ({ ...s, threshold: s.threshold.value })),
    reports: ev.reports,
  });
}
