// Import cycles in a file graph: each strongly connected component of more than one file (or a
// file importing itself) is a cycle, reported as one concrete loop through its files.

/** The cycles of `edges` (file -> files it imports), each as a loop [a, b, ..., a]. */
export function findCycles(edges: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  let next = 0;
  // Tarjan's algorithm, iterative so a deep import chain cannot overflow the call stack.
  for (const start of [...edges.keys()].sort()) {
    if (index.has(start)) continue;
    const work: [string, string[]][] = [];
    const enter = (v: string) => {
      index.set(v, next);
      low.set(v, next++);
      stack.push(v);
      onStack.add(v);
      work.push([v, [...(edges.get(v) ?? [])].sort()]);
    };
    enter(start);
    while (work.length) {
      const [v, todo] = work[work.length - 1];
      const w = todo.shift();
      if (w !== undefined) {
        if (!index.has(w)) enter(w);
        else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
        continue;
      }
      work.pop();
      if (work.length) {
        const parent = work[work.length - 1][0];
        low.set(parent, Math.min(low.get(parent)!, low.get(v)!));
      }
      if (low.get(v) !== index.get(v)) continue;
      const component: string[] = [];
      let w2: string;
      do {
        w2 = stack.pop()!;
        onStack.delete(w2);
        component.push(w2);
      } while (w2 !== v);
      if (component.length > 1 || edges.get(v)?.has(v)) cycles.push(loopThrough(new Set(component), edges));
    }
  }
  return cycles;
}

/** One loop inside a strongly connected component, from its first file (sorted) back to it. */
function loopThrough(component: ReadonlySet<string>, edges: ReadonlyMap<string, ReadonlySet<string>>): string[] {
  const first = [...component].sort()[0];
  // Breadth-first from `first` inside the component until an edge leads back to it.
  const cameFrom = new Map<string, string>();
  const queue = [first];
  for (let i = 0; i < queue.length; i++) {
    const v = queue[i];
    for (const w of [...(edges.get(v) ?? [])].sort()) {
      if (!component.has(w)) continue;
      if (w === first) {
        const path = [v];
        for (let u = v; u !== first; u = cameFrom.get(u)!) path.push(cameFrom.get(u)!);
        return [...path.reverse(), first];
      }
      if (!cameFrom.has(w)) {
        cameFrom.set(w, v);
        queue.push(w);
      }
    }
  }
  return [first, first]; // unreachable for a strongly connected component
}
