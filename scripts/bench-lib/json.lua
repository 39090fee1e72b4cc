-- A small JSON decoder for the data files the wrk scripts read (scripts/lib/scenarios.json):
-- objects, arrays, strings (with \" \\ \/ \b \f \n \r \t escapes; \u of ASCII only), numbers,
-- true, false, null (nil). wrk's LuaJIT has no JSON library. Errors name the byte offset.
local M = {}

local escapes = { ['"'] = '"', ["\\"] = "\\", ["/"] = "/", b = "\b", f = "\f", n = "\n", r = "\r", t = "\t" }

function M.decode(text)
  local pos = 1
  local value

  local function fail(what) error(string.format("json: %s at byte %d", what, pos), 0) end
  local function skip() pos = text:find("[^ \t\r\n]", pos) or #text + 1 end

  local function string_value()
    pos = pos + 1 -- the opening quote
    local parts = {}
    while true do
      local c = text:sub(pos, pos)
      if c == "" then fail("unterminated string") end
      if c == '"' then pos = pos + 1; return table.concat(parts) end
      if c == "\\" then
        local e = text:sub(pos + 1, pos + 1)
        if e == "u" then
          local code = tonumber(text:sub(pos + 2, pos + 5), 16)
          if code == nil or code > 127 then fail("unsupported \\u escape") end
          parts[#parts + 1] = string.char(code)
          pos = pos + 6
        elseif escapes[e] then
          parts[#parts + 1] = escapes[e]
          pos = pos + 2
        else
          fail("bad escape")
        end
      else
        parts[#parts + 1] = c
        pos = pos + 1
      end
    end
  end

  -- The items of an object or array: item() reads one; they are separated by commas and the
  -- sequence ends at the character close.
  local function sequence(close, item)
    pos = pos + 1
    skip()
    if text:sub(pos, pos) == close then pos = pos + 1; return end
    while true do
      item()
      skip()
      local sep = text:sub(pos, pos)
      pos = pos + 1
      if sep == close then return end
      if sep ~= "," then fail("expected ',' or '" .. close .. "'") end
    end
  end

  function value()
    skip()
    local c = text:sub(pos, pos)
    if c == "{" then
      local object = {}
      sequence("}", function()
        skip()
        if text:sub(pos, pos) ~= '"' then fail("expected a key") end
        local key = string_value()
        skip()
        if text:sub(pos, pos) ~= ":" then fail("expected ':'") end
        pos = pos + 1
        object[key] = value()
      end)
      return object
    elseif c == "[" then
      local array = {}
      sequence("]", function() array[#array + 1] = value() end)
      return array
    elseif c == '"' then
      return string_value()
    end
    for word, result in pairs({ ["true"] = true, ["false"] = false, ["null"] = M.null }) do
      if text:sub(pos, pos + #word - 1) == word then pos = pos + #word; return result end
    end
    local number = text:match("^-?%d+%.?%d*[eE]?[-+]?%d*", pos)
    if number == nil or number == "" or tonumber(number) == nil then fail("unexpected character") end
    pos = pos + #number
    return tonumber(number)
  end

  local result = value()
  skip()
  if pos <= #text then fail("trailing characters") end
  return result
end

-- JSON's null decodes to this (a table stored as a value), not to nil.
M.null = setmetatable({}, { __tostring = function() return "null" end })

-- The decoded contents of the file at path; errors when it cannot be read or parsed.
function M.read_file(path)
  local file, err = io.open(path, "r")
  if file == nil then error("json: cannot read " .. tostring(err), 0) end
  local text = file:read("*a")
  file:close()
  return M.decode(text)
end

return M
