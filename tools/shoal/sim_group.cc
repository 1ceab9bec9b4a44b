#include "tools/shoal/sim_group.h"

#include <chrono>
#include <fstream>
#include <thread>

#include "tools/shoal/sim_process.h"

namespace shoal::cli {
namespace {

bool Openssl(const std::vector<std::string>& args, const std::filesystem::path& log,
             std::string* error) {
  std::vector<std::string> argv = {"openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::optional<Child> c = Child::Spawn(argv, "", log.string(), error);
  if (!c) return false;
  for (int i = 0; i < 1500 && !c->Poll(); ++i) {  // it exits by itself within a second
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  c->Stop();
  if (c->exit_code() != 0) {
    *error = "openssl " + args.front() + " failed (see " + log.string() + ")";
    return false;
  }
  return true;
}

}  // namespace

std::optional<GroupFiles> MakeGroup(const std::filesystem::path& dir, const std::string& name,
                                    std::string* error) {
  if (!HaveTool("openssl")) {
    *error = "Group mode needs the openssl tool to make certificates (tools/bootstrap.sh)";
    return std::nullopt;
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const auto p = [&](const char* f) { return (dir / f).string(); };
  std::ofstream(dir / "member.ext") << "subjectAltName=DNS:*\n";
  const auto log = dir / "openssl.log";
  const std::vector<std::string> ec_key = {"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                                           "-nodes"};
  std::vector<std::string> ca = {
      "req",     "-x509",     "-days", "30",       "-subj", "/CN=" + name + " CA",
      "-keyout", p("ca.key"), "-out",  p("ca.pem")};
  ca.insert(ca.begin() + 2, ec_key.begin(), ec_key.end());
  std::vector<std::string> csr = {"req",          "-subj",         "/CN=" + name + " member",
                                  "-keyout",      p("member.key"), "-out",
                                  p("member.csr")};
  csr.insert(csr.begin() + 1, ec_key.begin(), ec_key.end());
  if (!Openssl(ca, log, error) || !Openssl(csr, log, error) ||
      !Openssl(
          {"x509", "-req", "-days", "30", "-in", p("member.csr"), "-CA", p("ca.pem"), "-CAkey",
           p("ca.key"), "-CAcreateserial", "-extfile", p("member.ext"), "-out", p("member.pem")},
          log, error)) {
    return std::nullopt;
  }
  return GroupFiles{dir / "ca.pem", dir / "member.pem", dir / "member.key"};
}

std::vector<std::string> GroupArgs(const std::filesystem::path& ca_cert, const GroupFiles& member) {
  return {"--set", "download_mode=2",
          "--set", "group_id=sim-group",
          "--set", "group_ca_cert=" + ca_cert.string(),
          "--set", "group_cert=" + member.cert.string(),
          "--set", "group_key=" + member.key.string()};
}

}  // namespace shoal::cli
