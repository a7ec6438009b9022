// The report's tables: the evaluation (one row per scorer, columns in the honest order:
// threshold-free, then at the fitted threshold, then event-wise, then the diagnostic
// point-adjusted F1 set apart) and the per-attack detections.
import type { NamedReport, Report } from '../../lib/eval/report';
import type { AttackResult } from './attacks';
import { esc } from './html';

const num = (x: number | null | undefined, digits = 3): string =>
  x === null || x === undefined || Number.isNaN(x) ? '–' : x.toFixed(digits);

type Col = { head: string; cell: (r: Report) => string; diag?: boolean };

function columns(reports: NamedReport[]): [string, Col[]][] {
  const L = [...new Set(reports.map((r) => r.report.thresholdFree.vusWindow))].join('/');
  const perDay = reports.some((r) => r.report.event.falseAlarmsPerDay !== null);
  const seconds = reports.some((r) => r.report.event.timeToDetect.meanSeconds !== null);
  return [
    [`threshold-free`, [
      { head: `VUS-PR (L=${L})`, cell: (r) => num(r.thresholdFree.vusPr) },
      { head: 'AUC-PR', cell: (r) => num(r.thresholdFree.aucPr) },
      { head: 'AUC-ROC', cell: (r) => num(r.thresholdFree.aucRoc) },
    ]],
    ['at the threshold fitted on normal data', [
      { head: 'threshold', cell: (r) => `${num(r.threshold.value, 4)} <span class="tag">${esc(r.threshold.method)}</span>` },
      { head: 'precision', cell: (r) => num(r.point.precision) },
      { head: 'recall', cell: (r) => num(r.point.recall) },
      { head: 'F1', cell: (r) => num(r.point.f1) },
    ]],
    ['event-wise', [
      { head: 'events detected', cell: (r) => `${r.event.detected}/${r.event.events}` },
      { head: 'composite F1', cell: (r) => num(r.event.compositeF1) },
      seconds
        ? { head: 'time to detect, median (s)', cell: (r) => num(r.event.timeToDetect.medianSeconds, 0) }
        : { head: 'time to detect, median (steps)', cell: (r) => num(r.event.timeToDetect.medianSteps, 0) },
      perDay
        ? { head: 'false alarms / day', cell: (r) => num(r.event.falseAlarmsPerDay, 1) }
        : { head: 'false alarms / 10k steps', cell: (r) => num(r.event.falseAlarmsPer10kSteps, 1) },
    ]],
    ['diagnostic only', [
      { head: 'point-adjusted F1', cell: (r) => num(r.diagnostic.pointAdjusted.f1), diag: true },
    ]],
  ];
}

/**
 * Scorers as rows. `baselines` names the comparison rows (random, PCA), drawn in grey; a scorer
 * that does not beat the "random" row on both VUS-PR and AUC-PR is marked with *.
 */
export function evaluationTable(reports: NamedReport[], baselines: string[] = ['random', 'PCA']): string {
  const groups = columns(reports);
  const random = reports.find((r) => r.name === 'random')?.report;
  const beats = (r: Report) => !random || r === random ||
    (r.thresholdFree.vusPr > random.thresholdFree.vusPr && r.thresholdFree.aucPr > random.thresholdFree.aucPr);
  const head1 = groups.map(([g, cols]) => `<th colspan="${cols.length}"${cols[0].diag ? ' class="diag"' : ''}>${esc(g)}</th>`).join('');
  const head2 = groups.flatMap(([, cols]) => cols.map((c) => `<th${c.diag ? ' class="diag"' : ''}>${esc(c.head)}</th>`)).join('');
  const rows = reports.map(({ name, report }) => {
    const cells = groups.flatMap(([, cols]) => cols.map((c) => `<td${c.diag ? ' class="diag"' : ''}>${c.cell(report)}</td>`)).join('');
    const cls = baselines.includes(name) ? ' class="base"' : '';
    return `<tr${cls}><td class="l">${esc(name)}${beats(report) ? '' : ' *'}</td>${cells}</tr>`;
  });
  return `<table class="eval">
<thead><tr><th class="l" rowspan="2">scorer</th>${head1}</tr><tr>${head2}</tr></thead>
<tbody>${rows.join('\n')}</tbody>
</table>`;
}

const seconds = (s: number | null): string => (s === null ? '–' : s < 120 ? `${s.toFixed(0)} s` : `${(s / 60).toFixed(1)} min`);

/** One row per attack: what it touched, and for each scorer whether, how fast and what it blamed. */
export function attackTable(results: AttackResult[], stepSeconds = 1): string {
  const models = results[0]?.detections.map((d) => d.model) ?? [];
  const head = `<tr><th class="l">attack</th><th class="l">kind</th><th class="l">channels touched</th><th>duration</th>${models
    .map((m) => `<th class="l">${esc(m)}: detected after · top channels</th>`).join('')}</tr>`;
  const rows = results.map((a) => {
    const touched = new Set(a.channels);
    const cells = a.detections.map((d) => {
      if (d.detectedAt === null) return '<td class="l no">missed</td>';
      const top = d.top.map((c) => (touched.has(c) ? `<b>${esc(c)}</b>` : esc(c))).join(', ');
      return `<td class="l"><span class="yes">${seconds(d.delaySeconds ?? d.delaySteps)}</span> · ${top || '–'}</td>`;
    }).join('');
    const tag = a.stealthy ? ' <span class="tag">stealthy</span>' : '';
    const title = a.description ? ` title="${esc(a.description)}"` : '';
    return `<tr><td class="l"${title}>${esc(a.id)}${tag}</td><td class="l">${esc(a.kind)}</td><td class="l">${esc(a.channels.join(', '))}</td><td>${seconds((a.endRow - a.startRow) * stepSeconds)}</td>${cells}</tr>`;
  });
  return `<table class="attacks">
<thead>${head}</thead>
<tbody>${rows.join('\n')}</tbody>
</table>
<p class="note">Detected: some step inside the attack scores above the scorer's threshold. Top channels: largest error (relative to the channel's error on normal data) summed over the flagged steps inside the attack; <b>bold</b> = a channel the attack touched.</p>`;
}
