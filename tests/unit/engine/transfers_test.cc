// Transfers: who leads and who follows each content, joins, promotions and departures.
#include "engine/transfers.h"

#include <gtest/gtest.h>

#include "engine/job.h"

namespace shoal::engine {
namespace {

FileRef Ref(unsigned n, int file = 0) {
  Uuid id{};
  id.data1 = n;
  return {id, file};
}

TEST(Transfers, FirstToJoinLeadsTheOthersFollowInOrder) {
  Transfers t;
  Transfers::Transfer& x = t.Join("btih:aa", Ref(1));
  EXPECT_EQ(x.leader, Ref(1));
  t.Join("btih:aa", Ref(2));
  t.Join("btih:aa", Ref(3));
  t.Join("btih:aa", Ref(2));  // twice is once
  EXPECT_EQ(x.followers, (std::vector<FileRef>{Ref(2), Ref(3)}));
  EXPECT_EQ(t.Of(Ref(3)), &x);
  EXPECT_EQ(t.Of(Ref(4)), nullptr);
  EXPECT_EQ(t.Of(Ref(1, 1)), nullptr);  // another file of the same job
  EXPECT_NE(&t.Join("btih:bb", Ref(4)), &x);
  EXPECT_EQ(t.size(), 2u);
}

TEST(Transfers, PromotedFollowerLeadsAndTheOldLeaderFollows) {
  Transfers t;
  Transfers::Transfer& x = t.Join("url:u", Ref(1));
  t.Join("url:u", Ref(2));
  t.Join("url:u", Ref(3));
  t.Promote(x, Ref(3));
  EXPECT_EQ(x.leader, Ref(3));
  EXPECT_EQ(x.followers, (std::vector<FileRef>{Ref(1), Ref(2)}));
  t.Promote(x, Ref(9));  // not a follower: nothing changes
  EXPECT_EQ(x.leader, Ref(3));
}

TEST(Transfers, AFollowerLeavesAloneALeaderEndsTheTransfer) {
  Transfers t;
  t.Join("url:u", Ref(1));
  t.Join("url:u", Ref(2));
  t.Join("url:u", Ref(3));
  t.Leave(Ref(2));
  EXPECT_EQ(t.Of(Ref(2)), nullptr);
  ASSERT_NE(t.Find("url:u"), nullptr);
  EXPECT_EQ(t.Find("url:u")->followers, std::vector<FileRef>{Ref(3)});
  t.Leave(Ref(1));
  EXPECT_EQ(t.Find("url:u"), nullptr);
  EXPECT_EQ(t.Of(Ref(3)), nullptr);
  t.Leave(Ref(3));  // already out: harmless
  EXPECT_EQ(t.size(), 0u);
  t.Join("url:u", Ref(3));  // a fresh transfer: it leads
  EXPECT_EQ(t.Find("url:u")->leader, Ref(3));
}

TEST(Transfers, KeyIsTheInfoHashOrThePlainUrlOrNothingYet) {
  JobFile f;
  f.spec.remote_url = "http://cdn.invalid/a";
  EXPECT_EQ(Transfers::KeyOf(f), "");  // sidecar not fetched yet
  f.http.plain = true;
  EXPECT_EQ(Transfers::KeyOf(f), "url:http://cdn.invalid/a");
  f.spec.metainfo = "not bencoded";
  EXPECT_EQ(Transfers::KeyOf(f), "");  // corrupt metainfo shares nothing
}

}  // namespace
}  // namespace shoal::engine
