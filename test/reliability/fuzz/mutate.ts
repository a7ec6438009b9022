// The bundle fuzz's mutation engine: mutant i of seed s is one seeded change to one base bundle,
// at one of three layers:
//   bytes   the file's bytes, not re-signed: bits flipped, truncated, garbage appended, the
//           header's length or JSON edited (the checksum must refuse all of these);
//   signed  the decoded bundle edited and saved through encodeBundle, so its checksum matches:
//           JSON sections and config (values swapped for NaN, infinities, -1, 0, 1e308, huge
//           arrays, strings, null; keys dropped or added; types swapped) and tensors (shapes
//           changed, NaN or infinite elements, tensors dropped, renamed or added);
//   raw     a metadata string replaced by text that is not the JSON it should be, signed as is.
// `free` marks a change a trained detector may legitimately carry (a finite threshold, scaler
// entry or weight of another value): such a mutant may score differently. Any other mutant must
// be refused or score exactly like its base.
import { decodeBundle, encodeBundle, encodeSigned, type LoadedBundle } from '../../../lib/io/bundle';
import { decodeSafetensors, type SafeTensor } from '../../../lib/io/safetensors';
import { FuzzRng } from './rng';

export interface Base {
  name: string;
  bytes: Buffer;
}

export interface Mutant {
  base: string;
  layer: 'bytes' | 'signed' | 'raw';
  /** What was changed, e.g. `config.encoder.0 = -1`. */
  desc: string;
  free: boolean;
  bytes: Buffer;
}

/** Values a JSON leaf or node is swapped for. NaN and the infinities become null through JSON.stringify. */
const SPECIALS: unknown[] = [NaN, Infinity, -Infinity, -1, 0, 0.5, 3, 1e7, 2 ** 31, 1e308, -1e308, 'abc', '', '12', null, true, false, {}, [], [1], { a: 1 }];
/** Finite numbers a weight is set to (free: a detector may hold any finite weight). */
const WEIGHTS = [0, -1, 1e-30, 1e30, 3e38, -3e38];
/** Text a raw metadata string is replaced by. */
const RAW = ['NaN', '{', '[1,2', '', 'null', '{"value": NaN}', '1e999', '"' + 'a'.repeat(1 << 20) + '"', '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]'];

/**
 * Paths (section.key.index) whose finite numbers a trained detector may hold at other values: a
 * mutant setting one of them to another finite number may change scores or flags.
 */
const FREE = [
  /^threshold\.(value|params\.[^.]+)$/, // the decision's own parameters
  /^pcaThreshold\./, // the baseline's threshold
  /^scaler\.(center|scale)\.\d+$/,
  /^errorScale\.\d+$/,
  /^alpha\.(up|down)\.\d+$/,
  /^config\.(bnEps)$/, // BatchNorm's epsilon enters eval-mode outputs
  /^config\.(slope)$/, // alad: LeakyReLU's slope
  /^config\.(varianceFloor)$/, // dc-vae: the floor of its predicted variance
  // dc-vae's dilations: no weight's shape depends on them, so the tensors cannot contradict them
  /^config\.((encoder|decoder)\.\d+\.dilation|latentDilation|outputDilation)$/,
];
/** Sections a detector may lack: dropping one leaves a valid bundle that may decide otherwise (no alphas: the threshold rule). */
const OPTIONAL = /^alpha$/;
/** Paths where null (what JSON makes of NaN and the infinities) is a legitimate value too: an alpha of null is no bound on that side. */
const NULLABLE = /^alpha\.(up|down)\.\d+$/;

const fmt = (v: unknown): string => {
  if (typeof v === 'number') return String(v);
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 24 ? `${s.slice(0, 20)}...(${s.length} chars)` : s;
};

/** Every node of a JSON value with its path (the root's is ''). */
function nodes(v: unknown, path: string, out: [string, unknown][] = []): [string, unknown][] {
  out.push([path, v]);
  if (v && typeof v === 'object') for (const [k, c] of Object.entries(v)) nodes(c, path ? `${path}.${k}` : k, out);
  return out;
}

function parentOf(root: any, path: string): [any, string] {
  const keys = path.split('.');
  let p = root;
  for (const k of keys.slice(0, -1)) p = p[k];
  return [p, keys[keys.length - 1]];
}

/** One change to one JSON node of a section (or config): returns its description and freeness. */
function mutateJson(rng: FuzzRng, holder: Record<string, unknown>, section: string): { desc: string; free: boolean } {
  const all = nodes(holder[section], '');
  const [path, old] = rng.pick(all);
  const full = path ? `${section}.${path}` : section;
  const set = (v: unknown) => {
    if (!path) holder[section] = v;
    else {
      const [p, k] = parentOf(holder[section], path);
      p[k] = v;
    }
  };
  const op = rng.int(10);
  if (op < 5) {
    const v = rng.pick(SPECIALS);
    set(v);
    const finite = typeof v === 'number' && Number.isFinite(v);
    const free = (typeof old === 'number' && finite && FREE.some((re) => re.test(full))) || (NULLABLE.test(full) && (typeof v === 'number' || v === null));
    return { desc: `${full} = ${fmt(v)}`, free };
  }
  if (op === 5) {
    if (!path) delete holder[section];
    else {
      const [p, k] = parentOf(holder[section], path);
      if (Array.isArray(p)) p.splice(+k, 1);
      else delete p[k];
    }
    return { desc: `${full} dropped`, free: OPTIONAL.test(full) };
  }
  if (op === 6 && old && typeof old === 'object') {
    const v = rng.pick(SPECIALS);
    if (Array.isArray(old)) old.push(rng.next() < 0.5 && old.length ? old[0] : v);
    else (old as Record<string, unknown>)[`extra${rng.int(100)}`] = v;
    return { desc: `${full}: one ${Array.isArray(old) ? 'element' : 'key'} added`, free: false };
  }
  if (op === 7 && Array.isArray(old)) {
    const n = rng.pick([1e4, 1e6]);
    set(Array.from({ length: n }, () => (old.length ? old[0] : 1)));
    return { desc: `${full}: an array of ${n}`, free: false };
  }
  // a type swapped for a neighbouring one
  const swapped =
    typeof old === 'number' ? String(old)
    : typeof old === 'string' ? (Number(old) || old.length)
    : typeof old === 'boolean' ? Number(old)
    : Array.isArray(old) ? Object.assign({}, old)
    : old && typeof old === 'object' ? Object.values(old)
    : [old];
  set(swapped);
  return { desc: `${full} as ${fmt(swapped)}`, free: false };
}

function mutateTensors(rng: FuzzRng, tensors: Map<string, SafeTensor>): { desc: string; free: boolean } {
  const names = [...tensors.keys()];
  const name = rng.pick(names);
  const t = tensors.get(name)!;
  const op = rng.int(8);
  const at = rng.int(Math.max(1, t.data.length));
  if (op === 0) {
    const v = rng.pick([NaN, Infinity, -Infinity]);
    t.data[at] = v;
    return { desc: `tensor ${name}[${at}] = ${v}`, free: false };
  }
  if (op === 1) {
    const v = rng.pick(WEIGHTS);
    t.data[at] = v;
    return { desc: `tensor ${name}[${at}] = ${v}`, free: true };
  }
  if (op === 2) {
    tensors.delete(name);
    return { desc: `tensor ${name} dropped`, free: false };
  }
  if (op === 3) {
    tensors.delete(name);
    tensors.set(`${name}_x`, t);
    return { desc: `tensor ${name} renamed ${name}_x`, free: false };
  }
  if (op === 4) {
    tensors.set(`extra${rng.int(100)}.weight`, { dtype: 'F32', shape: [3], data: new Float32Array([1, 2, 3]) });
    return { desc: 'a tensor added', free: false };
  }
  if (op === 5) {
    tensors.set(name, { dtype: 'F64', shape: t.shape, data: Float64Array.from(t.data) });
    return { desc: `tensor ${name} as F64 (same values)`, free: false };
  }
  // a shape changed: dims reversed, a unit dim added, or the first dim grown by one (zeros)
  const shapeOp = rng.int(3);
  let shape: number[];
  let data = t.data;
  if (shapeOp === 0 && t.shape.length > 1) shape = [...t.shape].reverse();
  else if (shapeOp === 1) shape = [...t.shape, 1];
  else {
    shape = t.shape.length ? [t.shape[0] + 1, ...t.shape.slice(1)] : [2];
    const n = shape.reduce((a, d) => a * d, 1);
    data = new Float32Array(n);
    data.set(t.data);
  }
  tensors.set(name, { dtype: 'F32', shape, data: Float32Array.from(data) });
  return { desc: `tensor ${name} [${t.shape.join(',')}] reshaped [${shape.join(',')}]`, free: false };
}

function mutateBytes(rng: FuzzRng, bytes: Buffer): { desc: string; bytes: Buffer } {
  const op = rng.int(5);
  if (op === 0) {
    const out = Buffer.from(bytes);
    const n = 1 + rng.int(4);
    const at: number[] = [];
    for (let k = 0; k < n; k++) {
      const i = rng.int(out.length);
      out[i] ^= 1 << rng.int(8);
      at.push(i);
    }
    return { desc: `bytes ${at.join(', ')} flipped`, bytes: out };
  }
  if (op === 1) {
    const n = rng.int(bytes.length);
    return { desc: `truncated to ${n} of ${bytes.length} bytes`, bytes: bytes.subarray(0, n) };
  }
  if (op === 2) {
    const n = rng.pick([1, 8, 100, 1 << 16]);
    const junk = Buffer.from(Array.from({ length: n }, () => rng.int(256)));
    return { desc: `${n} bytes appended`, bytes: Buffer.concat([bytes, junk]) };
  }
  if (op === 3) {
    const out = Buffer.from(bytes);
    const n = rng.pick([0, 1, 7, out.length, 2 ** 40, Number(out.readBigUInt64LE(0)) + 8]);
    out.writeBigUInt64LE(BigInt(n), 0);
    return { desc: `header length set to ${n}`, bytes: out };
  }
  // the header's JSON edited (re-encoded with its new length), the checksum left as it was
  const n = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'));
  const keys = Object.keys(header);
  const key = rng.pick(keys);
  let desc: string;
  if (key === '__metadata__') {
    const md = header.__metadata__;
    const k = rng.pick(Object.keys(md));
    const holder: Record<string, unknown> = { [k]: k === 'kind' || k === 'format' || k === 'checksum' ? md[k] : JSON.parse(md[k]) };
    desc = `header (unsigned): ${mutateJson(rng, holder, k).desc}`;
    md[k] = typeof holder[k] === 'string' && (k === 'kind' || k === 'format' || k === 'checksum') ? holder[k] : JSON.stringify(holder[k]);
  } else {
    const holder: Record<string, unknown> = { [key]: header[key] };
    desc = `header (unsigned): tensor entry ${mutateJson(rng, holder, key).desc}`;
    header[key] = holder[key];
  }
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length), 0);
  return { desc, bytes: Buffer.concat([len, json, bytes.subarray(8 + n)]) };
}

/** Mutant `index` of `seed` over one of the bases. */
export function makeMutant(bases: Base[], seed: number, index: number): Mutant {
  const rng = new FuzzRng(seed, index);
  const base = rng.pick(bases);
  const layer = rng.pick(['bytes', 'signed', 'signed', 'signed', 'raw'] as const);
  if (layer === 'bytes') return { base: base.name, layer, free: false, ...mutateBytes(rng, base.bytes) };
  if (layer === 'raw') {
    const file = decodeSafetensors(base.bytes);
    const md = { ...file.metadata };
    delete md.checksum;
    const key = rng.pick(Object.keys(md));
    const text = rng.pick(RAW);
    md[key] = text;
    return { base: base.name, layer, free: false, desc: `${key} (raw) = ${fmt(text)}`, bytes: encodeSigned(md, file.tensors) };
  }
  const b: LoadedBundle = decodeBundle(base.bytes);
  let change: { desc: string; free: boolean };
  if (rng.next() < 0.3) change = mutateTensors(rng, b.tensors);
  else {
    const holder: Record<string, unknown> = { config: b.config, ...b.sections };
    if (rng.next() < 0.05) holder.kind = b.kind;
    const section = rng.pick(Object.keys(holder));
    change = mutateJson(rng, holder, section);
    const { config, kind = b.kind, ...sections } = holder;
    return { base: base.name, layer, ...change, bytes: encodeBundle({ kind: kind as string, config, sections, tensors: b.tensors }) };
  }
  return { base: base.name, layer, ...change, bytes: encodeBundle({ kind: b.kind, config: b.config, sections: b.sections, tensors: b.tensors }) };
}
