#include "catalog/read_endpoints.hpp"

#include <gtest/gtest.h>

namespace atelier::catalog {
namespace {

using std::chrono::milliseconds;

EndpointHealth up(double lag) {
  return {.reachable = true, .in_recovery = true, .lag_seconds = lag, .checked = true};
}
EndpointHealth down() {
  return {.reachable = false, .in_recovery = false, .lag_seconds = 0, .checked = true};
}

TEST(ChooseEndpoint, FirstHealthyReplicaWins) {
  EXPECT_EQ(choose_endpoint({up(0), up(0), up(0)}, milliseconds(1000)), 0u);
  EXPECT_EQ(choose_endpoint({down(), up(0.5), up(0)}, milliseconds(1000)), 1u);
}

TEST(ChooseEndpoint, LaggingReplicaIsSkipped) {
  EXPECT_EQ(choose_endpoint({up(5), up(0)}, milliseconds(1000)), 1u);
  EXPECT_EQ(choose_endpoint({up(0.9), up(0)}, milliseconds(1000)), 0u);
}

TEST(ChooseEndpoint, PrimaryIsTheFallbackEvenWhenDown) {
  EXPECT_EQ(choose_endpoint({down(), down()}, milliseconds(1000)), 1u);
  EXPECT_EQ(choose_endpoint({down()}, milliseconds(1000)), 0u);
}

TEST(ChooseEndpoint, PromotedReplicaIsSkipped) {
  // After a failover the first replica URL names the new leader: reads go to the next replica.
  const EndpointHealth promoted{
      .reachable = true, .in_recovery = false, .lag_seconds = 0, .checked = true};
  EXPECT_EQ(choose_endpoint({promoted, up(0), up(0)}, milliseconds(1000)), 1u);
  EXPECT_EQ(choose_endpoint({promoted, up(3), up(0)}, milliseconds(1000)), 2u);
}

TEST(ChooseEndpoint, UncheckedReplicaIsTriedFirst) {
  EXPECT_EQ(choose_endpoint({EndpointHealth{}, up(0)}, milliseconds(1000)), 0u);
}

TEST(EndpointLabel, HostAndPortWithoutCredentials) {
  EXPECT_EQ(endpoint_label("postgresql://atelier_api:secret@10.213.1.12:5432/atelier?x=1"),
            "10.213.1.12:5432");
  EXPECT_EQ(endpoint_label("postgres://h/db"), "h");
  EXPECT_EQ(endpoint_label("host=a dbname=b"), "conninfo");
}

}  // namespace
}  // namespace atelier::catalog
