// One batch's writes as one atomic, fenced Lua script: nothing is written unless the caller still
// holds the shard's lease; each output (a result, a result that is also an alarm, a dead letter)
// is written only when its row id is after the entity's last written row (so a replayed row never
// gets a second result); then the entity checkpoints are stored and the rows they cover are
// acknowledged. A worker killed before the script ran commits nothing, never half a batch.
import { LuaScript } from './script';
import { GROUP, type FleetKeys } from './keys';
import type { RedisClient } from './redis';

const COMMIT = new LuaScript(`
-- KEYS: lease, rows, results, alarms, dead, done, state
-- ARGV: token, group, outputs, states, acks, then per output: kind, entity, row, field count, fields;
-- per state: entity, checkpoint (checkpoint.ts); per ack: row id
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {-1, 0, 0} end
local function after(a, b)
  local am, as = string.match(a, '^(%d+)-(%d+)$')
  local bm, bs = string.match(b, '^(%d+)-(%d+)$')
  am, as, bm, bs = tonumber(am), tonumber(as), tonumber(bm), tonumber(bs)
  if am ~= bm then return am > bm end
  return as > bs
end
local i, written, dead, skipped = 6, 0, 0, 0
for _ = 1, tonumber(ARGV[3]) do
  local kind, entity, row, n = ARGV[i], ARGV[i + 1], ARGV[i + 2], tonumber(ARGV[i + 3])
  local fields = {}
  for k = 1, n do fields[k] = ARGV[i + 3 + k] end
  i = i + 4 + n
  local last = redis.call('HGET', KEYS[6], entity)
  if last and not after(row, last) then
    skipped = skipped + 1
  else
    local stream = KEYS[3]
    if kind == 'd' then stream = KEYS[5] end
    redis.call('XADD', stream, '*', unpack(fields))
    if kind == 'a' then redis.call('XADD', KEYS[4], '*', unpack(fields)) end
    redis.call('HSET', KEYS[6], entity, row)
    if kind == 'd' then dead = dead + 1 else written = written + 1 end
  end
end
for _ = 1, tonumber(ARGV[4]) do
  redis.call('HSET', KEYS[7], ARGV[i], ARGV[i + 1])
  i = i + 2
end
-- in chunks: unpack() of thousands of values would overflow Lua's stack
local acks, done = tonumber(ARGV[5]), 0
while done < acks do
  local ids = {}
  for k = 1, math.min(1000, acks - done) do ids[k] = ARGV[i + done + k - 1] end
  redis.call('XACK', KEYS[2], ARGV[2], unpack(ids))
  done = done + #ids
end
return {written, dead, skipped}`);

/** What one row produced: 'r' a result, 'a' a result that is an alarm, 'd' a dead letter. */
export interface Output {
  kind: 'r' | 'a' | 'd';
  entity: string;
  row: string;
  fields: string[];
}

export interface Batch {
  outputs: Output[];
  /** entity -> its checkpoint as stored (checkpoint.ts) */
  states: Map<string, Buffer | string>;
  /** Row ids to acknowledge. */
  acks: string[];
}

export function emptyBatch(): Batch {
  return { outputs: [], states: new Map(), acks: [] };
}

/** What a commit wrote: results, dead letters, and outputs skipped as already written. */
export interface Committed {
  results: number;
  dead: number;
  skipped: number;
}

export function isEmpty(b: Batch): boolean {
  return !b.outputs.length && !b.states.size && !b.acks.length;
}

/**
 * Writes the batches of several shards in one round trip (a pipeline of scripts, each atomic on
 * its own); per batch, what it wrote, or null when its shard's lease was lost (nothing written).
 */
export async function commitBatches(redis: RedisClient, keys: FleetKeys, token: string, batches: { shard: number; batch: Batch }[]): Promise<(Committed | null)[]> {
  const calls = batches.map(({ shard: s, batch: b }) => {
    const args: (string | number | Buffer)[] = [token, GROUP, b.outputs.length, b.states.size, b.acks.length];
    for (const o of b.outputs) args.push(o.kind, o.entity, o.row, o.fields.length, ...o.fields);
    for (const [entity, cp] of b.states) args.push(entity, cp);
    args.push(...b.acks);
    return { keys: [keys.lease(s), keys.rows(s), keys.results, keys.alarms, keys.dead, keys.done(s), keys.state(s)], args };
  });
  const replies = (await COMMIT.pipelined(redis, calls)) as number[][];
  return replies.map(([results, dead, skipped]) => (results < 0 ? null : { results, dead, skipped }));
}
