// The demo's terminal output beside the evaluation table: one line per attack with what it
// touched and, per model, whether and how fast it was detected and which channels were blamed.
import type { AttackResult } from '../../report';

const duration = (s: number | null): string => (s === null ? '-' : s < 120 ? `${s.toFixed(0)} s` : `${(s / 60).toFixed(1)} min`);

/** Aligned text table: columns padded to their widest cell. */
function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

/** Per attack: id, channels, duration, then per scorer "after 35 s: LIT101, FIT101" or "missed". */
export function attackLines(results: AttackResult[], scorers: string[], stepSeconds: number): string {
  const head = ['attack', 'channels', 'lasts', ...scorers.map((s) => `${s}: detected after, top channels`)];
  const rows = results.map((a) => [
    a.id + (a.stealthy ? ' (stealthy)' : ''),
    a.channels.join(','),
    duration((a.endRow - a.startRow) * stepSeconds),
    ...scorers.map((s) => {
      const d = a.detections.find((x) => x.model === s)!;
      return d.detectedAt === null ? 'missed' : `${duration(d.delaySeconds)}: ${d.top.join(', ')}`;
    }),
  ]);
  return table([head, ...rows]);
}
