-- HGET/SISMEMBER/ZSCORE key field as {status, ts, value}.
local key, live, dead, f = KEYS[1], KEYS[2], KEYS[3], ARGV[4]
local value = redis.call(ARGV[1], key, f)
local at = redis.call('ZSCORE', dead, key) or redis.call('ZSCORE', dead .. '_' .. key, f)
if at then return {'R', at, value} end
if redis.call('ZSCORE', live, key) then
  at = redis.call('ZSCORE', live .. '_' .. key, f)
  if at and value then return {'E', at, value} end
end
return {'X', 0, value}
