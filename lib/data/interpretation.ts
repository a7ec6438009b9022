// SMD interpretation_label files: which channels explain each labelled segment.

/** One anomalous segment [start, end) and the channels that explain it (0-based). */
export interface Interpretation {
  start: number;
  end: number;
  channels: number[];
}

/**
 * Parses SMD `interpretation_label` text: one `start-end:c1,c2,...` per line with 0-based start,
 * end one past the last step (checked against test_label: "246-252" labels steps 246..251), and
 * 1-BASED channel numbers, returned 0-based. (TranAD's preprocessing reads the same file as
 * steps start-1 .. end-2, one step earlier than test_label; we follow test_label.)
 */
export function parseInterpretationLabels(text: string, source = 'interpretation_label'): Interpretation[] {
  const out: Interpretation[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    const m = /^(\d+)\s*-\s*(\d+)\s*:\s*(\d+(?:\s*,\s*\d+)*)\s*,?$/.exec(line);
    if (!m) throw new Error(`${source}: line ${i + 1}: expected "start-end:c1,c2,...", got "${line}"`);
    const start = +m[1], end = +m[2];
    if (end <= start) throw new Error(`${source}: line ${i + 1}: end ${end} is not after start ${start}`);
    const channels = m[3].split(',').map((c) => {
      const v = +c.trim();
      if (v < 1) throw new Error(`${source}: line ${i + 1}: channel numbers are 1-based, got ${v}`);
      return v - 1;
    });
    out.push({ start, end, channels });
  });
  return out;
}
