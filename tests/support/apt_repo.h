// A Debian repository built for a test or benchmark: packages of random payload (dpkg-deb),
// indexed and released (apt-ftparchive), and apt-get command lines for "client machines" whose
// state, cache and sources live in a folder of their own. Thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace shoal::testing {

// std::system's exit code (-1 when it did not exit).
int Shell(const std::string& cmd);

std::string AptPackage(int i);  // shoal-test-<i>
std::string AptDeb(int i);      // its .deb file name

struct AptRepo {
  std::string root;               // serve this folder; sources.list entry "<base>/ ./"
  std::vector<std::string> debs;  // pool/<deb> under root, by package index
  std::uint64_t bytes = 0;        // the .deb files' total size
};

// `count` packages, package i carrying `first_size + step * i` random bytes. False with
// *error (e.g. dpkg-deb or apt-ftparchive missing).
bool BuildAptRepo(const std::string& root, const std::string& scratch, int count,
                  std::size_t first_size, std::size_t step, AptRepo* repo, std::string* error);

// Folders and sources.list of a client machine in `dir` (`source` is the whole deb line).
void MakeAptClient(const std::string& dir, const std::string& source);

// apt-get for the client in `dir` (no locking, no system configuration parts), with the shoal
// method known as shoal+http when `method` is given; `options` are more -o flags.
std::string AptGet(const std::string& dir, const std::string& method = "",
                   const std::string& options = "");

}  // namespace shoal::testing
