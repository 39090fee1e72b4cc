// Cart sessions in the database are keyed hashes (src/session/session_key.hpp). Two things here
// know that: cart.csv's legacy sessions are hashed as they are loaded, and a cart table made
// before hashing (raw values in a `session` column) is migrated once, its carts intact.
#pragma once

#include <string_view>

#include "etl/pg_session.hpp"
#include "session/session_key.hpp"

namespace atelier::etl {

// Inside an open transaction: a temp table `session_keys (session text, session_key text)` (ON
// COMMIT DROP) with the key of every distinct non-NULL `session` of `source_table`. Throws
// DatabaseError when there are sessions to key but no secret (keyer null).
void fill_session_keys(PgSession& db, std::string_view source_table,
                       const session::SessionKeyer* keyer);

// After the schema migrations (sql/migrations/0002_cart_sessions.sql added session_key): when
// atelier.cart still has the raw `session` column of an older release, its keys are filled from
// the secret and the column dropped, in one transaction. Returns the number of rows keyed (0 when
// nothing was left to do).
long long key_raw_cart_sessions(PgSession& db, const session::SessionKeyer* keyer);

}  // namespace atelier::etl
