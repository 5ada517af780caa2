-- DEL key at ARGV[3] unless newer; drops its field sets, leaves a tombstone.
local key, dead, live, ts = KEYS[1], KEYS[2], KEYS[3], tonumber(ARGV[3])
for _, set in ipairs({live, dead}) do
  local seen = redis.call('ZSCORE', set, key)
  if seen and ts < tonumber(seen) then return 0 end
end
redis.call('ZREM', live, key)
redis.call('DEL', live .. '_' .. key, dead .. '_' .. key)
redis.call('ZADD', dead, ARGV[3], key)
return redis.call(ARGV[1], key)
