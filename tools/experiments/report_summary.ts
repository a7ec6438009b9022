// Mean ± population std over seeds of `vigil evaluate --json` / pooled_eval.ts reports, per
// column: VUS-PR, AUC-PR, AUC-ROC, F1 at the fitted threshold, event recall (detected/events per
// run), false alarms per 10k steps; one markdown row per column.
// Usage: tsx tools/experiments/report_summary.ts report-s0.json report-s1.json ...
import { readFileSync } from 'node:fs';

interface R {
  steps: number;
  thresholdFree: { vusPr: number; aucPr: number; aucRoc: number };
  point: { f1: number };
  event: { detected: number; events: number; falseAlarmsPer10kSteps: number };
}
const runs = process.argv.slice(2).map((p) => {
  const j = JSON.parse(readFileSync(p, 'utf8'));
  return (j.reports ?? j) as Record<string, R>;
});
const ms = (v: number[], d = 3) => {
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  const s = Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length);
  return v.length > 1 ? `${m.toFixed(d)} ± ${s.toFixed(d)}` : m.toFixed(d);
};
console.log(`${runs.length} run(s); steps ${runs.map((r) => Object.values(r)[0].steps).join(', ')}`);
console.log('| scorer | VUS-PR | AUC-PR | AUC-ROC | F1 at threshold | event recall | false alarms / 10k steps |');
for (const name of Object.keys(runs[0])) {
  const rs = runs.map((r) => r[name]);
  const ev = rs.map((r) => `${r.event.detected}/${r.event.events}`);
  console.log(
    `| ${name} | ${ms(rs.map((r) => r.thresholdFree.vusPr))} | ${ms(rs.map((r) => r.thresholdFree.aucPr))} | ${ms(rs.map((r) => r.thresholdFree.aucRoc))} | ` +
      `${ms(rs.map((r) => r.point.f1))} | ${new Set(ev).size === 1 ? ev[0] : ev.join(', ')} | ${ms(rs.map((r) => r.event.falseAlarmsPer10kSteps), 1)} |`,
  );
}
