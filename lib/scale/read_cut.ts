// A read cut into pieces that each name at most `capacity` entities, so that a bounded bundle
// cache (bundle_cache.ts) can hold the detectors of every entity of a piece while it is scored
// and committed. Pieces keep the entries' order within each shard (an entity lives in one shard),
// so every entity's rows are still scored in id order. Unbounded: the whole read is one piece.
import type { Entry } from './shard';
import { fieldMap } from './wire';

/** A shard's entries of a read. */
export interface ShardEntries {
  shard: number;
  entries: Entry[];
}

export interface ReadPiece {
  parts: ShardEntries[];
  /** The entities named by the piece's entries (at most the capacity). */
  entities: Set<string>;
}

export function cutRead(parts: ShardEntries[], capacity: number): ReadPiece[] {
  const pieces: ReadPiece[] = [];
  let piece: ReadPiece = { parts: [], entities: new Set() };
  for (const { shard, entries } of parts) {
    let from = 0;
    entries.forEach(([, fields], i) => {
      const entity = fieldMap(fields).e;
      if (!entity || piece.entities.has(entity)) return; // no entity: refused, needs no detector
      if (piece.entities.size === capacity) {
        if (i > from) piece.parts.push({ shard, entries: entries.slice(from, i) });
        pieces.push(piece);
        piece = { parts: [], entities: new Set() };
        from = i;
      }
      piece.entities.add(entity);
    });
    if (entries.length > from) piece.parts.push({ shard, entries: entries.slice(from) });
  }
  if (piece.parts.length) pieces.push(piece);
  return pieces;
}
