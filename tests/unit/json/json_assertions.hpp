// Shared by the serializer tests: a body must be valid JSON (parsed back with RapidJSON's strict
// reader, which also validates UTF-8).
#pragma once

#include <gtest/gtest.h>

#include <string>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

namespace atelier::json::testing {

inline ::testing::AssertionResult IsValidJson(const std::string& body) {
  rapidjson::Document document;
  document.Parse<rapidjson::kParseValidateEncodingFlag>(body.data(), body.size());
  if (document.HasParseError()) {
    return ::testing::AssertionFailure()
           << rapidjson::GetParseError_En(document.GetParseError()) << " at offset "
           << document.GetErrorOffset() << " in " << body;
  }
  return ::testing::AssertionSuccess();
}

}  // namespace atelier::json::testing
