// An entity's checkpoint as stored in <prefix>:state:<s>: its stream state and the id of the last
// row in it. Written compactly: a 9-byte header ("VGCP", version 1, the skeleton's byte length as
// u32 LE), a JSON skeleton in which every array of finite numbers (1-D, or 2-D with rows of one
// length: a window's rows) is a placeholder {"$a": i}, then the arrays' values as little-endian
// float32 when every value is one exactly (the window's scaled rows are), else float64: bit-exact
// either way, and a DC-VAE window of 128 x 38 values takes 19 KB instead of about 90 KB of text.
// The JSON form written before (a checkpoint starting with '{') is still read, so a worker
// upgraded mid-fleet restores the checkpoints of the old ones.
import { endianness } from 'node:os';

import type { StreamState } from '../detect/stream';

export interface Checkpoint {
  /** The id of the last row in the state. */
  row: string;
  state: StreamState;
}

const MAGIC = 'VGCP';
const VERSION = 1;
const HEADER = 9;
/** Typed arrays use the host's byte order; the stored one is little-endian. */
const BIG_ENDIAN = endianness() === 'BE';

/** An array's place in the skeleton: its element type and shape ([n] or [rows, columns]). */
interface Block {
  type: 'f32' | 'f64';
  shape: number[];
}

function finiteNumbers(a: unknown): a is number[] {
  return Array.isArray(a) && a.length > 0 && a.every((v) => typeof v === 'number' && Number.isFinite(v));
}

/** A 1-D or same-length 2-D array of finite numbers as its values, flat, and its shape; else null. */
function flatten(a: unknown[]): { values: Float64Array; shape: number[] } | null {
  if (finiteNumbers(a)) return { values: Float64Array.from(a), shape: [a.length] };
  const n = Array.isArray(a[0]) ? (a[0] as unknown[]).length : 0;
  if (!a.length || !n || !a.every((r) => finiteNumbers(r) && r.length === n)) return null;
  const values = new Float64Array(a.length * n);
  (a as number[][]).forEach((r, i) => values.set(r, i * n));
  return { values, shape: [a.length, n] };
}

/** The values' little-endian bytes: float32 when every value is one exactly, else float64. */
function pack(values: Float64Array): { type: 'f32' | 'f64'; bytes: Buffer } {
  const f32 = new Float32Array(values);
  let exact = true;
  for (let i = 0; i < values.length && exact; i++) exact = f32[i] === values[i];
  const bytes = Buffer.from(exact ? f32.buffer : values.buffer);
  if (BIG_ENDIAN) void (exact ? bytes.swap32() : bytes.swap64());
  return { type: exact ? 'f32' : 'f64', bytes };
}

/** n values of a type from little-endian bytes. */
function unpack(type: 'f32' | 'f64', bytes: Buffer): number[] {
  const own = new Uint8Array(bytes.length); // aligned, unlike a slice of the stored buffer
  own.set(bytes);
  const b = Buffer.from(own.buffer);
  if (BIG_ENDIAN) void (type === 'f32' ? b.swap32() : b.swap64());
  return Array.from(type === 'f32' ? new Float32Array(own.buffer) : new Float64Array(own.buffer));
}

export function encodeCheckpoint(cp: Checkpoint): Buffer {
  const blocks: Block[] = [], data: Buffer[] = [];
  const skeleton = (v: unknown): unknown => {
    if (Array.isArray(v)) {
      const flat = flatten(v);
      if (!flat) return v.map(skeleton);
      const { type, bytes } = pack(flat.values);
      blocks.push({ type, shape: flat.shape });
      data.push(bytes);
      return { $a: blocks.length - 1 };
    }
    if (v === null || typeof v !== 'object') return v;
    if ('$a' in v) throw new Error('a checkpoint cannot hold an object with the key "$a" (the binary form\'s placeholder)');
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, skeleton(x)]));
  };
  const json = Buffer.from(JSON.stringify({ blocks, value: skeleton(cp) }), 'utf8');
  const head = Buffer.alloc(HEADER);
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt8(VERSION, 4);
  head.writeUInt32LE(json.length, 5);
  return Buffer.concat([head, json, ...data]);
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
    const n = shape.reduce((p, d) => p * d, 1), size = n * (b.type === 'f32' ? 4 : 8);
    if (at + size > raw.length) throw bad(`truncated: array ${i} needs ${size} bytes at byte ${at}, the checkpoint has ${raw.length}`);
    const flat = unpack(b.type, raw.subarray(at, (at += size)));
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
