-- ZADD key [opts] score member... at ARGV[4], member by member unless newer.
local key, live, dead, ts = KEYS[1], KEYS[2], KEYS[3], tonumber(ARGV[4])
local flive, fdead = live .. '_' .. key, dead .. '_' .. key
local nopts, n = tonumber(ARGV[2]), tonumber(ARGV[3])
local gone = redis.call('ZSCORE', dead, key)
if gone and ts < tonumber(gone) then return 0 end
local wrote = false
local ret = 0
for i = 5 + nopts, 3 + nopts + 2 * n, 2 do
  local m, fresh = ARGV[i], true
  for _, set in ipairs({flive, fdead}) do
    local seen = redis.call('ZSCORE', set, m)
    if seen and ts < tonumber(seen) then fresh = false end
  end
  if fresh then
    local args = {key}
    for j = 5, 4 + nopts do args[#args + 1] = ARGV[j] end
    args[#args + 1] = ARGV[i + 1]
    args[#args + 1] = m
    local r = redis.call(ARGV[1], unpack(args))
    if r then
      wrote = true
      redis.call('ZREM', fdead, m)
      redis.call('ZADD', flive, ARGV[4], m)
    end
    if type(r) == 'number' and type(ret) == 'number' then ret = ret + r else ret = r end
  end
end
if wrote then
  redis.call('ZREM', dead, key)
  local at = redis.call('ZSCORE', live, key)
  if not at or ts > tonumber(at) then redis.call('ZADD', live, ARGV[4], key) end
end
return ret
