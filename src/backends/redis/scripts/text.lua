-- Numbers as text for the scripts (pulled in with "-- @include text"). Lua's own conversion
-- and string.format go through sprintf, which costs more than a redis.call: a script formats
-- each value once.

-- A whole number as text, memoized: a script formats its one `now` for every row, index entry
-- and history entry it writes.
local fmt_n, fmt_s
local function fmt(n)
  if n ~= fmt_n then
    fmt_n, fmt_s = n, string.format('%.0f', n)
  end
  return fmt_s
end

-- Small whole numbers (tokens, counts, history seqs) as text, each formatted once per script:
-- a batch of fifty writes the same few values fifty times. `padded` is the 10-digit form.
local INT_S, PAD_S = {}, {}
local function itos(n)
  local s = INT_S[n]
  if not s then
    s = string.format('%d', n)
    INT_S[n] = s
  end
  return s
end
local function padded(n)
  local s = PAD_S[n]
  if not s then
    s = string.format('%010d', n)
    PAD_S[n] = s
  end
  return s
end
