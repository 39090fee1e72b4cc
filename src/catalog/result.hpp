// What a catalog call returns: a value, or the kind of failure. Exceptions from libpqxx stop here
// (STYLE habit 3); the HTTP edge maps each kind to one status code.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace atelier::catalog {

// What failed. The HTTP edge maps each kind to a status and message in one place
// (src/http/catalog_failure.cpp).
enum class ErrorKind {
  none,
  unavailable,  // cannot connect / connection broken -> 503
  not_loaded,   // the database answers but no dataset is published yet (fresh install) -> 503
  timeout,      // statement_timeout hit (SQLSTATE 57014) -> 503
  query,        // anything else the database refused -> 500
};

struct Error {
  ErrorKind kind = ErrorKind::none;
  std::string detail;  // for logs only, never for response bodies
};

template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : error_(std::move(error)) {}  // NOLINT

  bool ok() const { return value_.has_value(); }
  const T& value() const& { return *value_; }
  T& value() & { return *value_; }
  T&& value() && { return std::move(*value_); }
  const Error& error() const { return error_; }

 private:
  std::optional<T> value_;
  Error error_;
};

// A value read in the same statement as the dataset version it came from, so the cache can store
// it under exactly that version (ARCHITECTURE.md "Database layout").
template <typename T>
struct Versioned {
  std::int64_t version = 0;
  T value;
};

}  // namespace atelier::catalog
