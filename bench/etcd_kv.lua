-- wrk script for bench/raftkv_bench.sh: load on etcd's v3 HTTP/JSON gateway,
-- the counterpart of the redis-benchmark loads on faultline-raftkv.
--
--   ETCD_OP=put|range|txn wrk -s bench/etcd_kv.lua http://127.0.0.1:PORT
--
-- Keys are "key:%012d" over 0..9999 (redis-benchmark's key:__rand_int__ with
-- -r 10000), values 128 bytes of 'x' (redis-benchmark's -d 128), so that a
-- txn comparing the VALUE with that string succeeds on prefilled keys, as CAS
-- does on raftkv. range is linearizable (etcd's default). A txn whose compare
-- fails still answers HTTP 200, without "succeeded":true: those are counted
-- and printed as "txn_failed: N" when wrk finishes.

local op = os.getenv("ETCD_OP") or "put"
local paths = { put = "/v3/kv/put", range = "/v3/kv/range", txn = "/v3/kv/txn" }
local path = paths[op]
if path == nil then
  error("ETCD_OP must be put, range or txn, not '" .. op .. "'")
end

local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

local function sextet(n)
  return alphabet:sub(n + 1, n + 1)
end

-- Standard base64 with padding (the gateway decodes `bytes` fields as such).
local function base64(s)
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = s:byte(i, i + 2)
    local n = a * 65536 + (b or 0) * 256 + (c or 0)
    out[#out + 1] = sextet(math.floor(n / 262144) % 64) .. sextet(math.floor(n / 4096) % 64)
        .. (b and sextet(math.floor(n / 64) % 64) or "=") .. (c and sextet(n % 64) or "=")
  end
  return table.concat(out)
end

local value = base64(string.rep("x", 128))
local bodies = {}
for i = 0, 9999 do
  local key = base64(string.format("key:%012d", i))
  if op == "put" then
    bodies[i + 1] = '{"key":"' .. key .. '","value":"' .. value .. '"}'
  elseif op == "range" then
    bodies[i + 1] = '{"key":"' .. key .. '"}'
  else
    bodies[i + 1] = '{"compare":[{"key":"' .. key .. '","target":"VALUE","result":"EQUAL","value":"'
        .. value .. '"}],"success":[{"requestPut":{"key":"' .. key .. '","value":"' .. value .. '"}}]}'
  end
end

local headers = { ["Content-Type"] = "application/json" }
local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
  thread:set("thread_id", #threads)
end

function init(args)
  math.randomseed(os.time() * 16 + thread_id)
  failed = 0
end

function request()
  return wrk.format("POST", path, headers, bodies[math.random(1, 10000)])
end

if op == "txn" then
  function response(status, headers, body)
    if not body:find('"succeeded":true', 1, true) then
      failed = failed + 1
    end
  end
end

function done(summary, latency, requests)
  if op == "txn" then
    local total = 0
    for _, thread in ipairs(threads) do
      total = total + thread:get("failed")
    end
    io.write(string.format("txn_failed: %d\n", total))
  end
end
