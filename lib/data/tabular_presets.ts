// The tabular dataset presets (listed in presets.ts): where their files are, how they are read,
// and their defaults for the one-class protocol (tabular_protocol.ts).
//   kddcup99    kddcup.data_10_percent.gz (or `file`): no header, columns from kddcup.names.txt
//               beside it, label column `label`; anomalous class `normal.` (ALAD's choice: the
//               attacks are the majority, so normal traffic is the class to find)
//   arrhythmia  arrhythmia.csv (ODDS): header x0..x273,y, all numeric; anomalous y = 1
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

import { CategoricalEncoder, type CategoricalEncoderJSON, type UnseenCount } from './categorical';
import { DataError } from './errors';
import { readNames } from './names';
import type { Series } from './series';
import { readTable, type Table } from './tabular';
import { binaryLabels } from './tabular_labels';
import { tabularProtocol, type TabularParts, type TabularProtocolOptions } from './tabular_protocol';

export type TabularPresetName = 'kddcup99' | 'arrhythmia';
export const TABULAR_PRESETS: readonly TabularPresetName[] = ['kddcup99', 'arrhythmia'];

export interface TabularPresetOptions extends Partial<TabularProtocolOptions> {
  /** The data file inside the folder (kddcup99 default kddcup.data_10_percent.gz). */
  file?: string;
  /** Reading one file: encode it with this (a trained model's) encoder instead of fitting one on it. */
  encoder?: CategoricalEncoder | CategoricalEncoderJSON;
}

interface Layout {
  file: string;
  anomalous: string[];
  read(path: string, exclude?: string[]): Promise<Table>;
}

const LAYOUTS: Record<TabularPresetName, Layout> = {
  kddcup99: {
    file: 'kddcup.data_10_percent.gz',
    anomalous: ['normal.'],
    read: (path, exclude) => readTable(path, { columns: readNames(kddNames(path)).columns, label: 'label', exclude, separator: ',' }),
  },
  arrhythmia: {
    file: 'arrhythmia.csv',
    anomalous: ['1'],
    read: (path, exclude) => readTable(path, { label: 'y', exclude, separator: ',' }),
  },
};

export const KDD_NAMES_FILE = 'kddcup.names.txt';

function kddNames(dataFile: string): string {
  const names = join(dirname(dataFile), KDD_NAMES_FILE);
  if (!existsSync(names)) throw new DataError(`kddcup99: the column names file ${KDD_NAMES_FILE} must be beside the data`, { file: names });
  return names;
}

/** A dataset folder read and split by the protocol (default honest, seed 42). */
export async function loadTabularFolder(name: TabularPresetName, folder: string, opts: TabularPresetOptions = {}, exclude?: string[]): Promise<TabularParts> {
  const layout = LAYOUTS[name];
  const path = join(folder, opts.file ?? layout.file);
  if (!existsSync(path)) throw new DataError(`${name}: no ${basename(path)} in this folder`, { file: path });
  const table = await layout.read(path, exclude);
  return tabularProtocol(table, { ...opts, anomalous: opts.anomalous ?? layout.anomalous });
}

/**
 * One file in the preset's format, encoded with `opts.encoder` (scoring data for a trained
 * model) or with an encoder fitted on the file itself (returned), labels 0/1 by the preset's
 * anomalous class(es).
 */
export async function readTabularFile(name: TabularPresetName, file: string, opts: TabularPresetOptions = {}, exclude?: string[]): Promise<{ series: Series; encoder: CategoricalEncoder; unseen: UnseenCount[] }> {
  const layout = LAYOUTS[name];
  const table = await layout.read(file, exclude);
  const given = opts.encoder;
  const encoder = given instanceof CategoricalEncoder ? given : given ? CategoricalEncoder.fromJSON(given) : CategoricalEncoder.fit(table);
  const { series, unseen } = encoder.transform(table, { unseen: opts.unseen });
  const labels = table.label && binaryLabels(table.label, opts.anomalous ?? layout.anomalous, table.source);
  return { series: labels ? { ...series, labels } : series, encoder, unseen };
}
