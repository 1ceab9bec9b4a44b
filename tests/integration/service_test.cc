// shoald through real processes on one machine: jobs shared between processes, a job outliving
// its creator, two users kept apart by SO_PEERCRED, kill -9 of the service mid-transfer, and
// bad input on the socket. The content comes from a FaultOrigin on loopback.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "api/src/service_backend.h"
#include "api/src/service_client.h"
#include "engine/job_store.h"
#include "engine/metainfo.h"
#include "tests/integration/service_fixture.h"
#include "tests/integration/service_test.h"
#include "tests/support/fault_origin.h"

namespace shoal::testing {
namespace {

using api::wire::Json;
constexpr hr::HResult kAccessDenied = hr::kAccessDenied;

bool Listed(const Json& reply, const api::Uuid& id) {
  for (const Json& j : reply.at("jobs")) {
    if (j.at("id") == id.ToString()) return true;
  }
  return false;
}

TEST_F(ServiceTest, AnotherProcessSeesTheSameJob) {
  auto backend = Connect();
  ASSERT_TRUE(backend);
  std::shared_ptr<const api::JobHandle> job;
  ASSERT_EQ(backend->CreateJob("shared", &job), hr::kOk);
  const std::string id = job->id().ToString();
  const int code = InChild([&] {
    api::ServiceClient client(service_->socket());
    Json list, one;
    if (client.Call("GET", "/v1/jobs", nullptr, &list) != hr::kOk || !Listed(list, job->id())) {
      return 1;
    }
    if (client.Call("GET", "/v1/jobs/" + id, nullptr, &one) != hr::kOk) return 2;
    return one.at("job").at("owner_uid") == ::getuid() ? 0 : 3;
  });
  EXPECT_EQ(code, 0);
  api::JobProperties props;
  ASSERT_EQ(backend->GetProperties(job->id(), &props), hr::kOk);
  EXPECT_EQ(props.owner_uid, static_cast<std::int64_t>(::getuid()));
  EXPECT_EQ(props.display_name, "shared");
}

TEST_F(ServiceTest, AJobOutlivesItsCreatorAndAnotherProcessCompletesIt) {
  const std::string data = RandomBytes(3 << 20, 7);
  Fault drip;
  drip.drip_bytes = 64 << 10;
  drip.drip_delay = std::chrono::milliseconds(20);
  origin_->Put("/c.bin", data, {}, drip);
  const std::string out = dir_ / "out.bin";
  int ids[2];
  ASSERT_EQ(::pipe(ids), 0);
  const pid_t creator = ::fork();
  if (creator == 0) {
    api::ServiceClient client(service_->socket());
    Json reply;
    if (client.Call("POST", "/v1/jobs", {{"display_name", "bg"}}, &reply) != hr::kOk) _exit(1);
    const std::string id = reply.at("job").at("id").get<std::string>();
    Json files = {
        {"files",
         {{{"remote_url", origin_->Url("/c.bin")}, {"local_path", out}, {"http_only", true}}}}};
    if (client.Call("POST", "/v1/jobs/" + id + "/files", files, &reply) != hr::kOk) _exit(2);
    if (client.Call("POST", "/v1/jobs/" + id + "/resume", nullptr, &reply) != hr::kOk) _exit(3);
    (void)!::write(ids[1], id.data(), id.size());
    ::pause();
    _exit(0);
  }
  ::close(ids[1]);
  char text[64] = {};
  ASSERT_EQ(::read(ids[0], text, sizeof text), 38);
  ::close(ids[0]);
  ::kill(creator, SIGKILL);
  ::waitpid(creator, nullptr, 0);
  api::Uuid id;
  ASSERT_TRUE(api::wire::ParseUuid(text, &id));

  auto backend = Connect();
  ASSERT_TRUE(backend);
  std::shared_ptr<const api::JobHandle> job;
  ASSERT_TRUE(WaitFor([&] {
    job = backend->FindJob(id);
    return job && job->State() == api::JobState::kTransferred;
  })) << service_->Log();
  EXPECT_FALSE(std::filesystem::exists(out)) << "files appear only on Complete";
  EXPECT_TRUE(WaitFor([&] { return events_.Count(id, api::JobEvent::kTransferred) == 1; }))
      << "JobTransferred reached this process through the event stream";
  std::vector<api::FileInfo> files;
  ASSERT_EQ(backend->GetFiles(id, &files), hr::kOk);
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].local_path, out) << "GetFiles names the user's file, not the store's";
  ASSERT_EQ(backend->Complete(id), hr::kOk);
  EXPECT_EQ(job->State(), api::JobState::kAcknowledged);
  EXPECT_EQ(ReadFile(out), data);
  EXPECT_EQ(backend->FindJob(id), nullptr);
  for (const auto& name : ListDir(dir_.path().string())) {
    EXPECT_EQ(name.find(".shoal-part"), std::string::npos) << name << " left behind";
  }
}

TEST_F(ServiceTest, AnotherUserNeitherSeesNorTouchesAJob) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to switch to another uid";
  auto backend = Connect();
  ASSERT_TRUE(backend);
  std::shared_ptr<const api::JobHandle> job;
  ASSERT_EQ(backend->CreateJob("root's", &job), hr::kOk);
  const std::string path = "/v1/jobs/" + job->id().ToString();
  int ids[2];
  ASSERT_EQ(::pipe(ids), 0);
  const int code = InChild([&] {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) return 90;
    api::ServiceClient client(service_->socket());
    Json reply;
    if (client.Call("GET", "/v1/jobs", nullptr, &reply) != hr::kOk) return 1;
    if (Listed(reply, job->id())) return 2;
    if (client.Call("GET", "/v1/jobs?all_users=1", nullptr, &reply) != kAccessDenied) return 3;
    if (client.Call("GET", path, nullptr, &reply) != kAccessDenied) return 4;
    if (client.Call("GET", path + "/properties", nullptr, &reply) != kAccessDenied) return 5;
    if (client.Call("PATCH", path + "/properties", {{"display_name", "mine"}}, &reply) !=
        kAccessDenied) {
      return 6;
    }
    for (const char* action : {"/resume", "/suspend", "/complete", "/cancel"}) {
      if (client.Call("POST", path + action, nullptr, &reply) != kAccessDenied) return 7;
    }
    std::vector<int> fds;
    if (client.CallForFds(path + "/content", &reply, &fds) != kAccessDenied || !fds.empty()) {
      return 8;
    }
    if (client.Call("POST", "/v1/jobs", {{"display_name", "nobody's"}}, &reply) != hr::kOk) {
      return 9;
    }
    const std::string own = reply.at("job").at("id").get<std::string>();
    (void)!::write(ids[1], own.data(), own.size());
    return reply.at("job").at("owner_uid") == 65534 ? 0 : 10;
  });
  ::close(ids[1]);
  char text[64] = {};
  (void)!::read(ids[0], text, sizeof text);
  ::close(ids[0]);
  ASSERT_EQ(code, 0);
  api::Uuid theirs;
  ASSERT_TRUE(api::wire::ParseUuid(text, &theirs));
  // Nothing changed; root sees both jobs with all_users, and only its own without.
  api::JobProperties props;
  ASSERT_EQ(backend->GetProperties(job->id(), &props), hr::kOk);
  EXPECT_EQ(props.display_name, "root's");
  EXPECT_EQ(job->State(), api::JobState::kSuspended);
  auto own = backend->ListJobs(false);
  auto all = backend->ListJobs(true);
  EXPECT_EQ(own.size(), 1u);
  ASSERT_EQ(all.size(), 2u);
  ASSERT_EQ(backend->GetProperties(theirs, &props), hr::kOk);
  EXPECT_EQ(props.owner_uid, 65534);
  EXPECT_EQ(backend->Cancel(theirs), hr::kOk) << "root may act on every job";
}

// One content, one transfer (decision 0013) across users: root's job and another user's job
// of one URL share one download in the service; each user completes and gets its own file
// and neither sees the other's job.
TEST_F(ServiceTest, TwoUsersOfOneContentShareOneTransfer) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to switch to another uid";
  const std::string data = RandomBytes(3 << 20, 11);
  Fault drip;
  drip.drip_bytes = 64 << 10;
  drip.drip_delay = std::chrono::milliseconds(40);  // ~2 s: the second job joins mid-way
  drip.headers = "ETag: \"shared-1\"\r\n";  // the version both jobs see (decision 0017)
  origin_->Put("/shared.bin", data, {}, drip);
  const std::string url = origin_->Url("/shared.bin");
  const std::string theirs = NobodysFile();
  ASSERT_FALSE(theirs.empty());
  const std::string mine = dir_ / "root.bin";

  auto backend = Connect();
  ASSERT_TRUE(backend);
  api::FileSpec spec{url, mine, ""};
  spec.http_only = true;
  auto job = StartRootsJob(*backend, spec);
  ASSERT_TRUE(job);
  ASSERT_TRUE(WaitFor([&] { return job->Progress().bytes_transferred > 0; }));

  // The other user's `shoal get` of the same URL shares root's download (still running) and
  // gets its own file...
  std::string err;
  ASSERT_EQ(CliAsNobody({"get", "--service", "--http-only", url, "-o", theirs},
                        &err),
            0)
      << err << service_->Log();
  ExpectTheirFile(theirs, data);
  // ...and neither sees nor reaches root's job (its own CLI, no fork of this process).
  std::string listed;
  EXPECT_EQ(CliAsNobody({"jobs", "--json"}, &err, &listed), 0) << err;
  EXPECT_EQ(listed.find(job->id().ToString()), std::string::npos) << listed;
  EXPECT_NE(listed.find('['), std::string::npos) << "a JSON list: " << listed;
  EXPECT_EQ(CliAsNobody({"suspend", job->id().ToString()}, &err), 1);
  // The facade's GetJob already refuses it (BG_E_NOT_FOUND: not in that user's queue).
  EXPECT_TRUE(err.find("0x80200001") != std::string::npos ||
              err.find("0x80070005") != std::string::npos)
      << err;
  EXPECT_NE(job->State(), api::JobState::kSuspended) << "root's job went on";
  ASSERT_TRUE(WaitFor([&] { return job->State() == api::JobState::kTransferred; }))
      << service_->Log();
  ASSERT_EQ(backend->Complete(job->id()), hr::kOk);
  EXPECT_EQ(ReadFile(mine), data);
  EXPECT_EQ(backend->ListJobs(true).size(), 0u);
  EXPECT_EQ(origin_->BytesSent("/shared.bin"), data.size()) << "one download, not two";
}

// The event stream pushes JobModification while a job moves and JobError when it fails
// (IBackgroundCopyCallback), not only JobTransferred.
TEST_F(ServiceTest, ModificationAndErrorEventsArePushedToTheClient) {
  Fault drip;
  drip.drip_bytes = 32 << 10;
  drip.drip_delay = std::chrono::milliseconds(20);
  origin_->Put("/moving.bin", RandomBytes(1 << 20, 13), {}, drip);
  auto backend = Connect();
  ASSERT_TRUE(backend);
  api::FileSpec moving{origin_->Url("/moving.bin"), dir_ / "moving.bin", ""};
  moving.http_only = true;
  auto job = StartRootsJob(*backend, moving);
  ASSERT_TRUE(job);
  api::FileSpec missing{origin_->Url("/missing.bin"), dir_ / "missing.bin", ""};
  missing.http_only = true;
  auto failing = StartRootsJob(*backend, missing);
  ASSERT_TRUE(failing);
  EXPECT_TRUE(WaitFor([&] { return events_.Count(failing->id(), api::JobEvent::kError) >= 1; }))
      << service_->Log();
  EXPECT_EQ(failing->State(), api::JobState::kError);
  ASSERT_TRUE(WaitFor([&] { return job->State() == api::JobState::kTransferred; }))
      << service_->Log();
  EXPECT_GE(events_.Count(job->id(), api::JobEvent::kModification), 1u);
  EXPECT_TRUE(WaitFor([&] { return events_.Count(job->id(), api::JobEvent::kTransferred) == 1; }));
  EXPECT_EQ(events_.Count(job->id(), api::JobEvent::kError), 0u);
  EXPECT_EQ(backend->Cancel(failing->id()), hr::kOk);
  EXPECT_EQ(backend->Complete(job->id()), hr::kOk);
}

TEST_F(ServiceTest, KillNineOfTheServiceMidTransfer) {
  constexpr std::size_t kSize = 4 << 20;
  const std::string data = RandomBytes(kSize, 9);
  Fault drip;
  // ~400 KB/s: the kill lands after a few of the engine's progress saves (every 2 s).
  drip.drip_bytes = 8 << 10;
  drip.drip_delay = std::chrono::milliseconds(20);
  origin_->Put("/k.bin", data, {}, drip);
  const std::string out = dir_ / "k.bin";
  auto backend = Connect();
  ASSERT_TRUE(backend);
  std::shared_ptr<const api::JobHandle> job;
  ASSERT_EQ(backend->CreateJob("k", &job), hr::kOk);
  const api::Uuid id = job->id();
  api::FileSpec spec;
  spec.remote_url = origin_->Url("/k.bin");
  spec.local_path = out;
  spec.http_only = true;
  ASSERT_EQ(backend->AddFiles(id, {spec}), hr::kOk);
  ASSERT_EQ(backend->Resume(id), hr::kOk);
  // Progress reaches this process's own cells from the event stream.
  ASSERT_TRUE(WaitFor([&] { return job->Progress().bytes_transferred >= kSize / 3; }));
  ASSERT_LT(job->Progress().bytes_transferred, kSize) << "the kill must land mid-transfer";
  service_->Kill9();
  api::JobProperties props;
  EXPECT_EQ(backend->GetProperties(id, &props), hr::kDoENoService);
  EXPECT_EQ(backend->Resume(id), hr::kDoENoService);
  const std::uint64_t persisted = StoredVerifiedBytes();
  const std::uint64_t seen = job->Progress().bytes_transferred;  // the client's last figure
  origin_->Put("/k.bin", data);                                  // full speed now
  std::string error;
  ASSERT_TRUE(service_->Start(&error)) << error;
  // The same client reconnects: calls work again and the job continues on its own.
  ASSERT_EQ(backend->GetProperties(id, &props), hr::kOk);
  ASSERT_TRUE(WaitTransferred(*backend, id)) << service_->Log();
  ASSERT_EQ(backend->Complete(id), hr::kOk);
  EXPECT_EQ(ReadFile(out), data);
  // Payload the origin sent after the restart, from its Range log ("" = all, "bytes=a-").
  std::uint64_t fetched = 0;
  for (const std::string& r : origin_->Ranges("/k.bin")) {
    fetched += r.empty() ? kSize : kSize - std::stoull(r.substr(6));
  }
  std::printf(
      "[figure] kill -9 mid-transfer: %llu bytes seen by the client, %llu persisted, "
      "%llu fetched after the restart (of %zu)\n",
      static_cast<unsigned long long>(seen), static_cast<unsigned long long>(persisted),
      static_cast<unsigned long long>(fetched), kSize);
  EXPECT_GT(persisted, 0u);
  EXPECT_LE(fetched, kSize - persisted) << "nothing verified is fetched again";
  EXPECT_LE(fetched, kSize - seen) << "plain HTTP continues from every byte it counted";
}

// The same with metainfo: the pieces verified before the kill are not fetched again after the
// restart (resume data or the check of the temp file finds them), the rest come from the web
// seed, and the file is byte-exact.
TEST_F(ServiceTest, KillNineOfTheServiceMidTorrentTransfer) {
  constexpr std::size_t kSize = 4 << 20;
  std::string torrent;
  const std::string data = PublishWithMetainfo("/t.bin", kSize, 27, &torrent);
  ASSERT_FALSE(data.empty());
  Fault drip;
  drip.drip_bytes = 8 << 10;
  drip.drip_delay = std::chrono::milliseconds(20);
  origin_->Put("/t.bin", data, {}, drip);
  const std::string out = dir_ / "t.bin";
  auto backend = Connect();
  ASSERT_TRUE(backend);
  auto job = StartRootsJob(*backend, {origin_->Url("/t.bin"), out, torrent});
  ASSERT_TRUE(job);
  const api::Uuid id = job->id();
  ASSERT_TRUE(WaitFor([&] { return job->Progress().bytes_transferred >= kSize / 3; }))
      << service_->Log();
  ASSERT_LT(job->Progress().bytes_transferred, kSize) << "the kill must land mid-transfer";
  service_->Kill9();
  const std::uint64_t persisted = StoredVerifiedBytes();
  const std::size_t asked_before = origin_->Ranges("/t.bin").size();
  origin_->Put("/t.bin", data);  // full speed now (the request log starts again)
  std::string error;
  ASSERT_TRUE(service_->Start(&error)) << error;
  ASSERT_TRUE(WaitTransferred(*backend, id)) << service_->Log();
  ASSERT_EQ(backend->Complete(id), hr::kOk);
  EXPECT_EQ(ReadFile(out), data);
  // Payload asked of the web seed after the restart ("bytes=a-b" per request).
  std::uint64_t fetched = 0;
  for (const std::string& r : origin_->Ranges("/t.bin")) {
    const auto dash = r.find('-');
    ASSERT_TRUE(r.rfind("bytes=", 0) == 0 && dash != std::string::npos) << r;
    const std::string last = r.substr(dash + 1);
    const std::uint64_t first = std::stoull(r.substr(6, dash - 6));
    fetched += (last.empty() ? kSize - 1 : std::stoull(last)) - first + 1;
  }
  std::printf("[figure] kill -9 mid-torrent: %llu bytes persisted, %llu fetched after the restart "
              "(of %zu; %zu requests before the kill)\n",
              static_cast<unsigned long long>(persisted),
              static_cast<unsigned long long>(fetched), kSize, asked_before);
  EXPECT_GT(persisted, 0u);
  EXPECT_LE(fetched, kSize - persisted) << "nothing verified is fetched again";
}

// Issue 10: "finished content is served to a second machine (another service on another
// 127.0.0.x) after the first machine's `shoal get` has exited". Machine A's client fetches the
// file through A's service, completes it and exits; the origin then stops serving it; machine
// B's service, told only of A as a peer, gets every byte from A.
TEST_F(ServiceTest, FinishedContentIsServedToASecondMachineAfterItsClientExited) {
  constexpr std::size_t kSize = 3 << 20;
  std::string torrent, error;
  const std::string data = PublishWithMetainfo("/m.bin", kSize, 21, &torrent);
  ASSERT_FALSE(data.empty());
  const int port_a = ClosedLoopbackPort(), port_b = ClosedLoopbackPort();
  const std::string a_listen = "127.0.0.2:" + std::to_string(port_a);
  std::filesystem::create_directories(dir_ / "a");
  std::filesystem::create_directories(dir_ / "b");
  ServiceProcess a(dir_ / "a", {"--listen", a_listen});
  ASSERT_TRUE(a.Start(&error)) << error;
  const std::string out_a = dir_ / "a.bin", out_b = dir_ / "b.bin";
  const std::string torrent_file = dir_ / "m.torrent";
  WriteFile(torrent_file, torrent);
  // Machine A's `shoal get`: its own process, which completes the job (the file appears at
  // out_a) and exits before machine B asks. What A serves then is its store's seed.
  {
    Child get({SHOAL_CLI, "get", "--service", origin_->Url("/m.bin"), "-o", out_a, "--torrent",
               torrent_file},
              dir_ / "get-a.err", {"SHOAL_SOCKET=" + a.socket()});
    ASSERT_EQ(get.Wait(), 0) << ReadFile(dir_ / "get-a.err") << a.Log();
  }
  EXPECT_EQ(ReadFile(out_a), data);
  Fault gone;
  gone.status = 404;
  origin_->Put("/m.bin", data, {gone});  // from now on only machine A has the content
  const std::uint64_t sent_before = origin_->BytesSent("/m.bin");

  ServiceProcess b(dir_ / "b",
                   {"--listen", "127.0.0.3:" + std::to_string(port_b), "--peer", a_listen});
  ASSERT_TRUE(b.Start(&error)) << error;
  auto backend = api::ConnectServiceBackend(b.socket(), &events_, &error);
  ASSERT_TRUE(backend) << error;
  std::shared_ptr<const api::JobHandle> job;
  ASSERT_EQ(backend->CreateJob("b", &job), hr::kOk);
  api::FileSpec spec;
  spec.remote_url = origin_->Url("/m.bin");
  spec.local_path = out_b;
  spec.metainfo = torrent;
  ASSERT_EQ(backend->AddFiles(job->id(), {spec}), hr::kOk);
  ASSERT_EQ(backend->Resume(job->id()), hr::kOk);
  ASSERT_TRUE(WaitFor([&] { return job->State() == api::JobState::kTransferred; },
                      std::chrono::seconds(60)))
      << "machine B:\n"
      << b.Log() << "\nmachine A:\n"
      << a.Log();
  EXPECT_EQ(job->Sources().from_peers, kSize);
  EXPECT_EQ(job->Sources().from_http, 0u);
  ASSERT_EQ(backend->Complete(job->id()), hr::kOk);
  EXPECT_EQ(ReadFile(out_b), data);
  EXPECT_EQ(origin_->BytesSent("/m.bin"), sent_before) << "the origin sent machine B nothing";
}

// The shipped units (packaging/systemd): shoald.socket hands shoald its listening socket
// (LISTEN_FDS) and shoald.service is Type=notify. systemd-socket-activate does what the socket
// unit does; a datagram socket stands in for NOTIFY_SOCKET. shoald must serve on the socket it
// was given, say READY=1 once it does, and leave the socket (systemd's) in place when it stops.
TEST(ServiceActivation, ServesSystemdsSocketAndSaysReady) {
  TempDir dir;
  const std::string sock = dir / "shoal.sock", notify = dir / "notify";
  const int n = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(n, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", notify.c_str());
  ASSERT_EQ(::bind(n, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  timeval tv{30, 0};
  ::setsockopt(n, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  // systemd's own tool (the systemd package, tools/bootstrap.sh), run by its path.
  const std::string activate = "/usr/bin/systemd-socket-activate";
  ASSERT_TRUE(std::filesystem::exists(activate)) << "install systemd (tools/bootstrap.sh)";
  Child activator(
      {activate, "-l", sock, "-E", "NOTIFY_SOCKET=" + notify, SHOALD, "--system", "--socket", sock,
       "--state-dir", dir / "state", "--cache-dir", dir / "cache", "--listen", "127.0.0.1:0"},
      dir / "shoald.log");
  ASSERT_TRUE(WaitFor([&] { return std::filesystem::exists(sock); }))
      << ReadFile(dir / "shoald.log");
  // systemd-socket-activate starts shoald on the first connection, as the socket unit does.
  const std::string reply =
      RawExchange(sock, "GET /v1/version HTTP/1.1\r\nHost: shoald\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(StatusOf(reply), 200) << reply << ReadFile(dir / "shoald.log");
  char buf[256] = {};
  const ssize_t got = ::recv(n, buf, sizeof buf - 1, 0);
  ASSERT_GT(got, 0) << "no notification: " << ReadFile(dir / "shoald.log");
  EXPECT_NE(std::string(buf, got).find("READY=1"), std::string::npos) << buf;
  EXPECT_NE(ReadFile(dir / "shoald.log").find("serving " + sock), std::string::npos);
  activator.Signal(SIGTERM);
  EXPECT_EQ(activator.Wait(), 0) << ReadFile(dir / "shoald.log");
  ::close(n);
}

}  // namespace
}  // namespace shoal::testing
