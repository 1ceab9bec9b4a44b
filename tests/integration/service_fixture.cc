#include "tests/integration/service_fixture.h"

#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "api/src/service_paths.h"

namespace shoal::testing {

ServiceProcess::ServiceProcess(const std::string& base, std::vector<std::string> extra)
    : base_(base),
      socket_(base + "/run/shoal.sock"),
      state_(base + "/state"),
      cache_(base + "/cache"),
      extra_(std::move(extra)) {
  ::chmod(base.c_str(), 0755);
}

ServiceProcess::~ServiceProcess() {
  if (child_) Kill9();
}

bool ServiceProcess::Start(std::string* why) {
  std::vector<std::string> args = {
      SHOALD, "--system",    "--socket", socket_, "--state-dir",
      state_, "--cache-dir", cache_,     "--set", "delay_foreground_download_from_http_s=0"};
  // A machine of its own in the tests gives its own --listen address.
  if (std::find(extra_.begin(), extra_.end(), "--listen") == extra_.end()) {
    args.insert(args.end(), {"--listen", "127.0.0.1:0"});
  }
  args.insert(args.end(), extra_.begin(), extra_.end());
  child_ = std::make_unique<Child>(args, base_ + "/shoald.log");
  if (!child_->started()) {  // e.g. `base` is missing, so its log cannot be opened
    *why = std::string("could not start ") + SHOALD + " with its log in " + base_;
    child_.reset();
    return false;
  }
  int code = 0;
  bool exited = false;
  const bool up = WaitFor([&] {
    if (child_->Exited(&code)) return exited = true;  // a bad folder or flag: not 60 s of waiting
    const int fd = api::ConnectUnix(socket_);
    if (fd >= 0) ::close(fd);
    return fd >= 0;
  });
  if (exited) {
    *why = "shoald exited with " + std::to_string(code) + ": " + Log();
    child_.reset();
    return false;
  }
  if (!up) *why = "shoald did not come up: " + Log();
  return up;
}

void ServiceProcess::Kill9() {
  if (!child_) return;
  child_->Signal(SIGKILL);
  child_->Wait();
  child_.reset();
}

int ServiceProcess::Terminate() {
  if (!child_) return -1;
  child_->Signal(SIGTERM);
  const int code = child_->Wait();
  child_.reset();
  return code;
}

std::string ServiceProcess::Log() const {
  std::error_code ec;
  return std::filesystem::exists(base_ + "/shoald.log", ec) ? ReadFile(base_ + "/shoald.log") : "";
}

std::string RawExchange(const std::string& socket, const std::string& request) {
  const int fd = api::ConnectUnix(socket);
  if (fd < 0) return "";
  std::string reply = ExchangeOn(fd, request);
  ::close(fd);
  return reply;
}

std::string ExchangeOn(int fd, const std::string& request) {
  for (std::size_t done = 0; done < request.size();) {
    const ssize_t n = ::send(fd, request.data() + done, request.size() - done, MSG_NOSIGNAL);
    if (n <= 0) break;  // the service may answer (and close) before reading it all
    done += static_cast<std::size_t>(n);
  }
  std::string reply;
  char buf[8192];
  for (;;) {
    const auto head = reply.find("\r\n\r\n");
    if (head != std::string::npos) {
      const auto cl = reply.find("Content-Length: ");
      if (cl != std::string::npos && cl < head &&
          reply.size() >= head + 4 + std::stoul(reply.substr(cl + 16))) {
        break;
      }
    }
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    reply.append(buf, static_cast<std::size_t>(n));
  }
  return reply;
}

int StatusOf(const std::string& reply) {
  return reply.size() > 12 && reply.compare(0, 9, "HTTP/1.1 ") == 0 ? std::stoi(reply.substr(9, 3))
                                                                    : 0;
}

api::wire::Json BodyOf(const std::string& reply) {
  const auto head = reply.find("\r\n\r\n");
  if (head == std::string::npos) return nullptr;
  return api::wire::Json::parse(reply.substr(head + 4), nullptr, false);
}

}  // namespace shoal::testing
