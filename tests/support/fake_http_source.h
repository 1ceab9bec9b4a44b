// A scripted HttpSource for engine unit tests: records each Start and lets the test play the
// transfer's part (write bytes into the file, report them, end it) from the test thread.
// Thread-safe (the engine thread starts transfers, the test thread drives them).
#pragma once

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "engine/http_source.h"

namespace shoal::testing {

class FakeHttpSource final : public engine::HttpSource {
 public:
  struct Call {
    engine::HttpRequest request;
    engine::HttpCallbacks callbacks;
    std::atomic<bool> cancelled{false};

    // Writes content[request.offset, upto) into the file and reports it.
    void Deliver(const std::string& content, std::size_t upto) {
      const std::size_t from = request.offset;
      if (upto > from) {
        (void)::pwrite(request.fd, content.data() + from, upto - from, static_cast<off_t>(from));
      }
      callbacks.on_progress(upto);
    }
    void Finish(hr::HResult code = hr::kOk, bool transient = false, long status = 0) {
      engine::HttpOutcome out;
      out.code = code;
      out.transient = transient;
      out.http_status = status;
      out.context = code == hr::kOk ? engine::ErrorContext::kNone : engine::ErrorContext::kRemoteFile;
      out.message = hr::Failed(code) ? "scripted failure" : "";
      callbacks.on_done(out);
    }
  };

  ~FakeHttpSource() override {
    for (auto& c : calls_) ::close(c->request.fd);
  }

  std::unique_ptr<engine::HttpTransfer> Start(engine::HttpRequest request,
                                              engine::HttpCallbacks callbacks) override {
    auto call = std::make_shared<Call>();
    call->request = std::move(request);
    call->callbacks = std::move(callbacks);
    // Each response names the origin's version before its head, as the libcurl source does.
    if (call->callbacks.on_validator) {
      call->callbacks.on_head = [head = call->callbacks.on_head,
                                 named = call->callbacks.on_validator,
                                 v = validator()](std::uint64_t size, bool restarted) {
        named(v);
        head(size, restarted);
      };
    }
    {
      std::lock_guard lock(mu_);
      calls_.push_back(call);
    }
    cv_.notify_all();
    return std::make_unique<Transfer>(call);
  }

  // A HEAD answers the origin's version at once (the engine's joiners ask it).
  bool AskValidator(const engine::HttpRequest&, std::function<void(std::string)> done) override {
    done(validator());
    return true;
  }
  // The version (ContentValidator) the origin names from now on, in HEADs and responses.
  void SetValidator(std::string v) {
    std::lock_guard lock(mu_);
    validator_ = std::move(v);
  }
  std::string validator() {
    std::lock_guard lock(mu_);
    return validator_;
  }

  // The n-th transfer started (1-based), waiting up to 30 s for it; null if it never came.
  std::shared_ptr<Call> WaitForCall(std::size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(30), [&] { return calls_.size() >= n; });
    return calls_.size() >= n ? calls_[n - 1] : nullptr;
  }
  std::size_t calls() {
    std::lock_guard lock(mu_);
    return calls_.size();
  }

 private:
  class Transfer final : public engine::HttpTransfer {
   public:
    explicit Transfer(std::shared_ptr<Call> call) : call_(std::move(call)) {}
    void Cancel() override { call_->cancelled = true; }
    ~Transfer() override { Cancel(); }

   private:
    std::shared_ptr<Call> call_;
  };

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Call>> calls_;
  std::string validator_ = "etag:\"1\"";
};

}  // namespace shoal::testing
