// Fuzz target: untrusted .torrent bytes (a sidecar fetched from the CDN, metainfo handed to
// the API) through engine::ReadMetainfo, the one parser every metainfo passes before the
// engine uses it, and through engine::GroupMetainfo (Group mode's rewrite). Either an error
// with a message, or a summary that holds together, and a group torrent of the same content.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "engine/metainfo.h"

namespace {

const shoal::engine::MetainfoSummary* g_summary = nullptr;

#define Check(ok) CheckAt(ok, #ok)
void CheckAt(bool ok, const char* what) {
  if (ok) return;
  if (g_summary != nullptr) {
    std::fprintf(stderr, "summary: name '%s' size %llu files %d pieces %d x %d hash %s v1 %s\n",
                 g_summary->name.c_str(), static_cast<unsigned long long>(g_summary->total_size),
                 g_summary->num_files, g_summary->num_pieces, g_summary->piece_length,
                 g_summary->info_hash.c_str(), g_summary->info_hash_v1.c_str());
  }
  std::fprintf(stderr, "check failed: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace engine = shoal::engine;
  const std::string torrent(reinterpret_cast<const char*>(data), size);
  engine::MetainfoSummary summary;
  std::string error;
  g_summary = &summary;
  if (shoal::hr::Failed(engine::ReadMetainfo(torrent, &summary, &error))) {
    Check(!error.empty());
    return 0;
  }
  Check(summary.piece_length > 0 && summary.num_files >= 0);
  // The payload fits in its pieces (the summed file sizes did not wrap around).
  Check(static_cast<unsigned __int128>(summary.total_size) <=
        static_cast<unsigned __int128>(summary.num_pieces) *
            static_cast<unsigned>(summary.piece_length));
  Check(summary.info_hash.size() == 64 || summary.info_hash == summary.info_hash_v1);
  Check(summary.info_hash_v1.empty() ? summary.info_hash.size() == 64
                                     : summary.info_hash_v1.size() == 40);
  // Group mode: the group torrent of metainfo the engine reads is refused or describes the
  // same content, and the rewrite is idempotent.
  std::string group, again;
  if (shoal::hr::Failed(engine::GroupMetainfo(torrent, "g", "ca", &group, &error))) {
    Check(!error.empty());  // an ambiguous info dictionary: refused, never another content
    return 0;
  }
  engine::MetainfoSummary g;
  Check(shoal::hr::Succeeded(engine::ReadMetainfo(group, &g, &error)));
  Check(g.total_size == summary.total_size && g.num_pieces == summary.num_pieces &&
        g.piece_length == summary.piece_length);
  Check(shoal::hr::Succeeded(engine::GroupMetainfo(group, "g", "ca", &again, &error)) &&
        again == group);
  return 0;
}
