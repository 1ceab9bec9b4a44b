// The BITS notify command line through the service: the job's SetNotifyCmdLine program runs in
// the client's process, with the user's rights (api/src/callback_dispatcher.cc), never in
// shoald, which runs nothing a user names (decision 0010).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "shoal/activation.h"
#include "shoal/bits.h"
#include "shoal/com_ptr.h"
#include "tests/integration/service_fixture.h"
#include "tests/support/fault_origin.h"

namespace shoal::testing {
namespace {

std::wstring W(const std::string& s) { return std::wstring(s.begin(), s.end()); }

TEST(ServiceNotify, TheNotifyProgramRunsInTheClientNotInShoald) {
  TempDir dir;
  std::string error;
  auto origin = FaultOrigin::Start(&error);
  ASSERT_TRUE(origin) << error;
  origin->Put("/n.bin", RandomBytes(64 << 10, 17));
  ServiceProcess service(dir.path().string());
  ASSERT_TRUE(service.Start(&error)) << error;
  ScopedEnv socket("SHOAL_SOCKET", service.socket());
  ComPtr<IBackgroundCopyManager> manager;
  ASSERT_EQ(CoCreateInstance(CLSID_BackgroundCopyManager, nullptr, CLSCTX_LOCAL_SERVER,
                             IID_IBackgroundCopyManager, manager.PutVoid()),
            S_OK);
  GUID id;
  ComPtr<IBackgroundCopyJob> job;
  ASSERT_EQ(manager->CreateJob(L"notify", BG_JOB_TYPE_DOWNLOAD, &id, job.Put()), S_OK);
  ComPtr<IBackgroundCopyJob2> job2;
  ASSERT_EQ(job->QueryInterface(IID_IBackgroundCopyJob2, job2.PutVoid()), S_OK);
  const std::string marker = dir / "ran-by";
  // The program writes its parent's pid: the process that started it. (The parameters split
  // as CommandLineToArgvW does: double quotes group.)
  const std::wstring params = L"/bin/sh -c \"echo $PPID > " + W(marker) + L"\"";
  ASSERT_EQ(job2->SetNotifyCmdLine(L"/bin/sh", params.c_str()), S_OK);
  ASSERT_EQ(job->AddFile(W(origin->Url("/n.bin")).c_str(), W(dir / "n.bin").c_str()), S_OK);
  ASSERT_EQ(job->Resume(), S_OK);
  ASSERT_TRUE(WaitFor([&] {
    const std::string text = ReadFile(marker);
    return !text.empty() && text.back() == '\n';
  })) << service.Log();
  EXPECT_EQ(std::stol(ReadFile(marker)), static_cast<long>(::getpid()))
      << "run by this client, not by shoald (pid " << service.pid() << ")";
  EXPECT_EQ(job->Complete(), S_OK);
}

}  // namespace
}  // namespace shoal::testing
