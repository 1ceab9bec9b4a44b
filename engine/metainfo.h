// Creating and reading .torrent metainfo (v2/hybrid SHA-256 where shoal creates it; v1 from
// others is accepted). Thread-safe (pure functions over files and bytes).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/hresult.h"

namespace shoal::engine {

struct MetainfoSpec {
  std::string path;                    // the file to describe
  std::vector<std::string> web_seeds;  // BEP 19 URLs (the CDN copy)
  std::vector<std::string> trackers;
  int piece_size = 0;    // bytes; 0 = chosen from the file size (1-4 MiB)
  bool v2_only = false;  // default: hybrid (v1 + v2), readable by every client
  bool v1_only = false;  // v1 only: for clients that mishandle hybrids (aria2 1.36)
  // No creation date: the same file, name, piece size and seeds give the same bytes (the
  // cache node's metainfo, which every honest generator must reproduce).
  bool deterministic = false;
};

hr::HResult CreateMetainfo(const MetainfoSpec& spec, std::string* torrent, std::string* error);

struct MetainfoSummary {
  std::string name;
  std::uint64_t total_size = 0;  // payload bytes, pad files excluded
  int num_files = 0;
  int num_pieces = 0;
  int piece_length = 0;
  std::string info_hash;     // hex: v2 (SHA-256, 64 digits) when present, else v1 (40)
  std::string info_hash_v1;  // hex SHA-1 of the info dictionary (40); "" for v2-only metainfo
};

// Parses bencoded metainfo; E_INVALIDARG-class HRESULT (ERROR_INVALID_DATA) and a message if
// corrupt.
hr::HResult ReadMetainfo(const std::string& torrent, MetainfoSummary* out, std::string* error);

// Group mode's torrent for `metainfo` (decision 0011): the same info dictionary (files, piece
// length, piece hashes) with the group's CA certificate under "ssl-cert", which makes it an
// SSL torrent only the CA's members can trade, and the group's id under "shoal-group"; the
// rest (piece layers, trackers) kept. Deterministic: every member given the same metainfo,
// id and CA derives the same bytes, so the same info-hash, and pieces are still hash-checked.
// Idempotent (group metainfo of this group stays as it is). ERROR_INVALID_DATA if corrupt.
hr::HResult GroupMetainfo(const std::string& metainfo, const std::string& group_id,
                          const std::string& ca_pem, std::string* out, std::string* error);

// The SHA-256 of a whole file (32 raw bytes). Stops early, returning E_ABORT-like kFail, once
// `cancel` is set. A read error returns the errno's HRESULT and says why.
hr::HResult Sha256File(const std::string& path, std::string* digest, std::string* error,
                       const std::atomic<bool>* cancel = nullptr);
// The SHA-256 of `bytes` (32 raw bytes).
std::string Sha256(std::string_view bytes);
std::string ToHex(const std::string& bytes);

}  // namespace shoal::engine
