// Counters and latency summaries of the example service, written as Prometheus text (format
// 0.0.4). Latency quantiles come from the last WINDOW observations of each endpoint (a sliding
// window, not decaying buckets): simple, bounded memory, exact over that window.

const WINDOW = 2048;
const QUANTILES = [0.5, 0.9, 0.99];

type Labels = Record<string, string>;

function labelText(l: Labels): string {
  const parts = Object.entries(l).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

class Counter {
  private readonly values = new Map<string, { labels: Labels; value: number }>();
  constructor(readonly name: string, readonly help: string, readonly type: 'counter' | 'gauge' = 'counter') {}
  add(labels: Labels, by = 1): void {
    const key = labelText(labels);
    const v = this.values.get(key) ?? { labels, value: 0 };
    v.value += by;
    this.values.set(key, v);
  }
  set(labels: Labels, value: number): void {
    this.values.set(labelText(labels), { labels, value });
  }
  text(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${this.type}`];
    for (const { labels, value } of this.values.values()) lines.push(`${this.name}${labelText(labels)} ${value}`);
    return lines.join('\n');
  }
}

class Summary {
  private readonly series = new Map<string, { labels: Labels; ring: Float64Array; n: number; sum: number; count: number }>();
  constructor(readonly name: string, readonly help: string) {}
  observe(labels: Labels, seconds: number): void {
    const key = labelText(labels);
    let s = this.series.get(key);
    if (!s) this.series.set(key, (s = { labels, ring: new Float64Array(WINDOW), n: 0, sum: 0, count: 0 }));
    s.ring[s.count % WINDOW] = seconds;
    s.n = Math.min(s.n + 1, WINDOW);
    s.sum += seconds;
    s.count++;
  }
  text(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} summary`];
    for (const s of this.series.values()) {
      const sorted = s.ring.slice(0, s.n).sort();
      for (const q of QUANTILES) {
        const v = s.n ? sorted[Math.min(s.n - 1, Math.floor(q * s.n))] : NaN;
        lines.push(`${this.name}${labelText({ ...s.labels, quantile: String(q) })} ${v}`);
      }
      lines.push(`${this.name}_sum${labelText(s.labels)} ${s.sum}`, `${this.name}_count${labelText(s.labels)} ${s.count}`);
    }
    return lines.join('\n');
  }
}

export class Metrics {
  readonly rows = new Counter('vigil_rows_scored_total', 'Rows scored (batch rows and stream pushes).');
  readonly decisions = new Counter('vigil_decisions_total', 'Rows that got a decision (a full window ended at them).');
  readonly flags = new Counter('vigil_flags_raised_total', 'Rows flagged anomalous.');
  readonly requests = new Counter('vigil_requests_total', 'HTTP requests by endpoint and status code.');
  readonly streams = new Counter('vigil_streams', 'Open streams.', 'gauge');
  readonly latency = new Summary('vigil_request_duration_seconds', `Request latency by endpoint, quantiles over the last ${WINDOW} requests.`);
  readonly info = new Counter('vigil_model_info', 'The loaded detector.', 'gauge');

  text(): string {
    return [this.info, this.rows, this.decisions, this.flags, this.requests, this.streams, this.latency].map((m) => m.text()).join('\n') + '\n';
  }
}
