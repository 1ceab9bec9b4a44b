// Group mode for `shoal sim`: a group certificate authority and a member certificate made with
// the openssl tool (EC P-256; the member's SAN is "*", which every group torrent accepts), and
// the settings that put a shoal peer in the group. Thread-compatible (files and a child).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace shoal::cli {

struct GroupFiles {
  std::filesystem::path ca_cert;  // the CA's certificate (its key stays in the folder)
  std::filesystem::path cert;     // a member's certificate, signed by the CA
  std::filesystem::path key;      // its private key
};

// Makes a CA named `name` and one member certificate in `dir`. Nullopt and why when openssl is
// missing or fails.
std::optional<GroupFiles> MakeGroup(const std::filesystem::path& dir, const std::string& name,
                                    std::string* error);

// `--set` arguments for Group mode with `ca_cert` as the group's CA and `member` presenting
// its certificate (from this CA or, for an outsider, another).
std::vector<std::string> GroupArgs(const std::filesystem::path& ca_cert, const GroupFiles& member);

}  // namespace shoal::cli
