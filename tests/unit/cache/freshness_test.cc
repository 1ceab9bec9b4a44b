#include "cache/freshness.h"

#include <gtest/gtest.h>

namespace shoal::cache {
namespace {

constexpr std::int64_t kNow = 1764590400;  // Mon, 01 Dec 2025 12:00:00 GMT

OriginHeaders With(const std::string& cc) {
  OriginHeaders h;
  h.status = 200;
  h.cache_control = cc;
  return h;
}

TEST(Freshness, NoStoreAndPrivateAreNotStorableNorAreErrors) {
  EXPECT_TRUE(Storable(With("max-age=60")));
  EXPECT_FALSE(Storable(With("no-store")));
  EXPECT_FALSE(Storable(With("public, Private")));
  EXPECT_TRUE(Storable(With("x-private-thing")));  // a whole directive only
  OriginHeaders e = With("");
  e.status = 404;
  EXPECT_FALSE(Storable(e));
}

TEST(Freshness, SMaxAgeThenMaxAgeThenExpiresThenHeuristic) {
  const FreshnessRules rules;
  EXPECT_EQ(FreshUntil(With("max-age=60, s-maxage=10"), kNow, rules), kNow + 10);
  EXPECT_EQ(FreshUntil(With("max-age=60"), kNow, rules), kNow + 60);
  OriginHeaders h = With("");
  h.date = "Mon, 01 Dec 2025 12:00:00 GMT";
  h.expires = "Mon, 01 Dec 2025 13:00:00 GMT";
  EXPECT_EQ(FreshUntil(h, kNow, rules), kNow + 3600);
  h.expires = "0";  // invalid: already expired
  EXPECT_EQ(FreshUntil(h, kNow, rules), kNow);
  h.expires.clear();
  h.last_modified = "Mon, 01 Dec 2025 02:00:00 GMT";  // 10 h old: 10 % = 1 h
  EXPECT_EQ(FreshUntil(h, kNow, rules), kNow + 3600);
  h.last_modified = "Mon, 01 Jan 2024 00:00:00 GMT";  // capped at a day
  EXPECT_EQ(FreshUntil(h, kNow, rules), kNow + 86400);
  h.last_modified.clear();
  EXPECT_EQ(FreshUntil(h, kNow, rules), kNow);  // nothing to go on: revalidate
}

TEST(Freshness, NoCacheAlwaysRevalidates) {
  EXPECT_EQ(FreshUntil(With("no-cache, max-age=600"), kNow, FreshnessRules{}), kNow);
}

}  // namespace
}  // namespace shoal::cache
