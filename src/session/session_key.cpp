#include "session/session_key.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/stat.h>

#include <array>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace atelier::session {

namespace {

void require_length(const std::string& secret, const char* which) {
  if (secret.size() < SessionKeyer::kMinSecretBytes) {
    throw std::invalid_argument(std::string(which) + " session secret must be at least " +
                                std::to_string(SessionKeyer::kMinSecretBytes) + " bytes");
  }
}

}  // namespace

SessionKeyer::SessionKeyer(std::string secret, std::optional<std::string> previous)
    : secret_(std::move(secret)), previous_(std::move(previous)) {
  require_length(secret_, "the");
  if (previous_) require_length(*previous_, "the previous");
}

std::string SessionKeyer::key(std::string_view session) const {
  return hmac_sha256_hex(secret_, session);
}

std::optional<std::string> SessionKeyer::previous_key(std::string_view session) const {
  if (!previous_) return std::nullopt;
  return hmac_sha256_hex(*previous_, session);
}

std::string hmac_sha256_hex(std::string_view secret, std::string_view message) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest.data(),
           &length) == nullptr) {
    throw std::runtime_error("HMAC-SHA256 failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xf]);
  }
  return out;
}

SecretFile read_secret_file(const std::string& path) {
  SecretFile out;
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    out.error = "cannot read the session secret file " + path;
    return out;
  }
  // Nothing for others and no group write. Group read is allowed: Kubernetes mounts a secret as
  // root-owned, group fsGroup, mode 0440 for a non-root host (deploy/k8s/base/hosts.yaml).
  if ((info.st_mode & 027) != 0) {
    out.error = "the session secret file " + path +
                " may be read by other users or written by its group; make it mode 600 (chmod 600)";
    return out;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    out.error = "cannot read the session secret file " + path;
    return out;
  }
  std::string secret{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  if (secret.size() < SessionKeyer::kMinSecretBytes) {
    out.error = "the session secret in " + path + " is shorter than " +
                std::to_string(SessionKeyer::kMinSecretBytes) + " bytes";
    return out;
  }
  out.secret = std::move(secret);
  return out;
}

LoadedKeyer load_keyer(const std::string& secret_file, const std::string& previous_file) {
  LoadedKeyer out;
  if (secret_file.empty()) return out;
  SecretFile current = read_secret_file(secret_file);
  if (!current.secret) {
    out.error = current.error;
    return out;
  }
  std::optional<std::string> previous;
  if (!previous_file.empty()) {
    SecretFile old = read_secret_file(previous_file);
    if (!old.secret) {
      out.error = old.error;
      return out;
    }
    previous = std::move(old.secret);
  }
  out.keyer = std::make_shared<const SessionKeyer>(std::move(*current.secret), std::move(previous));
  return out;
}

}  // namespace atelier::session
