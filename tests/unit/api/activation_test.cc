// Activation: CoInitializeEx bookkeeping, CoCreateInstance of the process-wide manager (its
// engine configured from $SHOAL_CONFIG and SHOAL_*), and LoadOptions' strictness.
#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>

#include "tests/support/fixtures.h"
#include "tests/unit/api/api_test_util.h"

namespace shoal::apitest {
namespace {

using testing::ScopedEnv;

TEST(Activation, CoInitializeExCountsPerThread) {
  EXPECT_EQ(CoInitializeEx(nullptr, COINIT_MULTITHREADED), S_OK);
  EXPECT_EQ(CoInitializeEx(nullptr, COINIT_MULTITHREADED), S_FALSE);
  EXPECT_EQ(CoInitializeEx(nullptr, COINIT_APARTMENTTHREADED), RPC_E_CHANGED_MODE);
  HRESULT other = E_FAIL;
  std::thread([&] {
    other = CoInitializeEx(nullptr, COINIT_APARTMENTTHREADED);  // a new thread starts afresh
    CoUninitialize();
  }).join();
  EXPECT_EQ(other, S_OK);
  CoUninitialize();
  CoUninitialize();
  EXPECT_EQ(CoInitialize(nullptr), S_OK);  // balanced: the model may change now
  CoUninitialize();
  EXPECT_EQ(CoInitializeEx(reinterpret_cast<void*>(1), COINIT_MULTITHREADED), E_INVALIDARG);
}

TEST(Activation, CoCreateInstanceRejectsUnknownClassesAndAggregation) {
  void* p = reinterpret_cast<void*>(1);
  EXPECT_EQ(CoCreateInstance(IID_IBackgroundCopyJob, nullptr, CLSCTX_INPROC_SERVER,
                             IID_IBackgroundCopyManager, &p),
            REGDB_E_CLASSNOTREG);
  EXPECT_EQ(p, nullptr);
  RecordingCallback outer;
  EXPECT_EQ(CoCreateInstance(CLSID_BackgroundCopyManager, &outer, CLSCTX_INPROC_SERVER,
                             IID_IBackgroundCopyManager, &p),
            CLASS_E_NOAGGREGATION);
  EXPECT_EQ(CoCreateInstance(CLSID_BackgroundCopyManager, nullptr, CLSCTX_INPROC_SERVER,
                             IID_IBackgroundCopyManager, nullptr),
            E_POINTER);
}

TEST(Activation, CoCreateInstanceGivesOneProcessWideManager) {
  ScopedEnv listen("SHOAL_LISTEN", "127.0.0.1:0");
  ScopedEnv lsd("SHOAL_LSD", "0");
  ScopedEnv config("SHOAL_CONFIG", "");
  ASSERT_EQ(CoInitializeEx(nullptr, COINIT_APARTMENTTHREADED), S_OK);
  Com<IBackgroundCopyManager> a;
  ASSERT_EQ(CoCreateInstance(CLSID_BackgroundCopyManager, nullptr, CLSCTX_INPROC_SERVER,
                             IID_IBackgroundCopyManager, a.PutVoid()),
            S_OK);
  GUID id;
  {
    Com<IBackgroundCopyJob> job;
    ASSERT_EQ(a->CreateJob(L"shared", BG_JOB_TYPE_DOWNLOAD, &id, job.Put()), S_OK);
  }
  a.Reset();
  // Every reference is gone, but COM is still initialized: the engine and its jobs remain.
  Com<IUnknown> unk;
  ASSERT_EQ(CoCreateInstance(CLSID_DeliveryOptimization, nullptr, CLSCTX_ALL, IID_IUnknown,
                             unk.PutVoid()),
            S_OK);
  Com<IBackgroundCopyManager> b;
  ASSERT_EQ(unk->QueryInterface(IID_IBackgroundCopyManager, b.PutVoid()), S_OK);
  Com<IBackgroundCopyJob> found;
  EXPECT_EQ(b->GetJob(id, found.Put()), S_OK);
  void* p = reinterpret_cast<void*>(1);
  EXPECT_EQ(CoCreateInstance(CLSID_BackgroundCopyManager, nullptr, CLSCTX_INPROC_SERVER,
                             IID_IBackgroundCopyJob, &p),
            E_NOINTERFACE);
  EXPECT_EQ(p, nullptr);
  found.Reset();
  b.Reset();
  unk.Reset();
  CoUninitialize();
}

TEST(Activation, CoCreateInstanceWithABadConfigFileFailsCleanly) {
  testing::TempDir dir;
  const std::string path = dir / "bad.json";
  testing::WriteFile(path, "{ \"listen_interface\": ");  // truncated JSON
  ScopedEnv config("SHOAL_CONFIG", path);
  void* p = reinterpret_cast<void*>(1);
  const HRESULT h = CoCreateInstance(CLSID_BackgroundCopyManager, nullptr, CLSCTX_INPROC_SERVER,
                                     IID_IBackgroundCopyManager, &p);
  EXPECT_EQ(h, HRESULT_FROM_WIN32(13));  // ERROR_INVALID_DATA
  EXPECT_EQ(p, nullptr);
}

TEST(Activation, CoCreateInstanceWithAMissingConfigFileFailsCleanly) {
  ScopedEnv config("SHOAL_CONFIG", "/nonexistent/shoal.json");
  void* p = reinterpret_cast<void*>(1);
  EXPECT_EQ(CoCreateInstance(CLSID_BackgroundCopyManager, nullptr, CLSCTX_INPROC_SERVER,
                             IID_IBackgroundCopyManager, &p),
            HRESULT_FROM_WIN32(2));
  EXPECT_EQ(p, nullptr);
}

TEST(LoadOptionsTest, ReadsTheFileThenTheEnvironment) {
  testing::TempDir dir;
  const std::string path = dir / "shoal.json";
  testing::WriteFile(path, R"({"listen_interface": "127.0.0.1:6881", "peers": ["10.0.0.2:6881"],
                               "no_http": true, "min_background_qos_kbps": 100,
                               "delay_background_download_from_http_s": 9,
                               "http_proxy": "http://10.0.0.9:3128", "http_no_proxy": ".lan"})");
  ScopedEnv config("SHOAL_CONFIG", path);
  ScopedEnv peers("SHOAL_PEERS", "10.0.0.3:1, 10.0.0.4:2,");
  ScopedEnv delay("SHOAL_DELAY_FOREGROUND_HTTP", "7");
  Options o;
  std::string error;
  ASSERT_EQ(LoadOptions(&o, &error), S_OK) << error;
  EXPECT_EQ(o.listen_interface, "127.0.0.1:6881");
  EXPECT_EQ(o.peers, (std::vector<std::string>{"10.0.0.3:1", "10.0.0.4:2"}));
  EXPECT_TRUE(o.no_http);
  EXPECT_EQ(o.min_background_qos_kbps, 100u);
  EXPECT_EQ(o.delay_background_download_from_http_s, 9u);
  EXPECT_EQ(o.delay_foreground_download_from_http_s, 7u);
  EXPECT_EQ(o.http_proxy, "http://10.0.0.9:3128");
  EXPECT_EQ(o.http_no_proxy, ".lan");
}

TEST(LoadOptionsTest, RejectsUnknownKeysWrongTypesAndBadNumbers) {
  testing::TempDir dir;
  Options o;
  o.listen_interface = "keep";
  std::string error;
  {
    testing::WriteFile(dir / "a.json", R"({"listen_interfce": "127.0.0.1:1"})");
    ScopedEnv config("SHOAL_CONFIG", dir / "a.json");
    EXPECT_EQ(LoadOptions(&o, &error), E_INVALIDARG);
    EXPECT_NE(error.find("listen_interfce"), std::string::npos) << error;
  }
  {
    testing::WriteFile(dir / "b.json", R"({"min_background_qos_kbps": "fast"})");
    ScopedEnv config("SHOAL_CONFIG", dir / "b.json");
    EXPECT_EQ(LoadOptions(&o, &error), E_INVALIDARG);
  }
  {
    testing::WriteFile(dir / "c.json", R"([1, 2])");
    ScopedEnv config("SHOAL_CONFIG", dir / "c.json");
    EXPECT_EQ(LoadOptions(&o, &error), HRESULT_FROM_WIN32(13));
  }
  {
    ScopedEnv qos("SHOAL_MIN_BACKGROUND_QOS", "12kb");
    EXPECT_EQ(LoadOptions(&o, &error), E_INVALIDARG);
  }
  {
    ScopedEnv no_http("SHOAL_NO_HTTP", "maybe");
    EXPECT_EQ(LoadOptions(&o, &error), E_INVALIDARG);
  }
  EXPECT_EQ(o.listen_interface, "keep");  // failures change nothing
  EXPECT_EQ(LoadOptions(nullptr, &error), E_POINTER);
}

TEST(CreateManager, ABadListenInterfaceFailsWithAMessage) {
  Options o = LoopbackOptions();
  o.listen_interface = "not-an-address:99999";
  Com<IBackgroundCopyManager> m;
  std::string error;
  EXPECT_TRUE(FAILED(CreateBackgroundCopyManager(o, m.Put(), &error)));
  EXPECT_EQ(m.get(), nullptr);
  EXPECT_FALSE(error.empty());
}

// Group mode without its credentials is a configuration error, not LAN mode.
TEST(CreateManager, GroupModeWithoutItsCredentialsIsInvalidArg) {
  Options o = LoopbackOptions();
  o.download_mode = 2;
  Com<IBackgroundCopyManager> m;
  std::string error;
  EXPECT_EQ(CreateBackgroundCopyManager(o, m.Put(), &error), E_INVALIDARG);
  EXPECT_EQ(m.get(), nullptr);
  EXPECT_NE(error.find("group_id"), std::string::npos) << error;
  o.group_id = "g";
  o.group_ca_cert = "/nonexistent/ca.pem";
  o.group_cert = "/nonexistent/m.pem";
  o.group_key = "/nonexistent/m.key";
  EXPECT_EQ(CreateBackgroundCopyManager(o, m.Put(), &error), E_INVALIDARG);
  EXPECT_NE(error.find("group_ca_cert: cannot read /nonexistent/ca.pem"), std::string::npos)
      << error;
}

TEST(CreateManager, EachCallHasItsOwnEngine) {
  Com<IBackgroundCopyManager> a, b;
  MakeManager(&a);
  MakeManager(&b);
  GUID id;
  Com<IBackgroundCopyJob> job;
  ASSERT_EQ(a->CreateJob(L"only in a", BG_JOB_TYPE_DOWNLOAD, &id, job.Put()), S_OK);
  Com<IBackgroundCopyJob> other;
  EXPECT_EQ(b->GetJob(id, other.Put()), BG_E_NOT_FOUND);
}

}  // namespace
}  // namespace shoal::apitest
