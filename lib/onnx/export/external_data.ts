// ONNX tensors may keep their bytes in a separate file (data_location EXTERNAL, external_data
// "location"). onnxruntime resolves that path against the process's working directory when a
// model is given as bytes, so a file there could change the outputs. Vigil's exports never use
// external data, so a model that does is refused before onnxruntime sees it.
import { onnx } from 'onnx-proto';

type Graph = onnx.IGraphProto | null | undefined;
type Tensor = onnx.ITensorProto | null | undefined;

function external(t: Tensor): boolean {
  return !!t && (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL || (t.externalData?.length ?? 0) > 0);
}

/** "initializer "w" (file "w.bin")" for each tensor of the graph (and its subgraphs) kept outside it. */
function externalTensors(g: Graph, out: string[] = []): string[] {
  if (!g) return out;
  const say = (what: string, t: Tensor) => {
    if (!external(t)) return;
    const where = t!.externalData?.find((e) => e.key === 'location')?.value;
    out.push(`${what} "${t!.name ?? ''}"${where !== undefined ? ` (file "${where}")` : ''}`);
  };
  for (const t of g.initializer ?? []) say('initializer', t);
  for (const s of g.sparseInitializer ?? []) {
    say('sparse initializer values', s.values);
    say('sparse initializer indices', s.indices);
  }
  for (const n of g.node ?? [])
    for (const a of n.attribute ?? []) {
      say(`node "${n.name ?? ''}" attribute ${a.name ?? ''}`, a.t);
      for (const t of a.tensors ?? []) say(`node "${n.name ?? ''}" attribute ${a.name ?? ''}`, t);
      externalTensors(a.g, out);
      for (const sub of a.graphs ?? []) externalTensors(sub, out);
    }
  return out;
}

/** @internal Throws, naming `source` and the tensors, when the model keeps any tensor in another file. */
export function refuseExternalData(model: onnx.IModelProto, source: string): void {
  const found = externalTensors(model.graph);
  if (!found.length) return;
  const more = found.length > 3 ? ` and ${found.length - 3} more` : '';
  throw new Error(`${source}: ${found.slice(0, 3).join(', ')}${more} reference external data; Vigil's exports keep every tensor inside the model, and loading another file beside it (resolved against the working directory) is refused`);
}
