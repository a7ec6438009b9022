// The tabular dataset presets (listed in presets.ts): where their files are, how they are read,
// and their defaults for the one-class protocol (tabular_protocol.ts).
//   kddcup99    kddcup.data_10_percent.gz (or `file`): no header, columns from kddcup.names.txt
//               beside it, label column `label`; anomalous class `normal.` (ALAD's choice: the
//               attacks are the majority, so normal traffic is the class to find)
//   arrhythmia  arrhythmia.csv (ODDS): header x0..x273,y, all numeric; anomalous y = 1
//   tabular     any file: columns from a names file (`names`, header-less) or from its header
//               (numeric unless named in `symbolic`); label `label` (default: `label` when the
//               names file declares it); anomalous class '1' unless `anomalous` says otherwise
// loadTabular reads one of them from a file or a folder and gives its parts: split by the
// protocol (paper or honest; the default for a folder) or, with protocol 'none' (the default for
// a file), every row as each part; encoded with the caller's encoder (a trained model's) or one
// fitted on the training rows.
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

import { CategoricalEncoder, type CategoricalEncoderJSON, type UnseenCount } from './categorical';
import { DataError } from './errors';
import { readNames } from './names';
import type { Series } from './series';
import { readTable, sliceTable, type Table } from './tabular';
import { binaryLabels } from './tabular_labels';
import { tabularProtocol, type TabularParts, type TabularProtocol, type TabularProtocolOptions } from './tabular_protocol';

export type TabularPresetName = 'kddcup99' | 'arrhythmia' | 'tabular';
export const TABULAR_PRESETS: readonly TabularPresetName[] = ['kddcup99', 'arrhythmia', 'tabular'];

export interface TabularPresetOptions extends Partial<Omit<TabularProtocolOptions, 'protocol' | 'encoder'>> {
  /**
   * paper or honest: the parts of the one-class protocol; 'none': every row is each part (new
   * data to score, or normal rows to train on). Default: honest for a folder, none for a file.
   */
  protocol?: TabularProtocol | 'none';
  /** The data file inside the folder (kddcup99 default kddcup.data_10_percent.gz). */
  file?: string;
  /** Encode with this (a trained model's) encoder instead of fitting one on the training rows. */
  encoder?: CategoricalEncoder | CategoricalEncoderJSON;
  /** tabular: the names file of a header-less file. */
  names?: string;
  /** tabular: the label column. */
  label?: string;
  /** tabular: the columns read as categories in a file with a header. */
  symbolic?: string[];
  /** Keep table rows [begin, end) (given the row count) before any split. */
  tableRows?: (rows: number) => [number, number];
}

export type TabularPart = 'train' | 'validation' | 'test';

export interface TabularData {
  protocol: TabularProtocol | 'none';
  /** Protocol 'none': every part is the whole (encoded) file. The paper protocol has no validation. */
  parts: Partial<Record<TabularPart, Series>>;
  encoder: CategoricalEncoder;
  /** Categories met in each part that the encoder does not know. */
  unseen: Partial<Record<TabularPart, UnseenCount[]>>;
}

interface Layout {
  file?: string;
  anomalous: string[];
  read(path: string, opts: TabularPresetOptions, exclude?: string[]): Promise<Table>;
}

const LAYOUTS: Record<TabularPresetName, Layout> = {
  kddcup99: {
    file: 'kddcup.data_10_percent.gz',
    anomalous: ['normal.'],
    read: (path, _o, exclude) => readTable(path, { columns: readNames(kddNames(path)).columns, label: 'label', exclude, separator: ',' }),
  },
  arrhythmia: {
    file: 'arrhythmia.csv',
    anomalous: ['1'],
    read: (path, _o, exclude) => readTable(path, { label: 'y', exclude, separator: ',' }),
  },
  tabular: {
    anomalous: ['1'],
    read: (path, o, exclude) => {
      const columns = o.names ? readNames(o.names).columns : undefined;
      const label = o.label ?? (columns?.some((c) => c.name === 'label') ? 'label' : undefined);
      return readTable(path, { columns, label, symbolic: o.symbolic, exclude });
    },
  },
};

export const KDD_NAMES_FILE = 'kddcup.names.txt';

function kddNames(dataFile: string): string {
  const names = join(dirname(dataFile), KDD_NAMES_FILE);
  if (!existsSync(names)) throw new DataError(`kddcup99: the column names file ${KDD_NAMES_FILE} must be beside the data`, { file: names });
  return names;
}

function dataFile(name: TabularPresetName, folder: string, opts: TabularPresetOptions): string {
  const file = opts.file ?? LAYOUTS[name].file;
  if (!file) throw new DataError(`${name}: give the data file inside the folder (file)`, { file: folder });
  const path = join(folder, file);
  if (!existsSync(path)) throw new DataError(`${name}: no ${basename(path)} in this folder`, { file: path });
  return path;
}

async function tableOf(name: TabularPresetName, path: string, opts: TabularPresetOptions, exclude?: string[]): Promise<Table> {
  const table = await LAYOUTS[name].read(path, opts, exclude);
  return opts.tableRows ? sliceTable(table, ...opts.tableRows(table.rows)) : table;
}

const encoderOf = (e: TabularPresetOptions['encoder']) => (e instanceof CategoricalEncoder ? e : e ? CategoricalEncoder.fromJSON(e) : undefined);

/** A tabular source (a file, or a folder with its data file) in its parts (see the top of this file). */
export async function loadTabular(name: TabularPresetName, path: string, opts: TabularPresetOptions = {}, exclude?: string[]): Promise<TabularData> {
  const folder = statSync(path).isDirectory();
  const table = await tableOf(name, folder ? dataFile(name, path, opts) : path, opts, exclude);
  const protocol = opts.protocol ?? (folder ? 'honest' : 'none');
  if (protocol === 'none') {
    const { series, encoder, unseen } = encodeWhole(name, table, opts);
    return { protocol, parts: { train: series, validation: series, test: series }, encoder, unseen: { train: unseen, validation: unseen, test: unseen } };
  }
  const p = tabularProtocol(table, { ...opts, protocol, encoder: encoderOf(opts.encoder), anomalous: opts.anomalous ?? LAYOUTS[name].anomalous });
  return { protocol, parts: { train: p.train, ...(p.validation ? { validation: p.validation } : {}), test: p.test }, encoder: p.encoder, unseen: p.unseen };
}

/** A dataset folder read and split by the protocol (default honest, seed 42). */
export async function loadTabularFolder(name: TabularPresetName, folder: string, opts: TabularPresetOptions = {}, exclude?: string[]): Promise<TabularParts> {
  const table = await tableOf(name, dataFile(name, folder, opts), opts, exclude);
  const protocol = opts.protocol === 'none' || opts.protocol === undefined ? 'honest' : opts.protocol;
  return tabularProtocol(table, { ...opts, protocol, encoder: encoderOf(opts.encoder), anomalous: opts.anomalous ?? LAYOUTS[name].anomalous });
}

/**
 * One file in the preset's format, encoded with `opts.encoder` (scoring data for a trained
 * model) or with an encoder fitted on the file itself (returned), labels 0/1 by the preset's
 * anomalous class(es).
 */
export async function readTabularFile(name: TabularPresetName, file: string, opts: TabularPresetOptions = {}, exclude?: string[]): Promise<{ series: Series; encoder: CategoricalEncoder; unseen: UnseenCount[] }> {
  return encodeWhole(name, await tableOf(name, file, opts, exclude), opts);
}

function encodeWhole(name: TabularPresetName, table: Table, opts: TabularPresetOptions): { series: Series; encoder: CategoricalEncoder; unseen: UnseenCount[] } {
  const encoder = encoderOf(opts.encoder) ?? CategoricalEncoder.fit(table);
  const { series, unseen } = encoder.transform(table, { unseen: opts.unseen });
  const labels = table.label && binaryLabels(table.label, opts.anomalous ?? LAYOUTS[name].anomalous, table.source);
  return { series: labels ? { ...series, labels } : series, encoder, unseen };
}
