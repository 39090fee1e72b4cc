#include "json/body_writer.hpp"

#include <charconv>
#include <limits>
#include <memory>
#include <stdexcept>

#include "json/formatting.hpp"
#include "json/utf8.hpp"

namespace atelier::json::detail {
namespace {

// A buffer that grew past this (a 2000-product page is ~1-2 MiB) is dropped after use so one
// huge response does not pin memory on every reactor thread forever.
constexpr std::size_t kRetainedBufferLimit = 8 * 1024 * 1024;

// See Scratch for why this is thread-local. Held by unique_ptr so an oversized one can be replaced
// wholesale (the writer refers to the buffer, so they are rebuilt together).
std::unique_ptr<Scratch>& thread_scratch() {
  thread_local std::unique_ptr<Scratch> scratch = std::make_unique<Scratch>();
  return scratch;
}

}  // namespace

BodyWriter::BodyWriter() : scratch_(thread_scratch().get()) {
  // Serializers never nest; a nested use would interleave two documents in one buffer.
  if (scratch_->in_use) throw std::logic_error("json::BodyWriter used re-entrantly");
  scratch_->in_use = true;
  scratch_->buffer.Clear();
  scratch_->writer.Reset(scratch_->buffer);
}

BodyWriter::~BodyWriter() {
  const bool oversized = scratch_->buffer.GetSize() > kRetainedBufferLimit;
  scratch_->in_use = false;
  if (oversized) thread_scratch() = std::make_unique<Scratch>();
}

void BodyWriter::string_checked(std::string_view value) {
  // RapidJSON lengths are 32-bit; a longer field cannot be represented (and never occurs).
  if (value.size() > std::numeric_limits<rapidjson::SizeType>::max()) {
    ok_ = false;
    return;
  }
  ok_ = ok_ && writer().String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

void BodyWriter::key_ascii(std::string_view key) {
  ok_ = ok_ && writer().Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
}

void BodyWriter::text(std::string_view value) {
  // Fast path: well-formed text (virtually all of it) is written without a copy.
  if (is_valid_utf8(value)) {
    string_checked(value);
    return;
  }
  std::string& repaired = scratch_->utf8_repair;
  repaired.clear();
  append_replacing_invalid_utf8(repaired, value);
  string_checked(repaired);
}

void BodyWriter::optional_text(const std::optional<std::string>& value) {
  if (value) {
    text(*value);
  } else {
    null();
  }
}

void BodyWriter::ascii(std::string_view value) {
  string_checked(value);
}

void BodyWriter::integer_as_text(std::int64_t value) {
  char digits[24];
  const auto result = std::to_chars(digits, digits + sizeof digits, value);
  ascii(std::string_view(digits, static_cast<std::size_t>(result.ptr - digits)));
}

void BodyWriter::price(model::Cents cents) {
  char digits[kMaxPriceChars];
  ascii(std::string_view(digits, format_price_to(digits, cents)));
}

void BodyWriter::timestamp(model::EpochMillis millis) {
  char digits[kTimestampChars];
  format_timestamp_to(digits, millis);
  ascii(std::string_view(digits, kTimestampChars));
}

std::string BodyWriter::finish() {
  if (!ok_ || !writer().IsComplete()) {
    throw std::logic_error("json serializer produced an incomplete document");
  }
  return std::string(scratch_->buffer.GetString(), scratch_->buffer.GetSize());
}

}  // namespace atelier::json::detail
