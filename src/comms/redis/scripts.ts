import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * A Lua script run with EVALSHA, falling back to EVAL when the server does not have it cached (a
 * fresh or restarted Redis). Each script is one command, so a step that must be atomic (reply and
 * acknowledge, give a task back) is never half done, and ioredis can resend it after a reconnect.
 */
export class Script {
  readonly #sha: string;

  constructor(readonly lua: string) {
    this.#sha = createHash('sha1').update(lua).digest('hex');
  }

  async run(client: Redis, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    try {
      return await client.evalsha(this.#sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!String((error as Error).message).startsWith('NOSCRIPT')) throw error;
      return client.eval(this.lua, keys.length, ...keys, ...args);
    }
  }
}

/**
 * Acknowledge a task and deliver its reply. XACK first: if it acknowledges nothing, somebody
 * already settled this delivery (our own command resent after a reconnect, or a consumer that
 * claimed the task while we looked dead), and the reply is not pushed a second time.
 * KEYS: stream [, reply inbox]; ARGV: group, entry id [, reply, inbox ttl ms].
 */
export const settleScript = new Script(`
local acked = redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
if acked == 1 and #KEYS == 2 then
  redis.call('RPUSH', KEYS[2], ARGV[3])
  redis.call('PEXPIRE', KEYS[2], ARGV[4])
end
return acked
`);

/**
 * Heartbeat of running tasks: reset their idle time so nobody claims them, but only those still
 * ours (a consumer that stalled past deadAfter may have lost one; we must not steal it back).
 * KEYS: stream; ARGV: group, consumer, entry ids...; returns the ids that are no longer ours.
 */
export const touchScript = new Script(`
local lost = {}
for i = 3, #ARGV do
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
  if p[1] and p[1][2] == ARGV[2] then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
  else
    table.insert(lost, ARGV[i])
  end
end
return lost
`);

/**
 * Take over the tasks of dead consumers (idle longer than min-idle), with their delivery counts.
 * KEYS: stream; ARGV: group, consumer, min idle ms, cursor, count; returns {cursor, {{id, fields, times}...}}.
 */
export const claimScript = new Script(`
local r = redis.call('XAUTOCLAIM', KEYS[1], ARGV[1], ARGV[2], ARGV[3], ARGV[4], 'COUNT', ARGV[5])
local out = {}
for _, e in ipairs(r[2]) do
  if e[2] then
    local p = redis.call('XPENDING', KEYS[1], ARGV[1], e[1], e[1], 1)
    local times = 1
    if p[1] then times = p[1][4] end
    table.insert(out, {e[1], e[2], times})
  else
    redis.call('XACK', KEYS[1], ARGV[1], e[1])
  end
end
return {r[1], out}
`);

/**
 * Give a consumer's unfinished tasks back to the queue at once (its subscriber was removed or its
 * communicator closed): each is acknowledged and added again with its delivery count so far. The
 * consumer is deleted from the group when nothing of it is left pending.
 * KEYS: stream; ARGV: group, consumer, ids to keep (still running, they will be settled)...
 */
export const giveBackScript = new Script(`
local keep = {}
for i = 3, #ARGV do keep[ARGV[i]] = true end
local pending = redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 100000, ARGV[2])
local kept = 0
local given = 0
for _, p in ipairs(pending) do
  local id = p[1]
  if keep[id] then
    kept = kept + 1
  else
    local entry = redis.call('XRANGE', KEYS[1], id, id)
    redis.call('XACK', KEYS[1], ARGV[1], id)
    redis.call('XDEL', KEYS[1], id)
    if entry[1] then
      local fields = entry[1][2]
      local m = nil
      local d = 0
      for i = 1, #fields, 2 do
        if fields[i] == 'm' then m = fields[i + 1] elseif fields[i] == 'd' then d = tonumber(fields[i + 1]) end
      end
      if m then
        redis.call('XADD', KEYS[1], '*', 'm', m, 'd', d + p[4])
        given = given + 1
      end
    end
  end
end
if kept == 0 then redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2]) end
return given
`);

/**
 * Withdraw a task whose sender timed out, unless a consumer has taken it (then it is pending, and
 * runs to the end). A queue whose group does not exist yet has delivered nothing.
 * KEYS: stream; ARGV: group, entry id; returns 1 if withdrawn.
 */
export const withdrawScript = new Script(`
local p = redis.pcall('XPENDING', KEYS[1], ARGV[1], ARGV[2], ARGV[2], 1)
if type(p) == 'table' and p.err == nil and p[1] then return 0 end
return redis.call('XDEL', KEYS[1], ARGV[2])
`);

/** Claim an RPC identifier unless another communicator holds it. KEYS: rpc key; ARGV: owner, ttl ms. */
export const registerScript = new Script(`
local owner = redis.call('GET', KEYS[1])
if owner and owner ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`);

/** Release an RPC identifier if we hold it. KEYS: rpc key; ARGV: owner. */
export const unregisterScript = new Script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
`);

/**
 * Deliver an RPC request to the inbox of the identifier's live owner, or return 0 at once when
 * nobody holds the identifier (never subscribed, removed, or its owner stopped heartbeating).
 * KEYS: rpc key; ARGV: inbox prefix, request, inbox ttl ms.
 */
export const rpcSendScript = new Script(`
local owner = redis.call('GET', KEYS[1])
if not owner then return 0 end
local inbox = ARGV[1] .. owner
redis.call('RPUSH', inbox, ARGV[2])
redis.call('PEXPIRE', inbox, ARGV[3])
return 1
`);

/** Push onto a list and (re)set its expiry. KEYS: list; ARGV: value, ttl ms. */
export const pushScript = new Script(`
redis.call('RPUSH', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`);
