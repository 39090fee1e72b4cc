// Samples of a host's /metrics (Prometheus text) for the tests that compare counters before and
// after something happens.
#pragma once

#include <optional>
#include <string>

namespace atelier::testing {

// The value of one sample: `series` is the name with its labels as the host writes them
// ("atelier_cache_hits_total", "atelier_db_read_endpoint_up{endpoint=\"127.0.0.1:5432\"}"), at
// the start of a line. nullopt when the text has no such sample.
std::optional<double> sample_in(const std::string& metrics_text, const std::string& series);

// The same, from base_url's /metrics; nullopt when absent (for samples that come and go).
std::optional<double> scrape(const std::string& base_url, const std::string& series);

// The sample from base_url's /metrics, or from a text read before. The calling test fails when it
// is absent, and NaN is returned, which equals nothing: a before/after comparison of a missing
// sample fails instead of comparing two "absent" markers.
double metric(const std::string& base_url, const std::string& series);
double metric_in(const std::string& metrics_text, const std::string& series);

}  // namespace atelier::testing
