// `vigil export`: writes a trained detector bundle as one ONNX file (opset 17) that any ONNX
// runtime can score with: input x [batch, window, channels] (scaled), the model's outputs, and
// the bundle's schema, scaler, windows, threshold (and alphas) as JSON in metadata_props. See
// docs/onnx.md.
import { writeFileAtomic } from '../../lib/io/atomic';
import { exportDetectorOnnx } from '../../lib/onnx/export/export';
import { decodeOnnx, readOnnxMetadata, valueDims } from '../../lib/onnx/export/metadata';
import { describeVerified, verifyOnnx } from '../../lib/onnx/export/verify';
import { Generator } from '../../lib/random';
import { helpText, parseFlags, UsageError } from './args';
import { loadModelArg } from './model_arg';
import { JSON_FLAG, Output } from './output';

const FLAGS = {
  model: { type: 'string', help: 'the trained model bundle (.vigil)' },
  out: { type: 'string', help: 'the ONNX file to write (.onnx)' },
  verify: { type: 'boolean', help: 'also run the file in onnxruntime-node on random windows and compare with the native engine' },
  ...JSON_FLAG,
  help: { type: 'boolean', help: 'show this help' },
} as const;

export async function exportOnnx(argv: string[]): Promise<void> {
  const f = parseFlags('export', argv, FLAGS);
  if (f.help) return console.log(helpText('export', 'write a trained detector as an ONNX file', FLAGS));
  if (!f.out) throw new UsageError('--out is required (the ONNX file to write)');
  const out = new Output(!!f.json);
  const det = loadModelArg(f.model, 'the trained bundle to export');
  try {
    let bytes: Uint8Array;
    try {
      bytes = exportDetectorOnnx(det);
    } catch (e) {
      throw new Error(`cannot export ${det.kind}: ${(e as Error).message}`);
    }
    writeFileAtomic(f.out, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    const proto = decodeOnnx(bytes);
    const outputs = valueDims(proto.graph!.output);
    const x = valueDims(proto.graph!.input).x;
    const metadata = Object.keys(readOnnxMetadata(proto));
    out.say(`vigil export: ${det.kind}, input x [${x.join(', ')}] -> ${f.out} (${(bytes.length / 1024).toFixed(1)} KB, opset 17)`);
    out.say(`  outputs: ${Object.entries(outputs).map(([k, d]) => `${k} [${d.join(', ')}]`).join(', ')}`);
    out.say(`  metadata: ${metadata.join(', ')}`);
    let verified: object | null = null;
    if (f.verify) {
      const batch = 8, size = batch * det.model.window * Number(x[2]);
      const windows = Float32Array.from(new Generator(1).normal([size]).toArray());
      const r = await verifyOnnx(det.model, bytes, windows, batch);
      const line = `onnxruntime CPU vs native on ${r.windows} random windows: max |diff| of ${describeVerified(r)}`;
      if (!r.ok) throw new Error(`verify failed: ${line} (tolerance 1e-4 + 1e-4 |native|)`);
      out.say(`  verified: ${line}`);
      verified = r;
    }
    out.result({ model: f.model, kind: det.kind, out: f.out, bytes: bytes.length, opset: 17, input: { x }, outputs, metadata, verified });
  } finally {
    det.model.dispose();
  }
}
