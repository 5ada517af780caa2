-- GET key as {status, ts, value}: E live, R deleted, X no metadata.
local key, live, dead = KEYS[1], KEYS[2], KEYS[3]
local value = redis.call(ARGV[1], key)
local at = redis.call('ZSCORE', live, key)
if at then
  if value then return {'E', at, value} end
  redis.call('ZREM', live, key)
end
at = redis.call('ZSCORE', dead, key)
if at then return {'R', at, value} end
return {'X', 0, value}
