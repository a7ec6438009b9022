// The training queue's state changes, each one Lua script so that a job's stream entry, its
// entity's record and the counts by state change together or not at all (a worker killed between
// two commands would otherwise leave a job acknowledged but not recorded, or counted twice).
import { LuaScript } from './script';

/** Shared by both scripts: Redis' clock, and storing a record while moving its count to its new state. */
const PRELUDE = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function save(records, counts, entity, r, from)
  if from ~= r.state then
    if from then redis.call('HINCRBY', counts, from, -1) end
    redis.call('HINCRBY', counts, r.state, 1)
  end
  r.updated = now_ms()
  redis.call('HSET', records, entity, cjson.encode(r))
end
`;

/**
 * Queues one entity's job unless it is queued or running already, or done (unless retrain).
 * KEYS: jobs, records, counts. ARGV: entity, bundle, data, job (JSON), retrain ('1' or '0').
 * Returns {previous state or '', 1 when queued now}.
 */
export const SUBMIT = new LuaScript(`${PRELUDE}
local entity = ARGV[1]
local cur = redis.call('HGET', KEYS[2], entity)
local from = nil
if cur then
  local old = cjson.decode(cur)
  from = old.state
  if from == 'queued' or from == 'running' or (from == 'done' and ARGV[5] ~= '1') then return {from, 0} end
  if old.seconds then redis.call('HINCRBYFLOAT', KEYS[3], 'seconds', -old.seconds) end
end
save(KEYS[2], KEYS[3], entity, {state = 'queued', attempts = 0, bundle = ARGV[2], data = ARGV[3], submitted = now_ms()}, from)
redis.call('XADD', KEYS[1], '*', 'entity', entity, 'job', ARGV[4])
return {from or '', 1}`);

/**
 * One step of a job held by a worker; nothing happens unless the worker still owns the job's
 * pending entry (a worker presumed dead, whose job another took over, changes nothing).
 * KEYS: jobs, records, counts. ARGV: step, group, entry id, entity, worker, then by step:
 *   start  max attempts: counts an attempt and marks it running; a job out of attempts (its
 *          workers died each time) is failed here instead. Returns {1, attempt, interrupted,
 *          previous worker} or {2, attempts, reason} (failed) or {3} (already finished: closed).
 *   beat   (nothing): resets the entry's idle time, so that the job is not taken over. {1}
 *   done   training seconds: acknowledges and deletes the entry, the record is done. {1}
 *   error  reason, max attempts: the record keeps the reason; the job is queued again (a new
 *          entry) or, out of attempts, failed. {1, state}
 *   release (nothing): queued again, the attempt not counted (a worker stopping mid-job). {1}
 * Any step returns {0} when the worker does not own the entry.
 */
export const STEP = new LuaScript(`${PRELUDE}
local jobs, records, counts = KEYS[1], KEYS[2], KEYS[3]
local step, group, id, entity, worker = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local p = redis.call('XPENDING', jobs, group, id, id, 1)
if #p == 0 or p[1][2] ~= worker then return {0} end
if step == 'beat' then
  redis.call('XCLAIM', jobs, group, worker, 0, id, 'JUSTID')
  return {1}
end
local s = redis.call('HGET', records, entity)
local r = s and cjson.decode(s) or {state = 'queued', attempts = 0}
local from = s and r.state or nil
local function close()
  redis.call('XACK', jobs, group, id)
  redis.call('XDEL', jobs, id)
end
local function requeue()
  local e = redis.call('XRANGE', jobs, id, id)
  close()
  redis.call('XADD', jobs, '*', unpack(e[1][2]))
  r.state = 'queued'
end
local reply = {1}
if step == 'start' then
  if from == 'done' or from == 'failed' then
    close()
    return {3}
  end
  local previous = ''
  if from == 'running' then
    r.interrupted = (r.interrupted or 0) + 1
    previous = r.worker
  end
  if r.attempts >= tonumber(ARGV[6]) then
    local why = r.attempts .. ' attempts used'
    if r.interrupted then why = why .. ', ' .. r.interrupted .. ' of them ended by their worker stopping (killed? out of memory?)' end
    if r.error then why = why .. '; the last error: ' .. r.error end
    r.error = why
    r.state = 'failed'
    close()
    reply = {2, r.attempts, why}
  else
    r.attempts = r.attempts + 1
    r.state = 'running'
    r.worker = worker
    r.started = now_ms()
    reply = {1, r.attempts, r.interrupted or 0, previous}
  end
elseif step == 'done' then
  close()
  r.state = 'done'
  r.seconds = tonumber(ARGV[6])
  r.error = nil
  redis.call('HINCRBYFLOAT', counts, 'seconds', r.seconds)
elseif step == 'error' then
  r.error = ARGV[6]
  if r.attempts >= tonumber(ARGV[7]) then
    close()
    r.state = 'failed'
  else
    requeue()
  end
  reply = {1, r.state}
elseif step == 'release' then
  r.attempts = r.attempts - 1
  requeue()
else
  return redis.error_reply('unknown step ' .. step)
end
save(records, counts, entity, r, from)
return reply`);
