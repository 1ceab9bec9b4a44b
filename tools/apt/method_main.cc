// `shoal+http` / `shoal+https`: an apt acquire method (apt runs it with the protocol of
// method_protocol.h on stdin and stdout; it drops to APT::Sandbox::User, _apt, as apt's own
// methods do). .deb files (an Expected-SHA256 and no Index-File) become jobs of the machine's
// shoald (or, when none answers, of an engine in this process); indexes go as plain HTTP with
// If-Modified-Since; anything shoal cannot finish is fetched plainly, so apt never fails where
// plain apt would not. Acquires are handled concurrently (apt pipelines them), replies written
// whole under a lock.
#include <curl/curl.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "shoal/activation.h"
#include "shoal/bits.h"
#include "shoal/shoal.h"
#include "tools/apt/fetch.h"
#include "tools/apt/method_protocol.h"
#include "tools/apt/sandbox.h"
#include "tools/shoal/com_ptr.h"

namespace shoal::apt {
namespace {

constexpr int kWorkers = 4;

class Method {
 public:
  int Run() {
    Send(Message{100, "Capabilities", {}}
             .Set("Version", "1.2")
             .Set("Pipeline", "true")
             .Set("Send-Config", "true"));
    MessageReader reader;
    char buf[8192];
    int code = 0;
    for (;;) {
      const ssize_t n = ::read(0, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // apt closed the pipe: finish what is queued, then exit
      reader.Feed(std::string_view(buf, static_cast<std::size_t>(n)));
      while (auto m = reader.Next()) {
        if (!Handle(*m)) {
          code = 100;
          break;
        }
      }
      if (code != 0) break;
      if (!reader.error().empty()) {
        Send(Message{401, "General Failure", {}}.Set("Message",
                                                     "bad input from apt: " + reader.error()));
        code = 100;
        break;
      }
    }
    {
      std::lock_guard lock(mu_);
      closing_ = true;
    }
    cv_.notify_all();
    for (auto& w : workers_) w.join();
    return code;
  }

 private:
  // False when the method must stop (it could not drop its rights).
  bool Handle(const Message& m) {
    if (m.code == 601) return Configure(m);
    if (m.code != 600) return true;                          // other messages are not for methods
    if (!sandboxed_ && !Configure(Message{})) return false;  // no 601: nothing to drop to
    std::string error;
    auto req = ParseAcquire(m, &error);
    if (!req) {
      Send(Message{400, "URI Failure", {}}
               .Set("URI", m.Get("URI"))
               .Set("Message", error)
               .Set("FailReason", "BadRequest"));
      return true;
    }
    {
      std::lock_guard lock(mu_);
      queue_.push_back(std::move(*req));
    }
    cv_.notify_one();
    return true;
  }

  // apt's `601 Configuration`: drop to its sandbox user, then start the workers (one thread
  // until then: the drop applies to the whole process).
  bool Configure(const Message& m) {
    if (sandboxed_) return true;
    // apt sends APT::Sandbox::User (`_apt`) when the download may be sandboxed, and leaves it
    // out when it runs the download as root (its folders are not reachable by that user).
    std::string user;
    for (const auto& [name, value] : m.fields) {
      constexpr std::string_view kKey = "APT::Sandbox::User=";
      if (name == "Config-Item" && value.rfind(kKey, 0) == 0) user = value.substr(kKey.size());
    }
    std::string note, error;
    if (!DropToSandboxUser(user, &note, &error)) {
      Send(Message{401, "General Failure", {}}.Set("Message", "shoal: " + error));
      return false;
    }
    if (!note.empty()) std::fprintf(stderr, "shoal: %s\n", note.c_str());
    sandboxed_ = true;
    for (int i = 0; i < kWorkers; ++i) workers_.emplace_back([this] { Work(); });
    return true;
  }

  void Work() {
    for (;;) {
      AcquireRequest req;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return closing_ || !queue_.empty(); });
        if (queue_.empty()) return;
        req = std::move(queue_.front());
        queue_.pop_front();
      }
      Fetch(req);
    }
  }

  void Fetch(const AcquireRequest& req) {
    Message start{200, "URI Start", {}};
    start.Set("URI", req.uri);
    if (req.expected_size) start.Set("Size", std::to_string(*req.expected_size));
    Send(start);
    FetchOutcome out;
    const bool by_swarm = !req.index_file && req.expected.count("SHA256") > 0;
    if (by_swarm) {
      if (IBackgroundCopyManager* m = Manager()) out = FetchWithShoal(m, req);
      if (!out.ok) {
        const std::string why =
            "shoal could not fetch it (" + out.message + "); fetching it plainly";
        Status(req, why);
        std::fprintf(stderr, "shoal: %s: %s\n", req.uri.c_str(), why.c_str());  // apt shows it
      }
    }
    if (!out.ok) out = FetchPlain(req);
    if (!out.ok) {
      Message fail{400, "URI Failure", {}};
      fail.Set("URI", req.uri).Set("Message", out.message).Set("FailReason", out.fail_reason);
      if (out.transient) fail.Set("Transient-Failure", "true");
      Send(fail);
      return;
    }
    Message done{201, "URI Done", {}};
    done.Set("URI", req.uri).Set("Filename", req.filename);
    if (out.not_modified) {
      done.Set("IMS-Hit", "yes");
      if (!req.last_modified.empty()) done.Set("Last-Modified", req.last_modified);
      Send(done);
      return;
    }
    std::uint64_t size = 0;
    const auto hashes = HashFile(req.filename, &size);
    done.Set("Size", std::to_string(size));
    if (!out.last_modified.empty()) done.Set("Last-Modified", out.last_modified);
    for (const auto& [kind, hex] : hashes) done.Set(kind + "-Hash", hex);
    Send(done);
  }

  void Status(const AcquireRequest& req, const std::string& text) {
    Send(Message{102, "Status", {}}.Set("URI", req.uri).Set("Message", text));
  }

  // The machine's shoald (its socket, or $SHOAL_SOCKET), else an engine in this process, on
  // the first .deb (an index-only run asks for neither). The service sees the method's uid.
  IBackgroundCopyManager* Manager() {
    std::lock_guard lock(manager_mu_);
    if (!manager_tried_) {
      manager_tried_ = true;
      const HRESULT hr =
          CoCreateInstance(CLSID_BackgroundCopyManager, nullptr, CLSCTX_LOCAL_SERVER,
                           IID_IBackgroundCopyManager, reinterpret_cast<void**>(manager_.Put()));
      if (FAILED(hr)) {
        std::fprintf(stderr, "shoal: no shoal service or engine (%s); fetching plainly\n",
                     cli::DescribeHr(hr).c_str());
        manager_ = {};
      }
    }
    return manager_.get();
  }

  void Send(const Message& m) {
    const std::string text = Format(m);
    std::lock_guard lock(out_mu_);
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<AcquireRequest> queue_;
  bool closing_ = false;
  bool sandboxed_ = false;  // Configure ran: the rights are dropped and the workers started
  std::vector<std::thread> workers_;
  std::mutex out_mu_;
  std::mutex manager_mu_;
  bool manager_tried_ = false;
  cli::ComPtr<IBackgroundCopyManager> manager_;
};

}  // namespace
}  // namespace shoal::apt

int main() {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  const int code = shoal::apt::Method().Run();
  curl_global_cleanup();
  return code;
}
