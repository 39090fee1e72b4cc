#include "catalog_control.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "http_client.hpp"
#include "polling.hpp"

namespace atelier::testing {

int run_quiet(const std::string& command) {
  return std::system((command + " > /dev/null 2>&1").c_str());
}

std::string tool_path(const std::string& tool) {
  return required_env("ATELIER_BIN_DIR") + "/" + tool;
}

int apply_update(const std::string& dir) {
  return run_quiet(tool_path("atelier-etl") + " --update " + dir + " --database-url '" +
                   required_env("DATABASE_URL") + "'");
}

int full_load(const std::string& dir) {
  return run_quiet(tool_path("atelier-etl") + " --data " + dir + " --database-url '" +
                   required_env("DATABASE_URL") + "'");
}

CatalogMutation mutate_catalog(const std::string& from, const std::string& out, int seed,
                               double percent) {
  std::filesystem::remove_all(out);
  const std::string command = tool_path("atelier-gen") + " --mutate-from " + from + " --out " +
                              out + " --changed-percent " + std::to_string(percent) + " --seed " +
                              std::to_string(seed);
  EXPECT_EQ(run_quiet(command), 0) << command;
  std::ifstream in(out + "/changes.json");
  std::stringstream text;
  text << in.rdbuf();
  const std::string json = text.str();
  rapidjson::Document doc;
  // With a length: a NUL-terminated Parse skips whitespace 16 bytes at a time (RAPIDJSON_SSE2)
  // and reads past the string's end (AddressSanitizer: heap-buffer-overflow).
  doc.Parse(json.c_str(), json.size());
  CatalogMutation c;
  EXPECT_TRUE(doc.IsObject()) << json;
  if (!doc.IsObject()) return c;
  const auto ids = [&](const char* name) {
    Ids out_ids;
    for (const auto& v : doc[name].GetArray()) out_ids.push_back(v.GetInt64());
    return out_ids;
  };
  c.changed = ids("changed");
  c.added = ids("added");
  c.deleted = ids("deleted");
  c.dangling = ids("dangling_related");
  return c;
}

std::int64_t served_publish(const std::string& host) {
  const HttpResponse r = http_get(host, "/readyz");
  rapidjson::Document doc;
  doc.Parse(r.body.c_str(), r.body.size());
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("publish") ||
      !doc["publish"].IsInt64()) {
    return -1;
  }
  return doc["publish"].GetInt64();
}

bool wait_for_publish(const std::vector<std::string>& hosts, std::int64_t publish,
                      std::chrono::milliseconds timeout) {
  bool all = true;
  for (const auto& host : hosts) {
    std::int64_t served = -1;
    if (!eventually([&] { return (served = served_publish(host)) >= publish; }, timeout)) {
      ADD_FAILURE() << host << " still serves publish " << served << ", not " << publish << ", "
                    << timeout.count() << " ms after it was published";
      all = false;
    }
  }
  return all;
}

}  // namespace atelier::testing
