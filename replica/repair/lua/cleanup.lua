-- Drops the tombstones of a delete at ARGV[3] (of the key, or of fields).
local key, dead, ts = KEYS[1], KEYS[3], tonumber(ARGV[3])
local n = tonumber(ARGV[2])
if n == 0 then
  local at = redis.call('ZSCORE', dead, key)
  if at and tonumber(at) <= ts then return redis.call('ZREM', dead, key) end
  return 0
end
local fdead, ret = dead .. '_' .. key, 0
for i = 4, n + 3 do
  local at = redis.call('ZSCORE', fdead, ARGV[i])
  if at and tonumber(at) <= ts then ret = ret + redis.call('ZREM', fdead, ARGV[i]) end
end
if redis.call('ZCARD', fdead) == 0 then redis.call('ZREM', dead, key) end
return ret
