// The CLI remembers how the training data was read: `train` keeps the data flags that name
// columns or the layout (--timestamp, --label, --exclude, --no-header, --machine) in the
// bundle's training section (`dataFlags`, through fitDetector; the preset is already there), and
// calibrate, detect and evaluate read later data with them unless a flag given there says
// otherwise. A remembered column the file at hand lacks is left out (new data to score often
// has no label column). A tabular model's bundle keeps its own reading in its `tabular` section.
import { statSync } from 'node:fs';

import { peekHeader } from '../../lib/data/csv';
import type { DetectorInfo } from '../../lib/detect/detector_bundle';
import { flagGiven } from './args';
import type { DataFlags } from './data_args';

/** The flags remembered, by their CLI names. */
const COLUMN_FLAGS = ['timestamp', 'label', 'exclude'] as const;
const LAYOUT_FLAGS = ['no-header', 'machine'] as const;
type Remembered = Partial<Pick<DataFlags, (typeof COLUMN_FLAGS)[number] | (typeof LAYOUT_FLAGS)[number]>>;

/** The remembered flags given to train. */
export function flagsToRemember(f: DataFlags, argv: string[]): Remembered {
  const out: Record<string, unknown> = {};
  for (const k of [...COLUMN_FLAGS, ...LAYOUT_FLAGS]) if (flagGiven(argv, k) && f[k] !== undefined) out[k] = f[k];
  return out as Remembered;
}

/**
 * The data flags for reading `f.data` for a trained model: the flags given, completed by those
 * the bundle remembers; `used` lists what came from the bundle, as flags (for a note).
 */
export async function withRemembered(info: DetectorInfo, f: DataFlags, argv: string[]): Promise<{ flags: DataFlags; used: string[] }> {
  const training = (info.training ?? {}) as { preset?: unknown; dataFlags?: Remembered };
  const flags: DataFlags = { ...f };
  const used: string[] = [];
  if (info.tabular) return { flags, used };
  const take = (k: keyof Remembered, v: string | boolean) => {
    (flags as Record<string, unknown>)[k] = v;
    used.push(v === true ? `--${k}` : `--${k} ${v}`);
  };
  if (!flagGiven(argv, 'preset') && typeof training.preset === 'string' && training.preset !== f.preset) {
    flags.preset = training.preset;
    used.push(`--preset ${training.preset}`);
  }
  const kept = training.dataFlags ?? {};
  for (const k of LAYOUT_FLAGS) if (kept[k] !== undefined && !flagGiven(argv, k)) take(k, kept[k]!);
  const pending = COLUMN_FLAGS.filter((k) => kept[k] !== undefined && !flagGiven(argv, k));
  if (!pending.length) return { flags, used };
  const columns = await headerOf(flags);
  for (const k of pending) {
    // Keep the remembered columns this file has (all of them when its header cannot be read here).
    const names = kept[k]!.split(',').filter((c) => !columns || columns.includes(c));
    if (names.length) take(k, names.join(','));
  }
  return { flags, used };
}

/** The column names of a CSV file, or null for a folder, a missing file or one whose header does not read (the real read reports it). */
async function headerOf(f: DataFlags): Promise<string[] | null> {
  try {
    if (!f.data || !statSync(f.data).isFile()) return null;
    return (await peekHeader(f.data, { header: f['no-header'] ? false : undefined })).columns;
  } catch {
    return null;
  }
}

/** One line saying which flags came from the bundle. */
export function rememberedNote(model: string, used: string[]): string {
  return `note: reading the data as ${model} was trained: ${used.join(' ')} (a flag given here overrides)`;
}
