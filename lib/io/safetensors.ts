// The safetensors layout: 8-byte little-endian header length N, N bytes of JSON header
// ({name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}}), then the
// raw little-endian tensor bytes. Decoding checks every offset, so a truncated or malformed
// file is refused with a message instead of yielding garbage.

export type SafeDType = 'F32' | 'F64';
export interface SafeTensor {
  dtype: SafeDType;
  shape: number[];
  data: Float32Array | Float64Array;
}
export interface SafeFile {
  metadata: Record<string, string>;
  tensors: Map<string, SafeTensor>;
}

const BYTES: Record<SafeDType, number> = { F32: 4, F64: 8 };
const MAX_HEADER = 100 * 1024 * 1024;

export class SafetensorsError extends Error {
  constructor(what: string, source: string) {
    super(`${source}: ${what}`);
    this.name = 'SafetensorsError';
  }
}

export function encodeSafetensors(tensors: Map<string, SafeTensor>, metadata: Record<string, string> = {}): Buffer {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  const names = [...tensors.keys()].sort();
  let offset = 0;
  for (const name of names) {
    const t = tensors.get(name)!;
    const n = t.data.byteLength;
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + n] };
    offset += n;
  }
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (8 - (json.length % 8)) % 8;
  if (pad) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const out = Buffer.alloc(8 + json.length + offset);
  out.writeBigUInt64LE(BigInt(json.length), 0);
  json.copy(out, 8);
  let at = 8 + json.length;
  for (const name of names) {
    const d = tensors.get(name)!.data;
    Buffer.from(d.buffer, d.byteOffset, d.byteLength).copy(out, at);
    at += d.byteLength;
  }
  return out;
}

export function decodeSafetensors(buf: Buffer, source = 'safetensors'): SafeFile {
  if (buf.length < 8) throw new SafetensorsError(`file is ${buf.length} bytes, too short for a header (truncated?)`, source);
  const n = Number(buf.readBigUInt64LE(0));
  if (n > MAX_HEADER || 8 + n > buf.length)
    throw new SafetensorsError(`header length ${n} exceeds the file (${buf.length} bytes): truncated or not a safetensors file`, source);
  let header: Record<string, any>;
  try {
    header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
  } catch {
    throw new SafetensorsError('header is not valid JSON', source);
  }
  const body = buf.subarray(8 + n);
  const metadata: Record<string, string> = header.__metadata__ ?? {};
  const tensors = new Map<string, SafeTensor>();
  let covered = 0;
  const spans: [number, number][] = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const dtype = info?.dtype as SafeDType;
    if (!Object.hasOwn(BYTES, dtype)) throw new SafetensorsError(`tensor "${name}" has unsupported dtype ${JSON.stringify(info?.dtype)}`, source);
    const shape: number[] = info.shape;
    if (!Array.isArray(shape) || shape.length > 8 || !shape.every((d) => Number.isSafeInteger(d) && d >= 0))
      throw new SafetensorsError(`tensor "${name}" has shape ${JSON.stringify(shape)}, not a list of at most 8 sizes`, source);
    const [b, e] = Array.isArray(info.data_offsets) ? info.data_offsets : [];
    const count = shape.reduce((a: number, d: number) => a * d, 1);
    if (!Number.isInteger(b) || !Number.isInteger(e) || b < 0 || e < b || e > body.length)
      throw new SafetensorsError(`tensor "${name}" lies outside the file (offsets ${b}..${e}, data ${body.length} bytes): truncated?`, source);
    if (e - b !== count * BYTES[dtype])
      throw new SafetensorsError(`tensor "${name}" has ${e - b} bytes for shape [${shape.join(',')}] ${dtype}`, source);
    const bytes = Buffer.from(body.subarray(b, e)); // copy: aligned, owned
    const data = dtype === 'F32'
      ? new Float32Array(bytes.buffer, bytes.byteOffset, count)
      : new Float64Array(bytes.buffer, bytes.byteOffset, count);
    tensors.set(name, { dtype, shape, data });
    spans.push([b, e]);
    covered += e - b;
  }
  spans.sort((x, y) => x[0] - y[0]);
  for (let i = 1; i < spans.length; i++)
    if (spans[i][0] < spans[i - 1][1]) throw new SafetensorsError('tensor data regions overlap', source);
  if (covered !== body.length)
    throw new SafetensorsError(`data section has ${body.length} bytes but tensors cover ${covered}`, source);
  return { metadata, tensors };
}
