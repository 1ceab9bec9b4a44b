// Group mode (DODownloadMode 2): the group's credentials as the settings name them, read and
// checked when the engine starts (decision 0011). Thread-safe (pure functions over files).
#pragma once

#include <string>

#include "engine/options.h"

namespace shoal::engine {

struct GroupCredentials {
  std::string id;        // DOGroupId
  std::string ca_pem;    // the group CA's certificate, carried by every group torrent
  std::string cert_pem;  // this member's certificate (chain), PEM
  std::string key_pem;   // its private key, PEM
};

// Where a group_* setting's file is: absolute as given, relative under data_dir (when set).
std::string GroupFilePath(const EngineOptions& options, const std::string& path);

// Reads the group settings of `options`: group_id and the three files must be set, the CA a
// PEM certificate, the member's certificate and key PEM that belong together. Whether the CA
// signed the member's certificate is the peers' check (libtorrent's TLS handshake), not this
// one. False, naming the setting and the file, when any of it is missing or bad.
bool LoadGroupCredentials(const EngineOptions& options, GroupCredentials* out, std::string* error);

}  // namespace shoal::engine
