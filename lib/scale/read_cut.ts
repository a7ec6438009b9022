// A read cut into pieces that each name at most `capacity` entities, so that a bounded bundle
// cache (bundle_cache.ts) can hold the detectors of every entity of a piece while it is scored
// and committed. Only an entity's own rows must keep their order (an entity lives in one shard),
// so a piece takes all of its entities' rows of the read: each entity is loaded at most once per
// read, and the entities whose detectors are held already go first, before any is evicted.
// Within a piece the entries keep the read's order. Entries without an entity (refused, they need
// no detector) go with the first piece. A read naming at most `capacity` entities is one piece.
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

export function cutRead(parts: ShardEntries[], capacity: number, held: (entity: string) => boolean): ReadPiece[] {
  const names = parts.map(({ entries }) => entries.map(([, fields]) => fieldMap(fields).e ?? ''));
  const seen = [...new Set(names.flat().filter((e) => e !== ''))];
  if (seen.length <= capacity) return parts.length ? [{ parts, entities: new Set(seen) }] : [];
  const order = [...seen.filter(held), ...seen.filter((e) => !held(e))];
  const pieceOf = new Map(order.map((e, i) => [e, Math.floor(i / capacity)]));
  return Array.from({ length: Math.ceil(order.length / capacity) }, (_, k) => ({
    parts: parts
      .map(({ shard, entries }, p) => ({ shard, entries: entries.filter((_, i) => (pieceOf.get(names[p][i]) ?? 0) === k) }))
      .filter((q) => q.entries.length),
    entities: new Set(order.slice(k * capacity, (k + 1) * capacity)),
  }));
}
