#include "metrics_text.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <limits>

#include "http_client.hpp"

namespace atelier::testing {

std::optional<double> sample_in(const std::string& metrics_text, const std::string& series) {
  const std::string prefix = series + " ";
  for (std::size_t at = metrics_text.find(prefix); at != std::string::npos;
       at = metrics_text.find(prefix, at + 1)) {
    if (at == 0 || metrics_text[at - 1] == '\n') {
      return std::strtod(metrics_text.c_str() + at + prefix.size(), nullptr);
    }
  }
  return std::nullopt;
}

std::optional<double> scrape(const std::string& base_url, const std::string& series) {
  return sample_in(http_get(base_url, "/metrics").body, series);
}

double metric_in(const std::string& metrics_text, const std::string& series) {
  const auto value = sample_in(metrics_text, series);
  if (!value) {
    ADD_FAILURE() << "/metrics has no sample " << series;
    return std::numeric_limits<double>::quiet_NaN();
  }
  return *value;
}

double metric(const std::string& base_url, const std::string& series) {
  return metric_in(http_get(base_url, "/metrics").body, series);
}

}  // namespace atelier::testing
