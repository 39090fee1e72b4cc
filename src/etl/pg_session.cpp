#include "etl/pg_session.hpp"

#include <libpq-fe.h>

#include <vector>

namespace atelier::etl {

namespace {

struct ResultCloser {
  void operator()(PGresult* result) const noexcept { PQclear(result); }
};
using Result = std::unique_ptr<PGresult, ResultCloser>;

}  // namespace

void PgSession::Closer::operator()(pg_conn* conn) const noexcept {
  PQfinish(conn);
}

PgSession::PgSession(const std::string& url) : conn_(PQconnectdb(url.c_str())) {
  if (!conn_) throw DatabaseError("out of memory while connecting to PostgreSQL");
  if (PQstatus(conn_.get()) != CONNECTION_OK) fail("cannot connect to PostgreSQL");
  // The idempotent DDL ("already exists, skipping") and DROP ... CASCADE talk at NOTICE level;
  // the loader prints its own report, so only warnings and errors get through.
  exec("SET client_min_messages = warning");
}

void PgSession::fail(std::string_view what, const char* sqlstate) {
  std::string message(what);
  const char* detail = conn_ ? PQerrorMessage(conn_.get()) : nullptr;
  if (detail != nullptr && *detail != '\0') {
    message += ": ";
    message += detail;
    while (!message.empty() && message.back() == '\n') message.pop_back();
  }
  throw DatabaseError(message, sqlstate != nullptr ? sqlstate : "");
}

void PgSession::exec(std::string_view sql) {
  const std::string text(sql);
  Result result(PQexec(conn_.get(), text.c_str()));
  const auto status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    fail("SQL failed: " + text.substr(0, 200),
         result ? PQresultErrorField(result.get(), PG_DIAG_SQLSTATE) : nullptr);
  }
}

std::vector<std::string> PgSession::query_rows(std::string_view sql) {
  const std::string text(sql);
  Result result(PQexec(conn_.get(), text.c_str()));
  if (!result || PQresultStatus(result.get()) != PGRES_TUPLES_OK) {
    fail("query failed: " + text.substr(0, 200));
  }
  std::vector<std::string> rows;
  const int columns = PQnfields(result.get());
  for (int r = 0; r < PQntuples(result.get()); ++r) {
    std::string row;
    for (int c = 0; c < columns; ++c) {
      if (c > 0) row.push_back('\t');
      row += PQgetvalue(result.get(), r, c);
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string PgSession::query_value(std::string_view sql) {
  const std::string text(sql);
  Result result(PQexec(conn_.get(), text.c_str()));
  if (!result || PQresultStatus(result.get()) != PGRES_TUPLES_OK) {
    fail("query failed: " + text.substr(0, 200));
  }
  if (PQntuples(result.get()) == 0 || PQgetisnull(result.get(), 0, 0)) return {};
  return PQgetvalue(result.get(), 0, 0);
}

void PgSession::begin_copy(std::string_view copy_sql) {
  const std::string text(copy_sql);
  Result result(PQexec(conn_.get(), text.c_str()));
  if (!result || PQresultStatus(result.get()) != PGRES_COPY_IN) fail("COPY failed to start");
  copying_ = true;
}

void PgSession::put_copy(std::string_view data) {
  if (PQputCopyData(conn_.get(), data.data(), static_cast<int>(data.size())) != 1) {
    fail("COPY data could not be sent");
  }
}

void PgSession::end_copy() {
  copying_ = false;
  if (PQputCopyEnd(conn_.get(), nullptr) != 1) fail("COPY could not be finished");
  Result result(PQgetResult(conn_.get()));
  const bool ok = result && PQresultStatus(result.get()) == PGRES_COMMAND_OK;
  std::string error = ok ? std::string{} : std::string(PQresultErrorMessage(result.get()));
  // Drain: libpq wants PQgetResult called until it returns null.
  while (Result extra{PQgetResult(conn_.get())}) {
  }
  if (!ok) {
    while (!error.empty() && error.back() == '\n') error.pop_back();
    throw DatabaseError("COPY failed: " + error);
  }
}

void PgSession::abort_copy(const char* why) noexcept {
  if (!copying_) return;
  copying_ = false;
  PQputCopyEnd(conn_.get(), why);
  while (Result extra{PQgetResult(conn_.get())}) {
  }
}

void PgSession::rollback() noexcept {
  abort_copy("atelier-etl stopped the load");
  if (PQtransactionStatus(conn_.get()) == PQTRANS_IDLE) return;
  Result result(PQexec(conn_.get(), "ROLLBACK"));
}

std::string PgSession::literal(std::string_view text) {
  char* quoted = PQescapeLiteral(conn_.get(), text.data(), text.size());
  if (quoted == nullptr) fail("cannot quote a literal");
  std::string out(quoted);
  PQfreemem(quoted);
  return out;
}

CopyBuffer::CopyBuffer(PgSession& session, std::string_view copy_sql) : session_(session) {
  session_.begin_copy(copy_sql);
}

void CopyBuffer::row_done() {
  constexpr std::size_t kBatchBytes = std::size_t{1} << 20;
  if (text_.size() < kBatchBytes) return;
  session_.put_copy(text_);
  text_.clear();
}

void CopyBuffer::finish() {
  session_.put_copy(text_);
  text_.clear();
  session_.end_copy();
}

}  // namespace atelier::etl
