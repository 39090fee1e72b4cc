// A connection to the test stack's Redis, as the hosts reach it (REDIS_URL, exported by
// scripts/test). Header-only: only the test targets that link atelier_cache include it.
#pragma once

#include <gtest/gtest.h>

#include "cache/redis_connection.hpp"
#include "cache/redis_options.hpp"
#include "http_client.hpp"

namespace atelier::testing {

// The calling test fails when REDIS_URL is missing or does not parse.
inline cache::RedisConnection redis() {
  auto options = cache::parse_redis_url(required_env("REDIS_URL"));
  EXPECT_TRUE(options.has_value()) << "REDIS_URL does not parse";
  return cache::RedisConnection(options.value_or(cache::RedisOptions{}));
}

}  // namespace atelier::testing
