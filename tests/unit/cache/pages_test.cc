#include "cache/pages.h"

#include <gtest/gtest.h>

namespace shoal::cache {
namespace {

EntryMeta Entry(std::string url, std::uint64_t size, std::int64_t last_access,
                std::uint64_t hits = 0, bool pinned = false) {
  EntryMeta m;
  m.url = std::move(url);
  m.size = size;
  m.last_access = last_access;
  m.hits = hits;
  m.pinned = pinned;
  return m;
}

TEST(CachePages, EntriesListUrlSizeHitsLastUseAndPinned) {
  EXPECT_EQ(EntriesToJson({Entry("http://a/x.deb", 10, 100, 3, true)}, 5),
            "{\"total\":1,\"total_bytes\":10,\"shown\":[{\"url\":\"http://a/x.deb\",\"size\":10,"
            "\"hits\":3,\"last_access\":100,\"pinned\":true}]}");
  EXPECT_EQ(EntriesToJson({}, 5), "{\"total\":0,\"total_bytes\":0,\"shown\":[]}");
}

TEST(CachePages, OnlyTheMostRecentlyUsedAreShownWithTheTotalOfAll) {
  std::vector<EntryMeta> all;
  for (int i = 0; i < 10; ++i) all.push_back(Entry("http://a/" + std::to_string(i), 1, i));
  all.push_back(Entry("http://a/big", 1000, 9));  // same last use as 9: the larger first
  const std::string json = EntriesToJson(all, 2);
  EXPECT_EQ(json,
            "{\"total\":11,\"total_bytes\":1010,\"shown\":["
            "{\"url\":\"http://a/big\",\"size\":1000,\"hits\":0,\"last_access\":9,\"pinned\":false},"
            "{\"url\":\"http://a/9\",\"size\":1,\"hits\":0,\"last_access\":9,\"pinned\":false}]}");
}

TEST(CachePages, UrlsAreEscapedAsJsonText) {
  const std::string json = EntriesToJson({Entry("http://a/\"</script>\\\n\x01\xff", 1, 1)}, 1);
  EXPECT_NE(json.find("\"url\":\"http://a/\\\"</script>\\\\\\u000a\\u0001\\u00ff\""),
            std::string::npos)
      << json;
}

TEST(CachePages, TheStatusPageFillsTheCachedTableAsTextNotMarkup) {
  const std::string page = StatusPageHtml();
  EXPECT_NE(page.find("fetch('/shoal/v1/entries')"), std::string::npos);
  EXPECT_NE(page.find("insertCell().textContent"), std::string::npos);
}

}  // namespace
}  // namespace shoal::cache
