#include "fuzz_entries.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <unordered_set>
#include <variant>
#include <vector>

#include "cache/entry.hpp"
#include "cache/redis_options.hpp"
#include "etl/catalog_files.hpp"
#include "etl/copy_text.hpp"
#include "etl/csv_line.hpp"
#include "http/content_negotiation.hpp"
#include "http/request_parsing.hpp"

namespace atelier::fuzz {
namespace {

constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();

// ---------------------------------------------------------------------------------------------
// Shared helpers

// Input bytes as \xNN-escaped text, cut short: the message of a broken invariant names its input.
std::string printable(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < bytes.size() && i < 300; ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c >= 0x20 && c < 0x7F && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  if (bytes.size() > 300) out += "...";
  return out;
}

void check(bool ok, std::string_view what, std::string_view input) {
  if (!ok) throw InvariantBroken(std::string(what) + " [input: \"" + printable(input) + "\"]");
}

// A heap copy of exactly `text.size()` bytes: handing parsers a view of it lets ASan see a read
// one byte past the end, which a std::string (spare capacity, NUL) or a view into a larger
// buffer would hide.
class ExactBuffer {
 public:
  explicit ExactBuffer(std::string_view text)
      : bytes_(std::make_unique<char[]>(text.size())), size_(text.size()) {
    if (size_ != 0) std::memcpy(bytes_.get(), text.data(), size_);
  }
  std::string_view view() const { return {bytes_.get(), size_}; }

 private:
  std::unique_ptr<char[]> bytes_;
  std::size_t size_;
};

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool all_digits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), is_digit);
}

// Reference value of an all-digit string (leading zeros allowed): nullopt when empty, not all
// digits or above int64.
std::optional<std::int64_t> reference_whole(std::string_view s) {
  if (s.empty() || !all_digits(s)) return std::nullopt;
  std::int64_t value = 0;
  for (char c : s) {
    const int digit = c - '0';
    if (value > (kInt64Max - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

// Product ids, page and count: digits only, 1..INT64_MAX (request_parsing.hpp).
std::optional<std::int64_t> reference_positive(std::string_view s) {
  const auto value = reference_whole(s);
  if (!value || *value < 1) return std::nullopt;
  return value;
}

// The request parsers refuse texts longer than this before looking at them (a cheap bound on
// zero-padded numbers); a valid id longer than that may be rejected.
constexpr std::size_t kIdTextCap = 40;

bool contains(std::string_view outer, std::string_view inner) {
  return inner.empty() || (inner.data() >= outer.data() &&
                           inner.data() + inner.size() <= outer.data() + outer.size());
}

// ---------------------------------------------------------------------------------------------
// Request parsing

using http::BadRequest;
using http::RouteId;

template <typename T>
const T* ok_value(const http::Parsed<T>& parsed) {
  return std::get_if<T>(&parsed);
}

void check_bad_request(const auto& parsed, std::string_view input) {
  if (const auto* bad = std::get_if<BadRequest>(&parsed)) {
    check(!bad->message.empty(), "a BadRequest must say what is wrong", input);
  }
}

void check_route(std::string_view data) {
  const ExactBuffer buffer(data);
  const std::string_view path = buffer.view();
  const http::RouteMatch match = http::match_route(path);
  check(http::allowed_methods(match.route).empty() == (match.route == RouteId::not_found),
        "allowed_methods is empty exactly for not_found", data);
  const std::string_view canonical = http::strip_one_trailing_slash(path);
  const std::string id(match.product_id);
  switch (match.route) {
    case RouteId::not_found:
      break;
    case RouteId::products:
      check(canonical == "/products", "products route for another path", data);
      break;
    case RouteId::cart:
      check(canonical == "/cart", "cart route for another path", data);
      break;
    case RouteId::healthz:
      check(canonical == "/healthz", "healthz route for another path", data);
      break;
    case RouteId::readyz:
      check(canonical == "/readyz", "readyz route for another path", data);
      break;
    case RouteId::metrics:
      check(canonical == "/metrics", "metrics route for another path", data);
      break;
    case RouteId::product:
      check(canonical == "/products/" + id, "product route for another path", data);
      break;
    case RouteId::product_styles:
      check(canonical == "/products/" + id + "/styles", "styles route for another path", data);
      break;
    case RouteId::product_related:
      check(canonical == "/products/" + id + "/related", "related route for another path", data);
      break;
  }
  const bool has_id = match.route == RouteId::product || match.route == RouteId::product_styles ||
                      match.route == RouteId::product_related;
  check(has_id != match.product_id.empty(), "product_id set exactly for the product routes", data);
  if (has_id) {
    check(contains(path, match.product_id), "product_id must be a view into the path", data);
    check(id.find('/') == std::string::npos, "product_id spans a '/'", data);
  }
  // One trailing slash is forgiven (request_parsing.hpp): "/x" and "/x/" route the same.
  if (path.empty() || path.back() != '/') {
    const ExactBuffer slashed(std::string(path) + "/");
    const http::RouteMatch other = http::match_route(slashed.view());
    check(other.route == match.route && other.product_id == match.product_id,
          "a path and the same path with one trailing slash route differently", data);
  }
  // Completeness: any non-empty segment without '/' is routed as a product id.
  if (!data.empty() && data.find('/') == std::string_view::npos) {
    const std::string s(data);
    const std::pair<std::string, RouteId> expected[] = {
        {"/products/" + s, RouteId::product},
        {"/products/" + s + "/", RouteId::product},
        {"/products/" + s + "/styles", RouteId::product_styles},
        {"/products/" + s + "/related/", RouteId::product_related},
    };
    for (const auto& [text, route] : expected) {
      const ExactBuffer built(text);
      const http::RouteMatch m = http::match_route(built.view());
      check(m.route == route && m.product_id == data, "a product path was not routed", text);
    }
  }
}

void check_product_id(std::string_view data) {
  const ExactBuffer buffer(data);
  const auto parsed = http::parse_product_id(buffer.view());
  const auto expected = reference_positive(data);
  if (const auto* id = ok_value(parsed)) {
    check(expected.has_value() && *expected == *id,
          "parse_product_id accepted something that is not digits with value 1..INT64_MAX", data);
  } else {
    check(!expected || data.size() > kIdTextCap, "parse_product_id rejected a valid id", data);
  }
  check_bad_request(parsed, data);
}

// Ranks of a page as exact arithmetic: first = (page-1)*count + 1, last = first + count - 1,
// nullopt when the page starts past int64, last capped at int64.
void check_ranks(const http::PageRequest& request, std::string_view input) {
  const auto ranks = request.ranks();
  const __int128 first = static_cast<__int128>(request.page - 1) * request.count + 1;
  if (first > kInt64Max) {
    check(!ranks.has_value(), "ranks of a page that starts past int64 must be empty", input);
    return;
  }
  const __int128 last = std::min<__int128>(first + request.count - 1, kInt64Max);
  check(ranks.has_value() && ranks->first == first && ranks->second == last,
        "PageRequest::ranks is not (page-1)*count+1 .. page*count", input);
}

void check_page(std::optional<std::string_view> page, std::optional<std::string_view> count,
                std::string_view data) {
  std::optional<ExactBuffer> page_buffer;
  std::optional<ExactBuffer> count_buffer;
  if (page) page = page_buffer.emplace(*page).view();
  if (count) count = count_buffer.emplace(*count).view();
  for (const int max_count : {1, 7, 5000}) {
    const auto parsed = http::parse_page_request(page, count, max_count);
    const std::optional<std::int64_t> want_page = page ? reference_positive(*page) : 1;
    std::optional<std::int64_t> want_count = count ? reference_positive(*count) : 5;
    if (count && want_count && *want_count > max_count) want_count.reset();
    if (const auto* request = ok_value(parsed)) {
      check(want_page && want_count && request->page == *want_page && request->count == *want_count,
            "parse_page_request accepted an invalid page/count or changed its value", data);
      check_ranks(*request, data);
    } else {
      const bool too_long =
          (page && page->size() > kIdTextCap) || (count && count->size() > kIdTextCap);
      check(!want_page || !want_count || too_long, "parse_page_request rejected a valid page",
            data);
    }
    check_bad_request(parsed, data);
  }
}

// Any page/count the parser can produce (1..INT64_MAX each), straight from the input bytes.
void check_ranks_from_bytes(std::string_view data) {
  if (data.size() < 16) return;
  std::uint64_t raw[2];
  std::memcpy(raw, data.data(), sizeof raw);
  http::PageRequest request;
  request.page = static_cast<std::int64_t>(raw[0] % static_cast<std::uint64_t>(kInt64Max)) + 1;
  request.count = static_cast<std::int64_t>(raw[1] % static_cast<std::uint64_t>(kInt64Max)) + 1;
  check_ranks(request, data);
}

bool is_session_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '-' || c == '_' ||
         c == '.';
}

std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

void check_cookies(std::string_view data) {
  const ExactBuffer buffer(data);
  const std::string_view header = buffer.view();
  const auto value = http::cookie_value(header, "session");
  if (value) {
    check(contains(header, *value), "cookie_value must return a view into the header", data);
    check(value->find(';') == std::string_view::npos, "a cookie value spans a ';'", data);
  }
  const bool value_is_session = value && atelier::session::is_issued_session_id(*value);
  const auto from_cookie = http::session_from(std::nullopt, header);
  check(from_cookie.found() == value_is_session &&
            (!from_cookie.found() || from_cookie.value == *value),
        "session_from(cookie) must be the session cookie when it is an issued id", data);

  const auto from_authorization = http::session_from(header, header);
  const std::string_view trimmed = trim_blanks(header);
  if (trimmed.size() >= atelier::session::kMinTokenLength) {
    check(from_authorization.kind == http::SessionRef::Kind::token &&
              from_authorization.value == trimmed,
          "a non-blank Authorization header of 20+ characters is the session", data);
  } else if (!trimmed.empty()) {
    check(from_authorization.kind == http::SessionRef::Kind::too_short,
          "a non-blank Authorization header under 20 characters is too short", data);
  } else {
    check(from_authorization.kind == from_cookie.kind &&
              from_authorization.value == from_cookie.value,
          "a blank Authorization header falls back to cookie", data);
  }

  // An acceptable Authorization value is 0..1024 printable ASCII characters once trimmed.
  const bool printable_ascii =
      std::all_of(trimmed.begin(), trimmed.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
  check(http::is_acceptable_authorization(header) == (trimmed.size() <= 1024 && printable_ascii),
        "is_acceptable_authorization is not: at most 1024 printable ASCII once trimmed", data);

  // Completeness: an issued-shaped id is found among other cookies.
  std::string token;
  for (char c : data) {
    if (is_session_char(c) && c != '.' && token.size() < atelier::session::kIssuedIdLength) {
      token.push_back(c);
    }
  }
  if (!token.empty()) {
    token.resize(atelier::session::kIssuedIdLength, 'A');
    const ExactBuffer cookies("theme=dark; session=" + token + " ;x=\"1\"");
    const auto found = http::session_from(std::nullopt, cookies.view());
    check(found.found() && found.value == token, "a session cookie was not found", token);
  }
}

// A strong entity-tag (RFC 9110 §8.8.3) without ',' (our ETags are hex; a list splits on ',').
bool is_listable_strong_etag(std::string_view etag) {
  if (etag.size() < 2 || etag.front() != '"' || etag.back() != '"') return false;
  for (char c : etag.substr(1, etag.size() - 2)) {
    const auto u = static_cast<unsigned char>(c);
    if (!(u == 0x21 || (u >= 0x23 && u <= 0x7E) || u >= 0x80) || c == ',') return false;
  }
  return true;
}

void check_if_none_match(std::string_view header, std::string_view etag, std::string_view data) {
  const ExactBuffer header_buffer(header);
  const ExactBuffer etag_buffer(etag);
  const bool matched = http::if_none_match_matches(header_buffer.view(), etag_buffer.view());
  if (!is_listable_strong_etag(etag)) return;
  // Reference: a list item (trimmed of SP/HTAB) that is "*", the tag, or W/ + the tag.
  bool expected = false;
  std::size_t start = 0;
  while (start <= header.size()) {
    const std::size_t comma = header.find(',', start);
    const std::string_view item = trim_blanks(
        header.substr(start, comma == std::string_view::npos ? header.npos : comma - start));
    if (item == "*" || item == etag || (item.starts_with("W/") && item.substr(2) == etag)) {
      expected = true;
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  check(matched == expected, "if_none_match_matches disagrees with RFC 9110 weak comparison", data);
  const std::string tag(etag);
  for (const std::string& list :
       {tag, "W/" + tag, std::string("*"), "\"x\", " + tag + " ,", " W/" + tag + "\t, \"y\""}) {
    const ExactBuffer list_buffer(list);
    check(http::if_none_match_matches(list_buffer.view(), etag_buffer.view()),
          "If-None-Match list naming the ETag did not match", data);
  }
}

// ---------------------------------------------------------------------------------------------
// CSV lines, the catalog row encoder and COPY text

using etl::CatalogFile;
using etl::CsvField;
using etl::CsvRecord;
using etl::FieldKind;
using etl::LineProblem;

// Reference split of one line (CONTRACT §4), written as a plain character loop.
struct ReferenceField {
  std::string value;  // doubled quotes collapsed
  FieldKind kind = FieldKind::bare;
};
struct ReferenceRecord {
  std::vector<ReferenceField> fields;
  bool ends_inside_quote = false;
  LineProblem problem = LineProblem::none;
};

ReferenceRecord reference_split(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  ReferenceRecord record;
  std::size_t i = 0;
  while (true) {
    if (record.fields.size() == etl::kMaxCsvFields) {
      record.problem = LineProblem::too_many_fields;
      return record;
    }
    ReferenceField field;
    if (i < line.size() && line[i] == '"') {
      field.kind = FieldKind::quoted;
      ++i;
      bool closed = false;
      while (i < line.size()) {
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field.value.push_back('"');
            i += 2;
            continue;
          }
          closed = true;
          ++i;
          break;
        }
        field.value.push_back(line[i++]);
      }
      record.fields.push_back(field);
      if (!closed) {
        record.ends_inside_quote = true;
        return record;
      }
      if (i < line.size() && line[i] != ',') {
        record.problem = LineProblem::text_after_quote;
        return record;
      }
    } else {
      while (i < line.size() && line[i] != ',') field.value.push_back(line[i++]);
      if (field.value == "null") field.kind = FieldKind::null;
      record.fields.push_back(field);
    }
    if (i >= line.size()) return record;
    ++i;  // the comma
  }
}

std::string collapsed(const CsvField& field) {
  std::string out;
  const std::string_view t = field.text;
  for (std::size_t i = 0; i < t.size(); ++i) {
    out.push_back(t[i]);
    if (field.has_doubled_quotes && t[i] == '"' && i + 1 < t.size() && t[i + 1] == '"') ++i;
  }
  return out;
}

// COPY text of one column back to bytes; nullopt when it holds a raw TAB/LF/CR or a bad escape.
// `null` is set for the \N marker.
std::optional<std::string> unescape_copy(std::string_view column, bool& null) {
  null = column == "\\N";
  if (null) return std::string();
  std::string out;
  for (std::size_t i = 0; i < column.size(); ++i) {
    const char c = column[i];
    if (c == '\t' || c == '\n' || c == '\r') return std::nullopt;
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    if (++i == column.size()) return std::nullopt;
    switch (column[i]) {
      case '\\':
        out.push_back('\\');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'n':
        out.push_back('\n');
        break;
      case 'r':
        out.push_back('\r');
        break;
      default:
        return std::nullopt;
    }
  }
  return out;
}

// Unicode Table 3-7 (well-formed UTF-8 byte sequences), without NUL.
bool reference_clean_utf8(std::string_view text) {
  std::size_t i = 0;
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const auto in = [&](std::size_t k, int lo, int hi) {
    return k < text.size() && byte(k) >= lo && byte(k) <= hi;
  };
  while (i < text.size()) {
    const unsigned char c = byte(i);
    if (c == 0) return false;
    if (c < 0x80) {
      i += 1;
    } else if (c >= 0xC2 && c <= 0xDF && in(i + 1, 0x80, 0xBF)) {
      i += 2;
    } else if (c == 0xE0 && in(i + 1, 0xA0, 0xBF) && in(i + 2, 0x80, 0xBF)) {
      i += 3;
    } else if (((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) && in(i + 1, 0x80, 0xBF) &&
               in(i + 2, 0x80, 0xBF)) {
      i += 3;
    } else if (c == 0xED && in(i + 1, 0x80, 0x9F) && in(i + 2, 0x80, 0xBF)) {
      i += 3;
    } else if (c == 0xF0 && in(i + 1, 0x90, 0xBF) && in(i + 2, 0x80, 0xBF) &&
               in(i + 3, 0x80, 0xBF)) {
      i += 4;
    } else if (c >= 0xF1 && c <= 0xF3 && in(i + 1, 0x80, 0xBF) && in(i + 2, 0x80, 0xBF) &&
               in(i + 3, 0x80, 0xBF)) {
      i += 4;
    } else if (c == 0xF4 && in(i + 1, 0x80, 0x8F) && in(i + 2, 0x80, 0xBF) &&
               in(i + 3, 0x80, 0xBF)) {
      i += 4;
    } else {
      return false;
    }
  }
  return true;
}

std::optional<std::int64_t> reference_price_cents(std::string_view text) {
  const std::size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  if (whole.empty() || whole.size() > 13 || !all_digits(whole)) return std::nullopt;
  std::int64_t cents = *reference_whole(whole) * 100;
  if (dot == std::string_view::npos) return cents;
  const std::string_view decimals = text.substr(dot + 1);
  if (decimals.empty() || decimals.size() > 2 || !all_digits(decimals)) return std::nullopt;
  const std::int64_t fraction = *reference_whole(decimals);
  return cents + (decimals.size() == 1 ? fraction * 10 : fraction);
}

void check_copy_text(std::string_view value, std::string_view input) {
  std::string out = "x";  // appends, so existing bytes must stay
  etl::append_copy_text(out, value);
  check(out.front() == 'x', "append_copy_text changed what was already in the buffer", input);
  bool null = false;
  const auto back = unescape_copy(std::string_view(out).substr(1), null);
  check(back.has_value(), "COPY text holds a raw TAB/LF/CR or a bad escape", input);
  check(!null && *back == value, "COPY text does not unescape to the original bytes", input);
}

void check_number_parsers(std::string_view text, std::string_view input) {
  const auto whole = etl::parse_whole_number(text);
  const auto want_whole = reference_whole(text);
  if (whole) {
    check(want_whole && *whole == *want_whole, "parse_whole_number accepted a non-number", input);
  } else {
    check(!want_whole || text.size() > 19, "parse_whole_number rejected a number", input);
  }
  check(etl::parse_price_cents(text) == reference_price_cents(text),
        "parse_price_cents disagrees with whole(1-13 digits)[.d or .dd]", input);
  const auto flag = etl::parse_flag(text);
  const std::optional<bool> want_flag = (text == "1" || text == "true")    ? std::optional(true)
                                        : (text == "0" || text == "false") ? std::optional(false)
                                                                           : std::nullopt;
  check(flag == want_flag, "parse_flag accepts exactly 1/0/true/false", input);
}

CsvRecord check_csv_line(std::string_view line) {
  CsvRecord record;
  const bool ok = etl::parse_csv_line(line, record);
  const std::string_view stripped = etl::strip_line_end(line);
  const ReferenceRecord want = reference_split(line);
  check(ok == (record.problem == LineProblem::none), "parse_csv_line result vs problem", line);
  check(record.problem == want.problem, "parse_csv_line problem differs from the reference", line);
  if (!ok) return record;
  check(record.count >= 1 && record.count <= etl::kMaxCsvFields, "field count out of range", line);
  check(record.count == want.fields.size(), "field count differs from the reference", line);
  check(record.repaired_unterminated_quote == want.ends_inside_quote,
        "repaired flag set but the line does not end inside a quote (or the reverse)", line);
  std::string rebuilt;
  for (std::size_t i = 0; i < record.count; ++i) {
    const CsvField& field = record.fields[i];
    check(contains(stripped, field.text), "a field lies outside its line (record spans lines)",
          line);
    check(field.kind == want.fields[i].kind, "field kind differs from the reference", line);
    const std::string value = collapsed(field);
    check(value == want.fields[i].value, "field value differs from the reference", line);
    const bool has_quote = field.text.find('"') != std::string_view::npos;
    check(field.has_doubled_quotes == (field.kind == FieldKind::quoted && has_quote),
          "has_doubled_quotes must say whether a quoted field holds quotes", line);
    if (field.kind != FieldKind::quoted) {
      check(field.text.find(',') == std::string_view::npos, "a bare field holds a comma", line);
      check((field.kind == FieldKind::null) == (field.text == "null"), "null is the bare word",
            line);
    }
    check(etl::field_equals(field, value), "field_equals(field, its value) is false", line);
    check(!etl::field_equals(field, value + "\""), "field_equals matched a longer value", line);
    if (!value.empty()) {
      check(!etl::field_equals(field, std::string_view(value).substr(0, value.size() - 1)),
            "field_equals matched a shorter value", line);
    }
    // The COPY form of a field: no raw separators inside, and it decodes to the value.
    std::string copy;
    etl::append_copy_field(copy, field);
    bool null = false;
    const auto back = unescape_copy(copy, null);
    check(back.has_value(), "COPY field holds a raw TAB/LF/CR or a bad escape", line);
    check(null == field.is_null() && (null || *back == value),
          "COPY field does not decode to the field's value", line);
    check_number_parsers(field.text, line);

    if (i > 0) rebuilt.push_back(',');
    if (field.kind == FieldKind::quoted) {
      rebuilt.push_back('"');
      rebuilt.append(field.text);
      const bool last_repaired = record.repaired_unterminated_quote && i + 1 == record.count;
      if (!last_repaired) rebuilt.push_back('"');
    } else {
      rebuilt.append(field.text);
    }
  }
  check(rebuilt == stripped, "the fields do not rebuild the line", line);
  return record;
}

// Where each COPY column of a file comes from (catalog_files.cpp, FileSpec::copy_columns).
enum class Source : std::uint8_t {
  field,            // the CSV field, value or \N
  field_null_word,  // the CSV field, with a quoted "null" also as \N
  flag,             // t/f of parse_flag(field)
  line,             // the physical line number
  stamp,            // products: what the loader's ProductStamp appends (EncoderCheck's: "stamp")
  style_product,    // photos/skus: the product of the style named by the field
};
struct Column {
  Source source;
  std::size_t field = 0;
};

std::vector<Column> columns_of(CatalogFile file) {
  using S = Source;
  switch (file) {
    case CatalogFile::products:
      return {{S::field, 0}, {S::field, 1}, {S::field, 2}, {S::field, 3}, {S::field, 4},
              {S::field, 5}, {S::stamp},    {S::stamp},    {S::stamp}};
    case CatalogFile::features:
      return {{S::field, 0}, {S::field, 1}, {S::line}, {S::field, 2}, {S::field_null_word, 3}};
    case CatalogFile::styles:
      return {{S::field, 0},           {S::field, 1}, {S::field, 2},
              {S::field_null_word, 3}, {S::field, 4}, {S::flag, 5}};
    case CatalogFile::photos:
      return {{S::field, 0}, {S::field, 1}, {S::style_product, 1},
              {S::line},     {S::field, 2}, {S::field, 3}};
    case CatalogFile::skus:
      return {{S::field, 0}, {S::field, 1}, {S::style_product, 1},
              {S::field, 2}, {S::field, 3}, {S::line}};
    case CatalogFile::related:
      return {{S::field, 0}, {S::field, 1}, {S::field, 2}, {S::line}};
    case CatalogFile::cart:
      return {{S::field, 0}, {S::field, 1}, {S::field, 2}, {S::flag, 3}};
  }
  return {};
}

// Which fields name a parent that must have been accepted before (index, parent set).
struct ParentField {
  std::size_t field;
  const etl::IdSet* ids;
};

class EncoderCheck {
 public:
  EncoderCheck(CatalogFile file, etl::ParentIds parents, std::vector<ParentField> parent_fields)
      : spec_(etl::spec_of(file)),
        encoder_(file, parents,
                 [](std::int64_t, std::uint64_t, std::string& out) {
                   out.append("\tstamp\tstamp\tstamp");
                 }),
        style_products_(parents.styles),
        columns_(columns_of(file)),
        parent_fields_(std::move(parent_fields)) {}

  const etl::IdSet& accepted() const { return encoder_.accepted_ids(); }
  const etl::IdMap& style_products() const { return encoder_.style_products(); }

  void encode(const CsvRecord& record, std::int64_t line_number, std::string_view line) {
    std::string out = "previous row\n";
    const std::size_t before = out.size();
    const etl::RowOutcome outcome = encoder_.encode(record, line_number, out);
    if (!outcome.accepted) {
      check(out == "previous row\n", "a rejected row changed the COPY buffer", line);
      check(!outcome.reason.empty(), "a rejected row needs a reason", line);
      return;
    }
    check(record.problem == LineProblem::none && record.count == spec_.field_count,
          "a row with a line problem or the wrong field count was accepted", line);
    const auto id = etl::parse_whole_number(record.fields[0].text);
    check(!record.fields[0].is_null() && id.has_value(), "accepted a row without a numeric id",
          line);
    check(seen_.insert(*id).second, "accepted a duplicate id", line);
    check(encoder_.accepted_ids().contains(*id), "an accepted id is not in accepted_ids()", line);
    for (const ParentField& parent : parent_fields_) {
      const auto parent_id = etl::parse_whole_number(record.fields[parent.field].text);
      check(parent_id && parent.ids->contains(*parent_id), "accepted a row whose parent is missing",
            line);
    }
    ++accepted_rows_;

    current_line_ = line_number;
    const std::string_view row = std::string_view(out).substr(before);
    check(!row.empty() && row.back() == '\n' && row.find('\n') == row.size() - 1,
          "a COPY row must be exactly one line", line);
    check(row.find('\r') == std::string_view::npos, "a COPY row holds a raw CR", line);
    if (etl::is_clean_utf8(line)) {
      check(etl::is_clean_utf8(row), "a clean line produced a COPY row that is not clean UTF-8",
            line);
    }
    std::vector<std::string_view> cells;
    std::string_view rest = row.substr(0, row.size() - 1);
    while (true) {
      const std::size_t tab = rest.find('\t');
      cells.push_back(rest.substr(0, tab));
      if (tab == std::string_view::npos) break;
      rest.remove_prefix(tab + 1);
    }
    const auto named = static_cast<std::size_t>(
        std::count(spec_.copy_columns.begin(), spec_.copy_columns.end(), ',') + 1);
    check(cells.size() == named && cells.size() == columns_.size(),
          "a COPY row has the wrong number of columns", line);
    for (std::size_t c = 0; c < cells.size(); ++c) check_cell(cells[c], columns_[c], record, line);
  }

 private:
  void check_cell(std::string_view cell, const Column& column, const CsvRecord& record,
                  std::string_view line) {
    bool null = false;
    const auto value = unescape_copy(cell, null);
    check(value.has_value(), "a COPY cell holds a raw separator or a bad escape", line);
    const CsvField& field = record.fields[column.field];
    switch (column.source) {
      case Source::field:
        check(null == field.is_null() && (null || *value == collapsed(field)),
              "a COPY cell is not its CSV field", line);
        break;
      case Source::field_null_word: {
        const bool word =
            field.is_null() || (field.kind == FieldKind::quoted && field.text == "null");
        check(null == word && (null || *value == collapsed(field)),
              "a COPY cell is not its CSV field (null word)", line);
        break;
      }
      case Source::flag: {
        const auto flag = etl::parse_flag(field.text);
        check(!field.is_null() && flag && !null && *value == (*flag ? "t" : "f"),
              "a COPY flag cell is not t/f of its field", line);
        break;
      }
      case Source::line:
        check(!null && *value == std::to_string(current_line_), "wrong line number", line);
        break;
      case Source::stamp:
        check(!null && *value == "stamp", "a product row's stamp columns are not the stamp's",
              line);
        break;
      case Source::style_product: {
        const auto style = etl::parse_whole_number(field.text);
        const auto product = style ? style_products_->find(*style) : std::nullopt;
        check(!null && product && *value == std::to_string(*product),
              "a COPY cell is not the product of the row's style", line);
        break;
      }
    }
  }

  const etl::FileSpec& spec_;
  etl::RowEncoder encoder_;
  const etl::IdMap* style_products_;  // photos/skus: the styles' products
  std::vector<Column> columns_;
  std::vector<ParentField> parent_fields_;
  std::unordered_set<std::int64_t> seen_;
  std::int64_t accepted_rows_ = 0;
  std::int64_t current_line_ = 0;
};

void check_excerpt(std::string_view line, std::size_t max_bytes) {
  const std::string excerpt = etl::excerpt_of(line, max_bytes);
  check(excerpt.size() <= max_bytes, "excerpt longer than asked", line);
  check(etl::is_clean_utf8(excerpt), "excerpt is not clean UTF-8", line);
  if (etl::is_clean_utf8(line)) {
    check(line.starts_with(excerpt), "excerpt of a clean line is not its prefix", line);
    if (line.size() <= max_bytes) check(excerpt == line, "a short clean line was cut", line);
  }
}

// ---------------------------------------------------------------------------------------------
// Cache entries and REDIS_URL

bool same_options(const cache::RedisOptions& a, const cache::RedisOptions& b) {
  return a.host == b.host && a.port == b.port && a.username == b.username &&
         a.password == b.password && a.db == b.db && a.connect_timeout == b.connect_timeout &&
         a.command_timeout == b.command_timeout;
}

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0) {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xF]);
    }
  }
  return out;
}

std::string url_of(const cache::RedisOptions& options) {
  std::string url = "redis://";
  if (options.password || options.username) {
    if (options.username) url += percent_encode(*options.username);
    url += ':' + percent_encode(options.password.value_or("")) + '@';
  }
  const bool bracket = options.host.find(':') != std::string::npos || options.host.front() == '[';
  url += bracket ? '[' + options.host + ']' : options.host;
  url += ':' + std::to_string(options.port) + '/' + std::to_string(options.db);
  return url;
}

// What a host may send of an entry read from Redis (cache/entry.hpp, is_sendable), byte by byte:
// no ETag, or '"' + visible ASCII but '"' + '"'; a status with a body (200..599 but 204, 304);
// a gzip body at least as long as a gzip member (18 bytes) and starting 1f 8b 08.
bool reference_sendable(const cache::Entry& entry) {
  const std::string& etag = entry.etag;
  bool etag_ok = etag.empty();
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag_ok = std::all_of(etag.begin() + 1, etag.end() - 1, [](char c) {
      const auto u = static_cast<unsigned char>(c);
      return u >= 0x21 && u <= 0x7E && c != '"';
    });
  }
  const bool status_ok =
      entry.status >= 200 && entry.status <= 599 && entry.status != 204 && entry.status != 304;
  const std::string& body = entry.body;
  const bool body_ok = entry.coding != cache::BodyCoding::gzip ||
                       (body.size() >= 18 && static_cast<unsigned char>(body[0]) == 0x1F &&
                        static_cast<unsigned char>(body[1]) == 0x8B && body[2] == 0x08);
  return etag_ok && status_ok && body_ok;
}

// check_request_line (request_parsing.hpp): refused exactly when the target, between the first
// and the second space, holds a byte outside 0x21..0x7E; the method and version never matter.
// Reference: the target's bytes one by one.
void check_request_target(std::string_view data) {
  const ExactBuffer buffer(data);
  const auto refused = http::check_request_line(buffer.view());
  bool expected = false;
  if (const std::size_t first = data.find(' '); first != std::string_view::npos) {
    for (std::size_t i = first + 1; i < data.size() && data[i] != ' '; ++i) {
      const auto u = static_cast<unsigned char>(data[i]);
      expected = expected || u < 0x21 || u > 0x7E;
    }
  }
  check(refused.has_value() == expected, "check_request_line disagrees with the reference", data);
  if (refused) check(!refused->message.empty(), "a refusal must say what is wrong", data);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Entries

void fuzz_request_parsing(std::string_view data) {
  check_route(data);
  check_request_target(data);
  check_product_id(data);
  if (const std::size_t amp = data.find('&'); amp == std::string_view::npos) {
    check_page(data, std::nullopt, data);
    check_page(std::nullopt, data, data);
  } else {
    check_page(data.substr(0, amp), data.substr(amp + 1), data);
  }
  check_ranks_from_bytes(data);
  check_cookies(data);
  if (const std::size_t newline = data.find('\n'); newline == std::string_view::npos) {
    check_if_none_match(data, "\"0123abcd\"", data);
  } else {
    check_if_none_match(data.substr(0, newline), data.substr(newline + 1), data);
  }
}

void fuzz_cart_body(std::string_view data) {
  const auto expect_same = [&](const http::Parsed<std::int64_t>& a,
                               const http::Parsed<std::int64_t>& b, std::string_view what) {
    const auto* x = ok_value(a);
    const auto* y = ok_value(b);
    check((x == nullptr) == (y == nullptr) && (x == nullptr || *x == *y), what, data);
  };
  const ExactBuffer body(data);
  const auto parsed = http::parse_cart_body(body.view());
  if (const auto* sku = ok_value(parsed)) {
    check(*sku >= 1, "parse_cart_body ok with sku < 1", data);
    // Only a JSON object is accepted: nothing but JSON whitespace before its '{', and no NUL
    // (never valid JSON) anywhere.
    const std::size_t start = data.find_first_not_of(" \t\n\r");
    check(start != std::string_view::npos && data[start] == '{',
          "parse_cart_body accepted a body that does not start with an object", data);
    check(data.find('\0') == std::string_view::npos, "parse_cart_body accepted a NUL byte", data);
  }
  check_bad_request(parsed, data);

  // JSON ignores whitespace around the value.
  const ExactBuffer padded(" \n" + std::string(data) + "\t ");
  if (!data.empty()) expect_same(parsed, http::parse_cart_body(padded.view()), "padding changed");

  // Bodies built from the input's digits: a JSON number must be canonical (no leading zero) and
  // 1..INT64_MAX; a JSON string follows parse_product_id.
  std::string digits;
  for (char c : data) {
    if (is_digit(c) && digits.size() < 45) digits.push_back(c);
  }
  if (!digits.empty()) {
    const ExactBuffer number("{\"sku_id\": " + digits + "}");
    const auto as_number = http::parse_cart_body(number.view());
    std::optional<std::int64_t> want = reference_positive(digits);
    if (digits.size() > 1 && digits.front() == '0') want.reset();  // not JSON
    check(ok_value(as_number) ? want && *ok_value(as_number) == *want : !want,
          "{\"sku_id\": N} accepted/rejected wrongly", number.view());

    const ExactBuffer text("{\"other\":[1,{}],\"sku_id\":\"" + digits + "\"}");
    expect_same(http::parse_cart_body(text.view()), http::parse_product_id(digits),
                "{\"sku_id\": \"N\"} differs from parse_product_id(N)");
  }
  // The whole input as the sku_id string, when JSON can carry it unescaped.
  const bool plain = std::none_of(data.begin(), data.end(), [](char c) {
    return c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20;
  });
  if (plain) {
    const ExactBuffer text("{\"sku_id\":\"" + std::string(data) + "\"}");
    expect_same(http::parse_cart_body(text.view()), http::parse_product_id(data),
                "{\"sku_id\": \"<input>\"} differs from parse_product_id(<input>)");
  }
}

void fuzz_csv_lines(std::string_view data) {
  // Physical lines as LineFile hands them out: split at '\n', a last line without '\n' counts.
  std::vector<ExactBuffer> lines;
  while (!data.empty()) {
    const std::size_t newline = data.find('\n');
    lines.emplace_back(data.substr(0, newline));
    data = newline == std::string_view::npos ? std::string_view{} : data.substr(newline + 1);
  }
  std::vector<CsvRecord> records;
  records.reserve(lines.size());
  for (const ExactBuffer& buffer : lines) {
    const std::string_view line = buffer.view();
    check(etl::is_clean_utf8(line) == reference_clean_utf8(line),
          "is_clean_utf8 disagrees with Unicode Table 3-7", line);
    check_copy_text(line, line);
    check_excerpt(line, 120);
    check_excerpt(line, line.size() / 2);
    records.push_back(check_csv_line(line));
  }

  // Parents wired like the loader: products first, then their children, cart last.
  EncoderCheck products(CatalogFile::products, {}, {});
  const etl::IdSet* product_ids = &products.accepted();
  const auto run = [&](EncoderCheck& encoder) {
    for (std::size_t i = 0; i < lines.size(); ++i) {
      const std::string_view line = lines[i].view();
      if (etl::strip_line_end(line).empty()) continue;            // the loader skips blank lines
      const auto line_number = static_cast<std::int64_t>(i) + 2;  // line 1 is the header
      encoder.encode(records[i], line_number, line);
    }
  };
  run(products);
  EncoderCheck features(CatalogFile::features, {product_ids}, {{1, product_ids}});
  EncoderCheck styles(CatalogFile::styles, {product_ids}, {{1, product_ids}});
  EncoderCheck related(CatalogFile::related, {product_ids}, {{1, product_ids}, {2, product_ids}});
  run(features);
  run(styles);
  run(related);
  const etl::IdSet* style_ids = &styles.accepted();
  const etl::IdMap* style_products = &styles.style_products();
  EncoderCheck photos(CatalogFile::photos, {nullptr, style_products}, {{1, style_ids}});
  EncoderCheck skus(CatalogFile::skus, {nullptr, style_products}, {{1, style_ids}});
  run(photos);
  run(skus);
  const etl::IdSet* sku_ids = &skus.accepted();
  EncoderCheck cart(CatalogFile::cart, {nullptr, nullptr, sku_ids}, {{2, sku_ids}});
  run(cart);
}

void fuzz_cache_entry(std::string_view data) {
  const ExactBuffer buffer(data);
  const auto entry = cache::decode_entry(buffer.view());
  const auto moved = cache::decode_entry(std::string(data));
  check(entry == moved, "decode_entry(string_view) and decode_entry(string&&) differ", data);

  // Reference validity of the version-2 layout (entry.hpp).
  bool valid = data.size() >= 6 && static_cast<unsigned char>(data[0]) == cache::kEntryFormat &&
               all_digits(data.substr(1, 3));
  if (valid) {
    const int status = std::stoi(std::string(data.substr(1, 3)));
    const unsigned coding = static_cast<unsigned char>(data[4]);
    const std::size_t etag_size = static_cast<unsigned char>(data[5]);
    valid = status >= 100 && status <= 599 && coding <= 1 && data.size() - 6 >= etag_size;
  }
  check(entry.has_value() == valid, "decode_entry accepted a malformed value or the reverse", data);
  if (entry) {
    check(cache::encode_entry(*entry) == data, "encode_entry(decode_entry(x)) != x", data);
    check(cache::is_sendable(*entry) == reference_sendable(*entry),
          "is_sendable disagrees with the reference (entry.hpp)", data);
  }

  // Any entry encode_entry accepts must decode back to itself.
  if (data.size() >= 3) {
    cache::Entry made;
    made.status =
        100 +
        (static_cast<unsigned char>(data[0]) * 256 + static_cast<unsigned char>(data[1])) % 500;
    const std::string_view rest = data.substr(3);
    const std::size_t etag_size =
        std::min<std::size_t>(static_cast<unsigned char>(data[2]), rest.size());
    made.etag = std::string(rest.substr(0, etag_size));
    made.body = std::string(rest.substr(etag_size));
    made.coding = static_cast<unsigned char>(data[1]) % 2 == 0 ? cache::BodyCoding::identity
                                                               : cache::BodyCoding::gzip;
    const std::string bytes = cache::encode_entry(made);
    const ExactBuffer encoded(bytes);
    check(cache::decode_entry(encoded.view()) == made, "decode_entry(encode_entry(e)) != e", data);
  }
}

void fuzz_redis_url(std::string_view data) {
  const ExactBuffer buffer(data);
  const auto options = cache::parse_redis_url(buffer.view());
  const std::string error = cache::redis_url_error(buffer.view());
  const bool blank = std::all_of(data.begin(), data.end(), [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
  });
  check(!(blank && options), "a blank REDIS_URL must mean: cache disabled", data);
  check(error.empty() == (blank || options.has_value()),
        "redis_url_error must be empty exactly for blank and valid URLs", data);
  if (!options) return;

  check(!options->host.empty(), "parsed an empty host", data);
  check(options->port >= 1 && options->port <= 65535, "port outside 1..65535", data);
  check(options->db >= 0 && options->db <= (1 << 20), "db outside 0..2^20", data);
  // The path is "/db" with a whole number: only digits count as a number.
  std::string_view rest = data.substr(data.find("redis://") + 8);
  if (const std::size_t slash = rest.find('/'); slash != std::string_view::npos) {
    std::string_view path = rest.substr(slash + 1);
    while (!path.empty() && (path.back() == ' ' || path.back() == '\t' || path.back() == '\n' ||
                             path.back() == '\r')) {
      path.remove_suffix(1);
    }
    check(all_digits(path), "a database number that is not all digits was accepted", data);
  }

  // Printing the options as a canonical URL and parsing that gives the same options.
  const std::string canonical = url_of(*options);
  const auto again = cache::parse_redis_url(canonical);
  check(again && same_options(*again, *options), "the canonical URL parses differently", canonical);
  const auto padded = cache::parse_redis_url(" \t" + std::string(data) + "\r\n");
  check(padded && same_options(*padded, *options), "surrounding blanks changed the URL", data);
}

void fuzz_accept_encoding(std::string_view data) {
  using encoding::Coding;
  const ExactBuffer buffer(data);
  static const std::vector<std::vector<Coding>> kOffers = {
      {}, {Coding::gzip}, {Coding::br}, {Coding::br, Coding::gzip}, {Coding::gzip, Coding::br}};
  std::string upper(data);
  for (char& c : upper) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  const std::string padded = " \t" + std::string(data) + "\t ";
  std::string lower;
  for (const char c : data) lower.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c);
  const bool names_gzip = lower.find("gzip") != std::string::npos;
  const bool has_wildcard = lower.find('*') != std::string::npos;
  for (const auto& offered : kOffers) {
    const Coding chosen = http::negotiate_coding(buffer.view(), offered);
    check(chosen == Coding::identity ||
              std::find(offered.begin(), offered.end(), chosen) != offered.end(),
          "chose a coding that was not offered", data);
    check(http::negotiate_coding(std::nullopt, offered) == Coding::identity,
          "no header must mean identity", data);
    // Coding names and parameter names are case-insensitive; q-values are digits.
    check(http::negotiate_coding(upper, offered) == chosen, "the answer depends on case", data);
    check(http::negotiate_coding(padded, offered) == chosen,
          "surrounding whitespace changed the answer", data);
    if (chosen == Coding::gzip) {
      check(names_gzip || has_wildcard, "gzip chosen without gzip or * in the header", data);
    }
  }
}

void run_or_abort(void (*entry)(std::string_view), const std::uint8_t* data, std::size_t size) {
  try {
    entry(std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const InvariantBroken& broken) {
    std::fprintf(stderr, "\n==fuzz== invariant broken: %s\n", broken.what());
    std::abort();
  } catch (const std::exception& error) {
    std::fprintf(stderr, "\n==fuzz== exception escaped: %s\n", error.what());
    std::abort();
  }
}

}  // namespace atelier::fuzz
