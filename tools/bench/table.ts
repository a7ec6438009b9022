// The bench's tables: raw per-run figures in, markdown (or a JSON summary) out. Every cell is the
// median over the alternating runs with its min and max; the ratio is taken run pair by run pair
// against the best peer mode of that run (stats.pairedRatios). Pure, so it is tested on known
// numbers (test/bench/peer_check.test.ts).
import { pairedRatios, spread, type Spread } from './stats';

export interface TableRow {
  name: string;
  threads: number;
  /** Vigil's figure, one per run. */
  vigil: number[];
  /** One array per peer column (same order as BenchTable.peerLabels), one figure per run. */
  peers: number[][];
  /** Why no ratio is printed (the peer check failed); the figures are still shown. */
  withheld?: string;
}

export interface BenchTable {
  title: string;
  /** Unit of every figure in the table, e.g. 'windows/s', 'ms', 'GFLOP/s'. */
  unit: string;
  /** Throughput (true: ratio = Vigil / peer) or time (false: ratio = peer / Vigil). */
  higherIsBetter: boolean;
  peerLabels: string[];
  rows: TableRow[];
  /** Lines printed under the table (what the rows mean). */
  notes?: string[];
}

export interface RowSummary {
  name: string;
  threads: number;
  vigil: Spread;
  peers: Spread[];
  /** Per-run ratio against the best peer column; null when withheld. */
  ratio: Spread | null;
  withheld?: string;
}

export function summarizeRow(row: TableRow, higherIsBetter: boolean): RowSummary {
  return {
    name: row.name,
    threads: row.threads,
    vigil: spread(row.vigil),
    peers: row.peers.map(spread),
    ratio: row.withheld ? null : spread(pairedRatios(row.vigil, row.peers, higherIsBetter)),
    ...(row.withheld ? { withheld: row.withheld } : {}),
  };
}

/** Decimals for about 3 significant digits of x (at most 3). */
function decimalsFor(x: number): number {
  const a = Math.abs(x);
  return a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3;
}

export function fmtNumber(x: number, decimals = decimalsFor(x)): string {
  return Number.isFinite(x) ? x.toFixed(decimals) : 'n/a';
}

/** "median (min-max)", all three with the median's decimals (or `decimals`); one run prints its figure alone. */
export function fmtSpread(s: Spread, suffix = '', decimals?: number): string {
  if (s.n === 0 || !Number.isFinite(s.median)) return 'n/a';
  const d = decimals ?? decimalsFor(s.median);
  if (s.n === 1) return `${fmtNumber(s.median, d)}${suffix}`;
  return `${fmtNumber(s.median, d)}${suffix} (${fmtNumber(s.min, d)}-${fmtNumber(s.max, d)}${suffix})`;
}

export function formatTable(table: BenchTable): string[] {
  const head = ['', 'threads', `Vigil ${table.unit}`, ...table.peerLabels.map((p) => `${p} ${table.unit}`), 'ratio vs best peer'];
  const lines = [`### ${table.title}`, '', `| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const row of table.rows) {
    const s = summarizeRow(row, table.higherIsBetter);
    const ratio = s.ratio ? fmtSpread(s.ratio, 'x', 2) : `withheld (${s.withheld})`;
    lines.push(`| ${[s.name, String(s.threads), fmtSpread(s.vigil), ...s.peers.map((p) => fmtSpread(p)), ratio].join(' | ')} |`);
  }
  if (table.notes?.length) lines.push('', ...table.notes);
  return lines;
}

/** The JSON form of a table: the raw runs and their summaries. */
export function tableJson(table: BenchTable): object {
  return { ...table, summary: table.rows.map((r) => summarizeRow(r, table.higherIsBetter)) };
}
