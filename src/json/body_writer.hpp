// Internal to src/json/: the SAX writer every serializer uses. Not installed for other folders
// (RapidJSON is a private dependency of atelier_json, so its defines stay in one place —
// LIBRARY-NOTES §4 on ODR).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "model/catalog.hpp"

namespace atelier::json::detail {

// Per-thread output buffer + writer + UTF-8 repair scratch. Why thread-local mutable state: the
// serializers run on every cache miss on the reactor threads and ~4M times in the warm-up tool;
// reusing one grown buffer per thread (LIBRARY-NOTES §4) removes the per-response reallocation
// chain, and thread-locality means no locking. Oversized buffers are released (see finish()).
struct Scratch {
  rapidjson::StringBuffer buffer{nullptr, 64 * 1024};
  rapidjson::Writer<rapidjson::StringBuffer> writer{buffer};
  std::string utf8_repair;
  bool in_use = false;
};

// Writes one JSON document into the thread's Scratch. RapidJSON's writer silently produces invalid
// JSON when a call fails and the caller carries on (LIBRARY-NOTES §4), so every call's result is
// folded into `ok_` and later calls are skipped once one failed; finish() throws instead of
// returning a broken body. With our inputs (no doubles, UTF-8 already repaired) no call is expected
// to fail — this is the guard that keeps a future change from shipping `[1,,2]`.
class BodyWriter {
 public:
  BodyWriter();
  ~BodyWriter();
  BodyWriter(const BodyWriter&) = delete;
  BodyWriter& operator=(const BodyWriter&) = delete;

  // Keys are always string literals from the contract; N-1 drops the terminator (no strlen).
  template <std::size_t N>
  void key(const char (&literal)[N]) {
    ok_ = ok_ && writer().Key(literal, static_cast<rapidjson::SizeType>(N - 1));
  }
  // A key we formatted ourselves (sku ids): ASCII digits, no validation needed.
  void key_ascii(std::string_view key);
  // A key from the caller (log field names): repaired like text(). RapidJSON's Writer::Key is
  // Writer::String, so writing it as a string keeps the writer's object bookkeeping right.
  void key_text(std::string_view key) { text(key); }

  // Any text that came from the catalog or the caller: invalid UTF-8 is replaced by U+FFFD
  // (json/utf8.hpp) so the body is always valid JSON; escaping is RapidJSON's.
  void text(std::string_view value);
  void optional_text(const std::optional<std::string>& value);
  // Text we formatted ourselves (prices, timestamps, ids): known ASCII, skips validation.
  void ascii(std::string_view value);

  // Integers go through Writer::Int64, which Writer<StringBuffer> formats straight into the
  // buffer. (Writer::RawNumber is no alternative in RapidJSON 1.1.0: it writes via WriteString and
  // so emits a quoted string.)
  void integer(std::int64_t value) { ok_ = ok_ && writer().Int64(value); }
  void integer_as_text(std::int64_t value);  // "product_id":"1", "count":"2"
  void price(model::Cents cents);
  void timestamp(model::EpochMillis millis);
  void boolean(bool value) { ok_ = ok_ && writer().Bool(value); }
  // A finite double (RapidJSON refuses NaN and infinities: the writer then fails, LIBRARY-NOTES
  // §4).
  void number(double value) { ok_ = ok_ && writer().Double(value); }
  void null() { ok_ = ok_ && writer().Null(); }

  void start_object() { ok_ = ok_ && writer().StartObject(); }
  void end_object() { ok_ = ok_ && writer().EndObject(); }
  void start_array() { ok_ = ok_ && writer().StartArray(); }
  void end_array() { ok_ = ok_ && writer().EndArray(); }

  // The finished document as bytes. Throws std::logic_error when any write failed or the document
  // is incomplete (a serializer bug, never a data problem).
  std::string finish();

 private:
  rapidjson::Writer<rapidjson::StringBuffer>& writer() { return scratch_->writer; }
  void string_checked(std::string_view value);

  Scratch* scratch_;
  bool ok_ = true;
};

}  // namespace atelier::json::detail
