// Reading an ONNX file back without a runtime: its metadata_props and its input/output shapes.
import { readFileSync } from 'node:fs';
import { onnx } from 'onnx-proto';
import { checkErrorScale } from '../../calibrate/error_scale';
import type { Dim } from '../graph/builder';

/**
 * The graph input's name: export.ts writes it, runner.ts feeds it. Kept here, below both, so the
 * runner does not import the exporter (export.ts imports the runner's backend; see backend.ts).
 */
export const INPUT = 'x';

/** @internal The model message of a file or of bytes (source names the bytes in errors). */
export function decodeOnnx(bytesOrPath: Uint8Array | string, source = typeof bytesOrPath === 'string' ? bytesOrPath : 'the bytes'): onnx.ModelProto {
  const bytes = typeof bytesOrPath === 'string' ? readFileSync(bytesOrPath) : bytesOrPath;
  try {
    return onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new Error(`${source}: not an ONNX model (${(e as Error).message})`);
  }
}

/** metadata_props of an ONNX file or bytes as a plain record (later duplicates win, as onnxruntime reads them). */
export function readOnnxMetadata(bytesOrPath: Uint8Array | string): Record<string, string>;
/** @internal The same from a decoded model message. */
export function readOnnxMetadata(model: onnx.ModelProto): Record<string, string>;
export function readOnnxMetadata(bytesOrPath: Uint8Array | string | onnx.ModelProto): Record<string, string> {
  const m = bytesOrPath instanceof onnx.ModelProto ? bytesOrPath : decodeOnnx(bytesOrPath);
  const out: Record<string, string> = {};
  for (const p of m.metadataProps) out[p.key ?? ''] = p.value ?? '';
  return out;
}

/**
 * The per-channel error scale a detector export carries (metadata vigil.errorScale), checked
 * against its schema's channel count; null when absent (scale 1: a bundle without one). Divide
 * channel_errors by it before the score's mean or max, as the Detector does.
 */
export function metadataErrorScale(meta: Record<string, string>): number[] | null {
  const text = meta['vigil.errorScale'];
  if (text === undefined) return null;
  let scale: unknown;
  try {
    scale = JSON.parse(text);
  } catch (e) {
    throw new Error(`metadata vigil.errorScale is not JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(scale)) throw new Error('metadata vigil.errorScale is not an array of numbers');
  const schema = meta['vigil.schema'] ? (JSON.parse(meta['vigil.schema']) as { columns?: string[] }) : {};
  try {
    checkErrorScale(scale as number[], schema.columns?.length ?? scale.length);
  } catch (e) {
    throw new Error(`metadata vigil.${(e as Error).message}`);
  }
  return scale as number[];
}

/** @internal Each graph input's or output's dims (symbolic ones by name) by value name. */
export function valueDims(values: onnx.IValueInfoProto[] | null | undefined): Record<string, Dim[]> {
  const out: Record<string, Dim[]> = {};
  for (const v of values ?? []) {
    const dims = v.type?.tensorType?.shape?.dim ?? [];
    out[v.name!] = dims.map((d) => (d.dimParam ? d.dimParam : toNumber(d.dimValue)));
  }
  return out;
}

/** An int64 field as decoded (a number, or a Long where protobufjs found the long package). */
export function toNumber(v: number | { toNumber(): number } | null | undefined): number {
  return v == null ? 0 : typeof v === 'number' ? v : v.toNumber();
}
