// Cart sessions as the database sees them: never the bearer secret itself, only a keyed hash of it
// (HMAC-SHA256 with a server secret), so a copy of the database lets no one act as a shopper
// (docs/SECURITY.md "Sessions"). Hosts and the loader (cart.csv's legacy sessions, and the
// migration of carts stored before hashing) compute the same key from the same secret.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace atelier::session {

// The server secret: at least 32 bytes. A file's trailing newline is not part of it.
class SessionKeyer {
 public:
  // Throws std::invalid_argument when `secret` is shorter than kMinSecretBytes.
  explicit SessionKeyer(std::string secret, std::optional<std::string> previous = std::nullopt);

  static constexpr std::size_t kMinSecretBytes = 32;

  // The key of a session under the current secret: 64 lowercase hex digits.
  std::string key(std::string_view session) const;
  // The same under the previous secret while one is being rotated out; nullopt without one.
  std::optional<std::string> previous_key(std::string_view session) const;

 private:
  std::string secret_;
  std::optional<std::string> previous_;
};

// HMAC-SHA256(secret, message) as 64 lowercase hex digits.
std::string hmac_sha256_hex(std::string_view secret, std::string_view message);

// Reads a secret file: refuses one that others may read or its group write (mode & 027; group
// read is allowed for an orchestrator's secret volume), or that is too short, with a sentence
// saying which. Returns the secret or the error.
struct SecretFile {
  std::optional<std::string> secret;
  std::string error;
};
SecretFile read_secret_file(const std::string& path);

// The keyer of ATELIER_SESSION_SECRET_FILE and, while a secret is rotated out,
// ATELIER_SESSION_PREVIOUS_SECRET_FILE (empty: none). keyer null and error set when a file is
// missing, readable by others or too short; both empty when no file is named.
struct LoadedKeyer {
  std::shared_ptr<const SessionKeyer> keyer;
  std::string error;
};
LoadedKeyer load_keyer(const std::string& secret_file, const std::string& previous_file);

}  // namespace atelier::session
