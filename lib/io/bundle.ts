// The model bundle: one safetensors file whose tensors are the model's state dict and whose
// __metadata__ carries the model kind, its config, the input schema, the fitted scaler, the
// calibrated thresholds, the format version and a SHA-256 checksum over everything else.
// Python's `safetensors` reads it as is.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { Tensor } from '../tensor';
import { writeFileAtomic } from './atomic';
import { decodeSafetensors, encodeSafetensors, SafeTensor } from './safetensors';

export const BUNDLE_FORMAT = 'vigil-bundle';
export const BUNDLE_VERSION = 1;

export interface BundleContents {
  /** Model kind, e.g. "lstm-ae". */
  kind: string;
  /** The model's constructor config (JSON-serialisable). */
  config: unknown;
  /** Further JSON sections: schema, scaler, thresholds, training summary... */
  sections?: Record<string, unknown>;
  /** Tensors by dotted name. */
  tensors: Map<string, Tensor | SafeTensor>;
}

export interface LoadedBundle {
  kind: string;
  config: any;
  sections: Record<string, any>;
  tensors: Map<string, SafeTensor>;
  version: number;
}

/** What a bundle error may quote of its file: a 1 MB section is cut, with its length. */
const QUOTED_MAX = 400;

export class BundleError extends Error {
  constructor(path: string, what: string) {
    super(`model bundle ${path}: ${what.length > QUOTED_MAX ? `${what.slice(0, QUOTED_MAX)}... (${what.length} characters)` : what}`);
    this.name = 'BundleError';
  }
}

function toSafe(t: Tensor | SafeTensor): SafeTensor {
  if (!(t instanceof Tensor)) return t;
  return { dtype: t.dtype === 'float64' ? 'F64' : 'F32', shape: [...t.shape], data: t.toArray() };
}

function checksum(metadata: Record<string, string>, tensors: Map<string, SafeTensor>): string {
  const h = createHash('sha256');
  for (const k of Object.keys(metadata).sort()) if (k !== 'checksum') h.update(`${k}=${metadata[k]}\n`);
  for (const name of [...tensors.keys()].sort()) {
    const t = tensors.get(name)!;
    h.update(`${name}:${t.dtype}:${t.shape.join(',')}\n`);
    h.update(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  return 'sha256:' + h.digest('hex');
}

export function encodeBundle(b: BundleContents): Buffer {
  const tensors = new Map([...b.tensors].map(([k, t]) => [k, toSafe(t)] as [string, SafeTensor]));
  const metadata: Record<string, string> = {
    format: BUNDLE_FORMAT,
    version: String(BUNDLE_VERSION),
    kind: b.kind,
    config: JSON.stringify(b.config ?? {}),
  };
  for (const [k, v] of Object.entries(b.sections ?? {})) {
    if (k in metadata || k === 'checksum') throw new Error(`bundle section name "${k}" is reserved`);
    metadata[k] = JSON.stringify(v);
  }
  return encodeSigned(metadata, tensors);
}

/** The metadata strings as given (no JSON encoding), signed with their checksum: a bundle's raw layer, for tests of damaged sections. */
export function encodeSigned(metadata: Record<string, string>, tensors: Map<string, SafeTensor>): Buffer {
  const signed = { ...metadata, checksum: '' };
  signed.checksum = checksum(signed, tensors);
  return encodeSafetensors(tensors, signed);
}

/** Writes the bundle atomically: a crash leaves the previous file intact. */
export function saveBundle(path: string, b: BundleContents): void {
  writeFileAtomic(path, encodeBundle(b));
}

export function decodeBundle(buf: Buffer, path = '<buffer>'): LoadedBundle {
  let file;
  try {
    file = decodeSafetensors(buf, path);
  } catch (e) {
    throw new BundleError(path, (e as Error).message.replace(`${path}: `, ''));
  }
  const md = file.metadata;
  if (md.format !== BUNDLE_FORMAT) throw new BundleError(path, 'not a Vigil model bundle (no "format": "vigil-bundle" in its metadata)');
  const version = Number(md.version);
  if (!(version >= 1 && version <= BUNDLE_VERSION))
    throw new BundleError(path, `format version ${md.version} is not supported by this Vigil (reads up to ${BUNDLE_VERSION})`);
  if (md.checksum !== checksum(md, file.tensors))
    throw new BundleError(path, 'checksum mismatch: the file was altered or corrupted after it was written');
  // A section that is not JSON passed the checksum only if it was signed so: name it.
  const parse = (key: string, text: string | undefined): any => {
    if (typeof text !== 'string') throw new BundleError(path, `"${key}" is missing from its metadata`);
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new BundleError(path, `section "${key}" is not valid JSON (${(e as Error).message})`);
    }
  };
  const sections: Record<string, any> = {};
  for (const [k, v] of Object.entries(md))
    if (!['format', 'version', 'kind', 'config', 'checksum'].includes(k)) sections[k] = parse(k, v);
  if (typeof md.kind !== 'string' || !md.kind) throw new BundleError(path, `"kind" must be a model kind's name, not ${JSON.stringify(md.kind)}`);
  return { kind: md.kind, config: parse('config', md.config), sections, tensors: file.tensors, version };
}

export function loadBundle(path: string): LoadedBundle {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new BundleError(path, `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return decodeBundle(buf, path);
}
