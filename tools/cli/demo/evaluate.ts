// The demo's evaluation of every scorer on the attacked period: the honest report of
// lib/eval/report.ts (threshold-free first, VUS window stated, attribution HitRate from the
// simulator's per-attack channels), and the per-attack detections of tools/report.
import type { ChannelSegment } from '../../../lib/eval/attribution';
import { evaluate, type NamedReport } from '../../../lib/eval/report';
import { attackResults, type AttackResult } from '../../report';
import type { DemoData } from './data';
import type { Scored } from './models';

export interface DemoEvaluation {
  reports: NamedReport[];
  attacks: AttackResult[];
  vusWindow: number;
}

export function evaluateDemo(data: DemoData, scored: Scored[], models: string[], vusSeconds: number, sampleSeconds: number): DemoEvaluation {
  const { attacked } = data;
  const columns = attacked.columns;
  const labels = attacked.labels!;
  const vusWindow = Math.max(1, Math.round(vusSeconds / sampleSeconds));
  const labelled: ChannelSegment[] = data.attacks.map((a) => ({ start: a.startRow, end: a.endRow, channels: a.channels.map((c) => columns.indexOf(c)) }));
  const reports = scored.map((s) => ({
    name: s.name,
    report: evaluate(s.scores, labels, {
      threshold: s.threshold,
      vusWindow,
      timestamps: attacked.timestamps,
      attribution: s.channelErrors ? { errors: s.channelErrors, channels: columns.length, labelled } : undefined,
    }),
  }));
  // Per attack: the models and PCA (a random score's hits say nothing about an attack).
  const runs = scored.filter((s) => s.name !== 'random').map((s) => ({ ...s, threshold: s.threshold.value }));
  const attacks = attackResults(data.attacks, runs, {
    columns, stepSeconds: sampleSeconds, detectors: models,
  });
  return { reports, attacks, vusWindow };
}
