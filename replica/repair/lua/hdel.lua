-- HDEL/SREM/ZREM key field... at ARGV[3], field by field unless newer;
-- leaves field tombstones, and drops the key's entry once no field lives.
local key, dead, live, ts = KEYS[1], KEYS[2], KEYS[3], tonumber(ARGV[3])
local flive, fdead = live .. '_' .. key, dead .. '_' .. key
local ret = 0
for i = 4, tonumber(ARGV[2]) + 3 do
  local f, fresh = ARGV[i], true
  for _, set in ipairs({flive, fdead}) do
    local seen = redis.call('ZSCORE', set, f)
    if seen and ts < tonumber(seen) then fresh = false end
  end
  if fresh then
    redis.call('ZREM', flive, f)
    redis.call('ZADD', fdead, ARGV[3], f)
    ret = ret + redis.call(ARGV[1], key, f)
  end
end
if redis.call('ZCARD', flive) == 0 then redis.call('ZREM', live, key) end
return ret
