#include "engine/metainfo.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <libtorrent/bdecode.hpp>
#include <libtorrent/bencode.hpp>
#include <libtorrent/create_torrent.hpp>
#include <libtorrent/entry.hpp>
#include <libtorrent/hasher.hpp>
#include <libtorrent/torrent_info.hpp>
#include <memory>
#include <vector>

namespace shoal::engine {
namespace {

int ChoosePieceSize(std::uint64_t size) {
  // 1-4 MiB pieces measured best here; smaller files get smaller pieces so the swarm has
  // enough pieces to trade (at least ~64 where possible).
  int piece = 16 * 1024;
  while (piece < (4 << 20) && size / piece > 256) piece *= 2;
  return piece;
}

}  // namespace

std::string ToHex(const std::string& bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

std::string Sha256(std::string_view bytes) {
  lt::hasher256 h;
  h.update(bytes.data(), static_cast<int>(bytes.size()));
  const lt::sha256_hash d = h.final();
  return std::string(d.data(), d.size());
}

hr::HResult Sha256File(const std::string& path, std::string* digest, std::string* error,
                       const std::atomic<bool>* cancel) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    *error = path + ": " + std::strerror(err);
    return hr::FromErrno(err);
  }
  lt::hasher256 h;
  std::vector<char> buf(1 << 20);
  for (;;) {
    if (cancel != nullptr && cancel->load()) {
      ::close(fd);
      *error = "cancelled";
      return hr::kFail;
    }
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      *error = path + ": " + std::strerror(err);
      return hr::FromErrno(err);
    }
    if (n == 0) break;
    h.update(buf.data(), static_cast<int>(n));
  }
  ::close(fd);
  const lt::sha256_hash d = h.final();
  digest->assign(d.data(), d.size());
  return hr::kOk;
}

hr::HResult CreateMetainfo(const MetainfoSpec& spec, std::string* torrent, std::string* error) {
  namespace fs = std::filesystem;
  std::error_code fec;
  const fs::path path = fs::absolute(spec.path, fec);
  if (fec || !fs::is_regular_file(path, fec)) {
    *error = spec.path + ": not a regular file";
    return hr::kFileNotFound;
  }
  const std::uint64_t size = fs::file_size(path, fec);
  if (fec || size == 0) {
    *error = spec.path + ": empty or unreadable file";
    return hr::kInvalidArg;
  }
  int piece = spec.piece_size > 0 ? spec.piece_size : ChoosePieceSize(size);
  if (piece < 16 * 1024 || (piece & (piece - 1)) != 0) {
    *error = "piece size must be a power of two of at least 16 KiB";
    return hr::kInvalidArg;
  }
  if (spec.v1_only && spec.v2_only) {
    *error = "v1-only and v2-only exclude each other";
    return hr::kInvalidArg;
  }
  try {
    lt::file_storage files;
    lt::add_files(files, path.string());
    const lt::create_torrent::flags_t flags = spec.v2_only   ? lt::create_torrent::v2_only
                                              : spec.v1_only ? lt::create_torrent::v1_only
                                                             : lt::create_torrent::flags_t{};
    lt::create_torrent ct(files, piece, flags);
    for (const auto& url : spec.web_seeds) ct.add_url_seed(url);
    int tier = 0;
    for (const auto& t : spec.trackers) ct.add_tracker(t, tier++);
    ct.set_creator("shoal");
    if (spec.deterministic) ct.set_creation_date(0);
    lt::error_code ec;
    lt::set_piece_hashes(ct, path.parent_path().string(), ec);
    if (ec) {
      *error = spec.path + ": " + ec.message();
      return hr::FromErrno(ec.value());
    }
    std::vector<char> buf = ct.generate_buf();
    torrent->assign(buf.begin(), buf.end());
    return hr::kOk;
  } catch (const std::exception& e) {
    *error = spec.path + ": " + e.what();
    return hr::kFail;
  }
}

hr::HResult GroupMetainfo(const std::string& metainfo, const std::string& group_id,
                          const std::string& ca_pem, std::string* out, std::string* error) {
  lt::error_code ec;
  const lt::bdecode_node root =
      lt::bdecode(lt::span<const char>(metainfo.data(), static_cast<long>(metainfo.size())), ec);
  if (ec || root.type() != lt::bdecode_node::dict_t ||
      root.dict_find_dict("info").type() != lt::bdecode_node::dict_t) {
    *error = "corrupt metainfo: " + (ec ? ec.message() : std::string("no info dictionary"));
    return hr::kInvalidData;
  }
  std::string group;
  try {
    lt::entry e(root);
    lt::entry& info = e["info"];  // a key given twice: possibly another "info", not a dict
    info["ssl-cert"] = ca_pem;    // throws then
    info["shoal-group"] = group_id;
    lt::bencode(std::back_inserter(group), e);
  } catch (const std::exception&) {
    group.clear();  // refused below
  }
  // Re-encoding normalises the dictionary (a key given twice keeps one value, where libtorrent
  // reads the other): the group torrent must describe exactly what the original does.
  const auto parse = [](const std::string& bytes) {
    lt::error_code pec;
    auto ti = std::make_shared<lt::torrent_info>(
        lt::span<const char>(bytes.data(), static_cast<long>(bytes.size())), pec, lt::from_span);
    return pec || !ti->is_valid() ? nullptr : ti;
  };
  const auto a = parse(metainfo), b = parse(group);
  bool same = a && b && a->num_pieces() == b->num_pieces() &&
              a->piece_length() == b->piece_length() && a->total_size() == b->total_size() &&
              a->files().num_files() == b->files().num_files() &&
              a->info_hashes().has_v1() == b->info_hashes().has_v1() &&
              a->info_hashes().has_v2() == b->info_hashes().has_v2();
  for (lt::piece_index_t i(0); same && a->info_hashes().has_v1() && i < a->end_piece(); ++i) {
    same = a->hash_for_piece(i) == b->hash_for_piece(i);
  }
  if (same) {
    for (lt::file_index_t f : a->files().file_range()) {
      same = same && a->files().file_size(f) == b->files().file_size(f) &&
             a->files().file_path(f) == b->files().file_path(f) &&
             a->files().file_flags(f) == b->files().file_flags(f) &&  // pad files: "attr"
             (!a->info_hashes().has_v2() || a->files().root(f) == b->files().root(f));
    }
  }
  if (!same) {
    *error =
        "corrupt metainfo: it cannot be made the group's torrent (an ambiguous or "
        "invalid info dictionary)";
    return hr::kInvalidData;
  }
  *out = std::move(group);
  return hr::kOk;
}

hr::HResult ReadMetainfo(const std::string& torrent, MetainfoSummary* out, std::string* error) {
  lt::error_code ec;
  lt::torrent_info ti(lt::span<const char>(torrent.data(), static_cast<long>(torrent.size())), ec,
                      lt::from_span);
  if (ec) {
    *error = "corrupt metainfo: " + ec.message();
    return hr::kInvalidData;
  }
  // libtorrent takes an info dictionary whose file list holds no file (and has no pieces) for
  // a torrent of nothing; no content is described.
  if (!ti.is_valid() || ti.num_pieces() <= 0) {
    *error = "corrupt metainfo: it describes no file";
    return hr::kInvalidData;
  }
  const lt::file_storage& fs = ti.files();
  out->name = ti.name();
  out->total_size = 0;
  out->num_files = 0;
  for (lt::file_index_t f : fs.file_range()) {
    if (fs.pad_file_at(f)) continue;
    out->total_size += static_cast<std::uint64_t>(fs.file_size(f));
    ++out->num_files;
  }
  out->num_pieces = ti.num_pieces();
  out->piece_length = ti.piece_length();
  const lt::info_hash_t ih = ti.info_hashes();
  out->info_hash = ih.has_v2() ? ToHex(ih.v2.to_string()) : ToHex(ih.v1.to_string());
  out->info_hash_v1 = ih.has_v1() ? ToHex(ih.v1.to_string()) : "";
  return hr::kOk;
}

}  // namespace shoal::engine
