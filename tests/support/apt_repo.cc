#include "tests/support/apt_repo.h"

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "tests/support/fixtures.h"

namespace shoal::testing {

namespace fs = std::filesystem;

int Shell(const std::string& cmd) {
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string AptPackage(int i) { return "shoal-test-" + std::to_string(i); }
std::string AptDeb(int i) { return AptPackage(i) + "_1.0_all.deb"; }

bool BuildAptRepo(const std::string& root, const std::string& scratch, int count,
                  std::size_t first_size, std::size_t step, AptRepo* repo, std::string* error) {
  if (Shell("command -v apt-get dpkg-deb apt-ftparchive >/dev/null") != 0) {
    *error = "apt, dpkg-deb and apt-ftparchive (apt-utils) are needed: tools/bootstrap.sh";
    return false;
  }
  const std::string pool = root + "/pool";
  fs::create_directories(pool);
  repo->root = root;
  repo->debs.clear();
  repo->bytes = 0;
  for (int i = 0; i < count; ++i) {
    const std::string pkg = scratch + "/" + AptPackage(i);
    fs::create_directories(pkg + "/DEBIAN");
    fs::create_directories(pkg + "/usr/share/" + AptPackage(i));
    std::ofstream(pkg + "/DEBIAN/control")
        << "Package: " << AptPackage(i) << "\nVersion: 1.0\nArchitecture: all\n"
        << "Maintainer: shoal tests <tests@example.invalid>\nDescription: test payload\n";
    // Random payload: gzip cannot shrink it, so each .deb is about its size.
    WriteRandomFile(pkg + "/usr/share/" + AptPackage(i) + "/data", first_size + step * i,
                    7 + static_cast<unsigned>(i));
    const std::string deb = pool + "/" + AptDeb(i);
    if (Shell("dpkg-deb --build -Zgzip " + pkg + " " + deb + " >/dev/null") != 0) {
      *error = "dpkg-deb failed for " + AptPackage(i);
      return false;
    }
    repo->debs.push_back(deb);
    repo->bytes += fs::file_size(deb);
  }
  if (Shell("cd " + root + " && apt-ftparchive packages pool > Packages 2>/dev/null" +
            " && gzip -k Packages && apt-ftparchive release . > Release") != 0) {
    *error = "apt-ftparchive failed in " + root;
    return false;
  }
  return true;
}

void MakeAptClient(const std::string& dir, const std::string& source) {
  fs::create_directories(dir + "/state/lists/partial");
  fs::create_directories(dir + "/cache/archives/partial");
  std::ofstream(dir + "/status");
  std::ofstream(dir + "/sources.list") << source << "\n";
}

std::string AptGet(const std::string& dir, const std::string& method, const std::string& options) {
  std::string cmd = "apt-get -q -o Dir::Etc::sourcelist=" + dir + "/sources.list" +
                    " -o Dir::Etc::sourceparts=- -o Dir::Etc::preferencesparts=-" +
                    " -o Dir::Etc::parts=- -o Dir::State=" + dir + "/state" +
                    " -o Dir::State::status=" + dir + "/status -o Dir::Cache=" + dir + "/cache" +
                    " -o Dir::Log=" + dir + " -o Debug::NoLocking=1";
  if (!method.empty()) cmd += " -o Dir::Bin::Methods::shoal+http=" + method;
  if (!options.empty()) cmd += " " + options;
  return cmd;
}

}  // namespace shoal::testing
