// Session ids the service issues in its `session` cookie, and what a cart session may be
// (CONTRACT, Cart; docs/SECURITY.md "Sessions").
#pragma once

#include <string>
#include <string_view>

namespace atelier::session {

// Bytes of operating-system randomness (getrandom(2)) in an issued id: 256 bits, twice the
// contract's floor. Never a seeded PRNG's output: 312 outputs of mt19937_64 give its state.
inline constexpr std::size_t kIssuedIdBytes = 32;
// An issued id: the bytes in unpadded base64url, 43 characters.
inline constexpr std::size_t kIssuedIdLength = 43;
// An Authorization value shorter than this is not a session (401): imported cart.csv sessions are
// small numbers that anyone could guess.
inline constexpr std::size_t kMinTokenLength = 20;

// A fresh id from getrandom(2). Throws std::system_error if the kernel gives no randomness.
std::string new_session_id();
// True for a value of the form new_session_id() makes. A `session` cookie of any other form was
// not issued here and names no session.
bool is_issued_session_id(std::string_view value);

}  // namespace atelier::session
