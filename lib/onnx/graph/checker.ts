// The structural check run before a graph is encoded: every node input names a graph input, an
// initializer or the output of an EARLIER node (ONNX requires topological order); no name is
// produced twice; every graph output is produced; every node has an operator. Problems are
// collected and reported together.
import type { onnx } from 'onnx-proto';

export class OnnxGraphError extends Error {
  constructor(readonly problems: string[]) {
    super(`onnx graph refused: ${problems.join('; ')}`);
    this.name = 'OnnxGraphError';
  }
}

/** @internal (its argument is an onnx-proto message) */
export function checkGraph(graph: onnx.IGraphProto): void {
  const problems: string[] = [];
  const produced = new Map<string, string>(); // value name -> what produced it
  const produce = (name: string | null | undefined, by: string) => {
    if (!name) return problems.push(`${by} has an empty name`);
    const had = produced.get(name);
    if (had) problems.push(`"${name}" is produced twice (${had} and ${by})`);
    else produced.set(name, by);
  };
  for (const v of graph.input ?? []) produce(v.name, `input "${v.name}"`);
  for (const t of graph.initializer ?? []) produce(t.name, `initializer "${t.name}"`);
  for (const n of graph.node ?? []) {
    const what = `${n.opType || '?'} node "${n.name ?? ''}"`;
    if (!n.opType) problems.push(`node "${n.name ?? ''}" has no operator`);
    for (const i of n.input ?? []) if (i !== '' && !produced.has(i)) problems.push(`${what} reads "${i}", which nothing before it produces`);
    for (const o of n.output ?? []) if (o !== '') produce(o, what);
  }
  const outs = new Set<string>();
  for (const o of graph.output ?? []) {
    if (!o.name || !produced.has(o.name)) problems.push(`output "${o.name ?? ''}" is never produced`);
    if (o.name && outs.has(o.name)) problems.push(`output "${o.name}" is declared twice`);
    if (o.name) outs.add(o.name);
  }
  if (!(graph.output ?? []).length) problems.push('the graph has no outputs');
  if (problems.length) throw new OnnxGraphError(problems);
}
