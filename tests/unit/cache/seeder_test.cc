#include "cache/seeder.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace shoal::cache {
namespace {
namespace fs = std::filesystem;

bool WaitFor(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

class SeederTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("shoal-seeder-" + std::to_string(getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    StoreOptions o;
    o.root = root_;
    std::string error;
    store_ = Store::Open(o, &error);
    ASSERT_TRUE(store_) << error;
  }
  void TearDown() override { fs::remove_all(root_); }

  void Put(const std::string& url, const std::string& body) {
    std::string error;
    auto fill = store_->BeginFill(&error);
    ASSERT_TRUE(fill && fill->Write(body.data(), body.size()));
    EntryMeta m;
    m.url = url;
    ASSERT_TRUE(store_->Commit(std::move(fill), m, &error)) << error;
  }

  // An engine that refuses the first `refusals` seeds it is asked for.
  SeedHooks Engine(int refusals) {
    SeedHooks h;
    h.seed = [this, refusals](const std::string&, const std::string&, std::string* error) {
      if (asked_++ < refusals) {
        *error = "refused for the test";
        return false;
      }
      return true;
    };
    return h;
  }

  fs::path root_;
  std::unique_ptr<Store> store_;
  std::atomic<int> asked_{0};
};

TEST(SeedRetry, DelaysDoubleFromTheFirstUpToTheCap) {
  EXPECT_EQ(SeedRetryDelayS(1), kSeedRetryFirstS);
  EXPECT_EQ(SeedRetryDelayS(2), 2 * kSeedRetryFirstS);
  EXPECT_EQ(SeedRetryDelayS(3), 4 * kSeedRetryFirstS);
  EXPECT_EQ(SeedRetryDelayS(40), kSeedRetryMaxS);
  EXPECT_EQ(SeedRetryDelayS(1 << 30), kSeedRetryMaxS);
}

TEST_F(SeederTest, AFailedSeedIsTriedAgainAfterItsBackoff) {
  Put("http://cdn.example/a.deb", std::string(40000, 'a'));
  Seeder seeder(store_.get(), root_, Engine(1));
  ASSERT_TRUE(WaitFor([&] { return asked_ >= 1; }));
  EXPECT_EQ(seeder.seeds(), 0u);
  // Pokes and the once-a-second rounds do not retry before the backoff is over, then it is.
  const auto failed_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(WaitFor([&] {
    seeder.Poke();
    return seeder.seeds() == 1;
  }));
  EXPECT_GE(std::chrono::steady_clock::now() - failed_at,
            std::chrono::duration<double>(kSeedRetryFirstS * 0.5));
  EXPECT_EQ(asked_, 2);
}

TEST_F(SeederTest, ASeedThatKeepsFailingIsNotRetriedEveryRound) {
  Put("http://cdn.example/b.deb", std::string(40000, 'b'));
  Seeder seeder(store_.get(), root_, Engine(1000));
  ASSERT_TRUE(WaitFor([&] { return asked_ >= 2; }));  // the first try and the first retry
  for (int i = 0; i < 20; ++i) {
    seeder.Poke();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  // The second retry waits twice the first delay: the pokes above, well within it, add none.
  EXPECT_EQ(asked_, 2);
  EXPECT_EQ(seeder.seeds(), 0u);
}

}  // namespace
}  // namespace shoal::cache
