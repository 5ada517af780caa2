-- SADD key member... at ARGV[3], member by member unless newer.
local key, live, dead, ts = KEYS[1], KEYS[2], KEYS[3], tonumber(ARGV[3])
local flive, fdead = live .. '_' .. key, dead .. '_' .. key
local gone = redis.call('ZSCORE', dead, key)
if gone and ts < tonumber(gone) then return 0 end
local wrote = false
local ret = 0
for i = 4, tonumber(ARGV[2]) + 3 do
  local m, fresh = ARGV[i], true
  for _, set in ipairs({flive, fdead}) do
    local seen = redis.call('ZSCORE', set, m)
    if seen and ts < tonumber(seen) then fresh = false end
  end
  if fresh then
    wrote = true
    redis.call('ZREM', fdead, m)
    redis.call('ZADD', flive, ARGV[3], m)
    ret = ret + redis.call(ARGV[1], key, m)
  end
end
if wrote then
  redis.call('ZREM', dead, key)
  local at = redis.call('ZSCORE', live, key)
  if not at or ts > tonumber(at) then redis.call('ZADD', live, ARGV[3], key) end
end
return ret
