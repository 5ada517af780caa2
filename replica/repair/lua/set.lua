-- SET key value at ARGV[3] unless the key's entry in either set is newer.
local key, live, dead, ts = KEYS[1], KEYS[2], KEYS[3], tonumber(ARGV[3])
for _, set in ipairs({live, dead}) do
  local seen = redis.call('ZSCORE', set, key)
  if seen and ts < tonumber(seen) then return -1 end
end
redis.call('ZREM', dead, key)
redis.call('ZADD', live, ARGV[3], key)
return redis.call(ARGV[1], key, ARGV[4])
