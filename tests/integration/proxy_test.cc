// Proxies for the plain-HTTP source: an engine-wide configured proxy carries every request
// (sidecar and content), a job set to BG_JOB_PROXY_USAGE_NO_PROXY connects directly, and the
// standard http_proxy environment variable is honoured. The "proxy" is a fault origin that
// answers absolute-form request targets; the origin URL itself points at a closed port, so
// only a request through the proxy can succeed.
#include <gtest/gtest.h>

#include "engine/engine.h"
#include "tests/support/fault_origin.h"
#include "tests/support/fixtures.h"

namespace shoal::testing {
namespace {

using engine::JobState;

class Proxy : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    proxy_ = FaultOrigin::Start(&error);
    ASSERT_TRUE(proxy_) << error;
    url_ = "http://127.0.0.1:" + std::to_string(ClosedLoopbackPort()) + "/via.bin";
    data_ = RandomBytes(300 << 10);
    proxy_->Put(url_, data_);  // the proxy sees the absolute URL as the request target
  }

  std::unique_ptr<engine::Engine> Start(const std::string& proxy) {
    engine::EngineOptions o;
    o.listen_interface = "127.0.0.1:0";
    o.http_proxy = proxy;
    std::string error;
    auto e = engine::Engine::Start(o, nullptr, &error);
    EXPECT_TRUE(e) << error;
    return e;
  }

  std::shared_ptr<const engine::JobView> Run(engine::Engine& e, bool http_only,
                                             std::int32_t proxy_usage = 0) {
    std::shared_ptr<const engine::JobView> job;
    EXPECT_EQ(e.CreateJob("proxy", &job), hr::kOk);
    engine::FileSpec f{url_, out_ / "via.bin", ""};
    f.http_only = http_only;
    EXPECT_EQ(e.AddFiles(job->id, {f}), hr::kOk);
    EXPECT_EQ(e.SetProperties(job->id, [&](engine::JobProperties& p) {
      p.proxy_usage = proxy_usage;
      return hr::kOk;
    }), hr::kOk);
    EXPECT_EQ(e.Resume(job->id), hr::kOk);
    EXPECT_TRUE(WaitFor([&] { return !engine::IsActive(job->state.load()); }));
    return job;
  }

  void ExpectFile(engine::Engine& e, const engine::JobView& job) {
    ASSERT_EQ(job.state.load(), JobState::kTransferred);
    ASSERT_EQ(e.Complete(job.id), hr::kOk);
    EXPECT_TRUE(ReadFile(out_ / "via.bin") == data_);
  }

  TempDir out_;
  std::unique_ptr<FaultOrigin> proxy_;
  std::string url_;
  std::string data_;
};

TEST_F(Proxy, ConfiguredProxyCarriesTheSidecarAndTheContent) {
  auto e = Start(proxy_->Url(""));
  auto job = Run(*e, false);
  ExpectFile(*e, *job);
  EXPECT_EQ(proxy_->Requests(url_ + ".torrent"), 1) << "the sidecar went through the proxy";
  EXPECT_EQ(proxy_->Requests(url_), 1);
}

TEST_F(Proxy, JobWithNoProxyConnectsDirectly) {
  auto e = Start(proxy_->Url(""));
  auto job = Run(*e, true, 1);  // BG_JOB_PROXY_USAGE_NO_PROXY
  ASSERT_EQ(job->state.load(), JobState::kTransientError);
  engine::JobErrorInfo info;
  ASSERT_EQ(e->GetError(job->id, &info), hr::kOk);
  EXPECT_EQ(info.code, hr::kInternetCannotConnect) << info.message;
  EXPECT_EQ(proxy_->Requests(url_), 0);
}

TEST_F(Proxy, EnvironmentProxyIsHonoured) {
  ScopedEnv env("http_proxy", proxy_->Url(""));
  ScopedEnv no("no_proxy", "");
  auto e = Start("");
  auto job = Run(*e, true);
  ExpectFile(*e, *job);
  EXPECT_EQ(proxy_->Requests(url_), 1);
}

}  // namespace
}  // namespace shoal::testing
