// Exposition-format building blocks (src/metrics/exposition.cpp).
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "metrics/exposition.hpp"

namespace atelier::metrics {
namespace {

std::string value_text(double value) {
  std::string out;
  append_value(out, value);
  return out;
}

TEST(AppendValue, PlainDecimalsAndSpecials) {
  EXPECT_EQ(value_text(0.0), "0");
  EXPECT_EQ(value_text(2.0), "2");
  EXPECT_EQ(value_text(2.5), "2.5");
  EXPECT_EQ(value_text(0.00005), "0.00005");
  EXPECT_EQ(value_text(0.00025), "0.00025");
  EXPECT_EQ(value_text(-1.5), "-1.5");
  EXPECT_EQ(value_text(1e20), "1e+20");
  EXPECT_EQ(value_text(1e-9), "1e-09");
  EXPECT_EQ(value_text(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(value_text(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(value_text(-std::numeric_limits<double>::infinity()), "-Inf");
  std::string out;
  append_value(out, std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(out, "18446744073709551615");
}

TEST(Names, MetricAndLabelNameRules) {
  EXPECT_TRUE(is_valid_metric_name("atelier_http_requests_total"));
  EXPECT_TRUE(is_valid_metric_name("ns:sub_metric"));
  EXPECT_FALSE(is_valid_metric_name(""));
  EXPECT_FALSE(is_valid_metric_name("9lives"));
  EXPECT_FALSE(is_valid_metric_name("with space"));
  EXPECT_TRUE(is_valid_label_name("route"));
  EXPECT_TRUE(is_valid_label_name("_x1"));
  EXPECT_FALSE(is_valid_label_name("__name__"));
  EXPECT_FALSE(is_valid_label_name("a:b"));
  EXPECT_FALSE(is_valid_label_name(""));
}

TEST(FormatLabelPairs, EscapesValues) {
  const std::string names[] = {"route", "status"};
  const std::string values[] = {"/x\"y\\z\n", "200"};
  EXPECT_EQ(format_label_pairs(names, values), "route=\"/x\\\"y\\\\z\\n\",status=\"200\"");
  EXPECT_EQ(format_label_pairs({}, {}), "");
}

}  // namespace
}  // namespace atelier::metrics
