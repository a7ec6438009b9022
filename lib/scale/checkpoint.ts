// An entity's checkpoint as stored in <prefix>:state:<s>: its stream state and the id of the last
// row in it. Written compactly: a 9-byte header ("VGCP", version 1, the skeleton's byte length as
// u32 LE), a JSON skeleton in which every array of finite numbers (1-D, or 2-D with rows of one
// length: a window's rows) is a placeholder {"$a": i}, then the arrays' values as little-endian
// float32 when every value is one exactly (the window's scaled rows are), else float64: bit-exact
// either way, and a DC-VAE window of 128 x 38 values takes 19 KB instead of about 90 KB of text.
// The JSON form written before (a checkpoint starting with '{') is still read, so a worker
// upgraded mid-fleet restores the checkpoints of the old ones.
import type { StreamState } from '../detect/stream';

export interface Checkpoint {
  /** The id of the last row in the state. */
  row: string;
  state: StreamState;
}

const MAGIC = 'VGCP';
const VERSION = 1;
const HEADER = 9;

/** An array's place in the skeleton: its element type and shape ([n] or [rows, columns]). */
interface Block {
  type: 'f32' | 'f64';
  shape: number[];
}

function finiteNumbers(a: unknown): a is number[] {
  return Array.isArray(a) && a.length > 0 && a.every((v) => typeof v === 'number' && Number.isFinite(v));
}

/** The values of a 1-D or same-length 2-D array of finite numbers, flat, with its shape; else null. */
function flatten(a: unknown[]): { values: number[]; shape: number[] } | null {
  if (finiteNumbers(a)) return { values: a, shape: [a.length] };
  const n = Array.isArray(a[0]) ? (a[0] as unknown[]).length : 0;
  if (!a.length || !n || !a.every((r) => finiteNumbers(r) && r.length === n)) return null;
  return { values: (a as number[][]).flat(), shape: [a.length, n] };
}

export function encodeCheckpoint(cp: Checkpoint): Buffer {
  const blocks: Block[] = [], data: number[][] = [];
  const skeleton = (v: unknown): unknown => {
    if (Array.isArray(v)) {
      const flat = flatten(v);
      if (!flat) return v.map(skeleton);
      blocks.push({ type: flat.values.every((x) => Math.fround(x) === x) ? 'f32' : 'f64', shape: flat.shape });
      data.push(flat.values);
      return { $a: blocks.length - 1 };
    }
    if (v === null || typeof v !== 'object') return v;
    if ('$a' in v) throw new Error('a checkpoint cannot hold an object with the key "$a" (the binary form\'s placeholder)');
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, skeleton(x)]));
  };
  const json = Buffer.from(JSON.stringify({ blocks, value: skeleton(cp) }), 'utf8');
  const size = blocks.reduce((n, b, i) => n + data[i].length * (b.type === 'f32' ? 4 : 8), 0);
  const out = Buffer.alloc(HEADER + json.length + size);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt8(VERSION, 4);
  out.writeUInt32LE(json.length, 5);
  json.copy(out, HEADER);
  let at = HEADER + json.length;
  blocks.forEach((b, i) => {
    for (const x of data[i]) at = b.type === 'f32' ? out.writeFloatLE(x, at) : out.writeDoubleLE(x, at);
  });
  return out;
}

/**
 * A stored checkpoint (binary, or the old JSON text) back as an object; `where` names the entity
 * and key in the error when it is neither, or is cut short or corrupt.
 */
export function decodeCheckpoint(raw: Buffer, where: { entity: string; key: string }): Checkpoint {
  const bad = (what: string) => new Error(`the checkpoint of entity "${where.entity}" (${where.key}) is corrupt: ${what}`);
  const cp = raw[0] === 0x7b ? fromJson(raw, bad) : fromBinary(raw, bad);
  if (!cp || typeof cp !== 'object' || typeof cp.row !== 'string' || !cp.state) throw bad('it holds no row id and state');
  return cp;
}

/** The JSON form of earlier workers. */
function fromJson(raw: Buffer, bad: (what: string) => Error): Checkpoint {
  try {
    return JSON.parse(raw.toString('utf8')) as Checkpoint;
  } catch (e) {
    throw bad(`it starts like JSON but is not (${(e as Error).message})`);
  }
}

function fromBinary(raw: Buffer, bad: (what: string) => Error): Checkpoint {
  if (raw.length < HEADER || raw.toString('latin1', 0, 4) !== MAGIC) throw bad(`neither JSON nor a binary checkpoint (${raw.length} bytes, not starting with "${MAGIC}")`);
  if (raw[4] !== VERSION) throw bad(`binary checkpoint version ${raw[4]}, this worker reads version ${VERSION}`);
  const jsonLength = raw.readUInt32LE(5);
  if (HEADER + jsonLength > raw.length) throw bad(`truncated: the header announces ${jsonLength} bytes of skeleton, ${raw.length - HEADER} bytes follow it`);
  let head: { blocks: Block[]; value: unknown };
  try {
    head = JSON.parse(raw.toString('utf8', HEADER, HEADER + jsonLength));
  } catch (e) {
    throw bad(`its skeleton is not JSON (${(e as Error).message})`);
  }
  if (!head || !Array.isArray(head.blocks)) throw bad('its skeleton has no list of arrays');
  let at = HEADER + jsonLength;
  const arrays = head.blocks.map((b, i) => {
    const shape = b?.shape;
    if ((b?.type !== 'f32' && b?.type !== 'f64') || !Array.isArray(shape) || shape.length < 1 || shape.length > 2 || !shape.every((d) => Number.isInteger(d) && d > 0))
      throw bad(`array ${i} is described as ${JSON.stringify(b)}`);
    const n = shape.reduce((p, d) => p * d, 1), width = b.type === 'f32' ? 4 : 8;
    if (at + n * width > raw.length) throw bad(`truncated: array ${i} needs ${n * width} bytes at byte ${at}, the checkpoint has ${raw.length}`);
    const flat = new Array<number>(n);
    for (let k = 0; k < n; k++, at += width) flat[k] = b.type === 'f32' ? raw.readFloatLE(at) : raw.readDoubleLE(at);
    return shape.length === 1 ? flat : Array.from({ length: shape[0] }, (_, r) => flat.slice(r * shape[1], (r + 1) * shape[1]));
  });
  if (at !== raw.length) throw bad(`${raw.length - at} bytes after its last array`);
  const used = new Set<number>();
  const fill = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(fill);
    if (v === null || typeof v !== 'object') return v;
    if ('$a' in v) {
      const i = (v as { $a: unknown }).$a;
      if (!(typeof i === 'number' && i in arrays) || used.has(i)) throw bad(`a placeholder names array ${JSON.stringify(i)}, of ${arrays.length}`);
      used.add(i);
      return arrays[i];
    }
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x)]));
  };
  const cp = fill(head.value) as Checkpoint;
  if (used.size !== arrays.length) throw bad(`${arrays.length - used.size} of its arrays are not placed`);
  return cp;
}
