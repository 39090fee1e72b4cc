// One PostgreSQL connection of the loader, on libpq directly.
//
// Why not libpqxx here (the rest of the project uses it): in 6.4.5 the only public COPY paths are
// tablewriter (deprecated -> -Werror) and stream_to, which builds the COPY statement itself, so
// neither can say `COPY ... WITH (FREEZE)`, and both copy every line once more before
// PQputCopyData. This is the only file of the loader that includes libpq-fe.h.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

struct pg_conn;

namespace atelier::etl {

// A database call failed; what() holds the server's message (never shown to API clients —
// this is an operator tool).
class DatabaseError : public std::runtime_error {
 public:
  explicit DatabaseError(const std::string& message, std::string sqlstate = {})
      : std::runtime_error(message), sqlstate_(std::move(sqlstate)) {}
  // The server's SQLSTATE ("40P01" = deadlock), empty when the failure was not a server error.
  const std::string& sqlstate() const { return sqlstate_; }

 private:
  std::string sqlstate_;
};

class PgSession {
 public:
  // Throws DatabaseError when the connection cannot be made.
  explicit PgSession(const std::string& url);

  // Runs one or more statements (simple query protocol); throws DatabaseError on failure.
  void exec(std::string_view sql);
  // Runs a query and returns the first column of the first row ("" when no row or NULL).
  std::string query_value(std::string_view sql);
  // Runs a query and returns all rows, columns joined by '\t'.
  std::vector<std::string> query_rows(std::string_view sql);

  // COPY ... FROM STDIN: start, send data (any number of complete or partial lines), finish.
  void begin_copy(std::string_view copy_sql);
  void put_copy(std::string_view data);
  void end_copy();
  // Ends a COPY in progress with an error so the server discards it; never throws.
  void abort_copy(const char* why) noexcept;

  // Rolls back an open (or failed) transaction; does nothing outside one. Never throws.
  void rollback() noexcept;

  // Quotes a string literal for SQL text built by the loader (schema names, file names).
  std::string literal(std::string_view text);

 private:
  struct Closer {
    void operator()(pg_conn* conn) const noexcept;
  };
  [[noreturn]] void fail(std::string_view what, const char* sqlstate = nullptr);

  std::unique_ptr<pg_conn, Closer> conn_;
  bool copying_ = false;
};

// COPY ... FROM STDIN fed row by row: rows are appended to text() and sent in ~1 MiB batches, so
// neither side waits on small writes and memory stays bounded.
class CopyBuffer {
 public:
  CopyBuffer(PgSession& session, std::string_view copy_sql);
  CopyBuffer(const CopyBuffer&) = delete;
  CopyBuffer& operator=(const CopyBuffer&) = delete;

  std::string& text() { return text_; }
  // After each complete row: sends the buffer once it is large enough.
  void row_done();
  // Sends the rest and ends the COPY.
  void finish();

 private:
  PgSession& session_;
  std::string text_;
};

}  // namespace atelier::etl
