-- Numbers as text for the scripts (pulled in with "-- @include text"). Lua's own conversion
-- and string.format go through sprintf (5% of Redis's CPU profile during claims before this):
-- a script formats each value once.

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
local function memoized(pattern)
  local cache = {}
  return function(n)
    local s = cache[n]
    if not s then
      s = string.format(pattern, n)
      cache[n] = s
    end
    return s
  end
end
local itos = memoized('%d')
local padded = memoized('%010d')
