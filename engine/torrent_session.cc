#include "engine/torrent_session.h"

#include <netdb.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <libtorrent/add_torrent_params.hpp>
#include <libtorrent/alert_types.hpp>
#include <libtorrent/announce_entry.hpp>
#include <libtorrent/error_code.hpp>
#include <libtorrent/ip_filter.hpp>
#include <libtorrent/peer_info.hpp>
#include <libtorrent/posix_disk_io.hpp>
#include <libtorrent/read_resume_data.hpp>
#include <libtorrent/session.hpp>
#include <libtorrent/session_params.hpp>
#include <libtorrent/settings_pack.hpp>
#include <libtorrent/torrent_handle.hpp>
#include <libtorrent/torrent_info.hpp>
#include <libtorrent/torrent_status.hpp>
#include <libtorrent/write_resume_data.hpp>
#include <set>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "engine/download_mode.h"
#include "engine/group_mode.h"
#include "engine/log.h"
#include "engine/metainfo.h"

namespace shoal::engine {
namespace {

// The piece priorities of a job file's torrent with byte ranges: only the pieces holding a
// wanted byte of the (single) payload file are downloaded. Empty ranges: every piece.
std::vector<lt::download_priority_t> RangePriorities(const lt::torrent_info& info,
                                                     const std::vector<ByteRange>& ranges) {
  const lt::file_storage& fs = info.files();
  std::vector<lt::download_priority_t> out(
      static_cast<std::size_t>(info.num_pieces()),
      ranges.empty() ? lt::default_priority : lt::dont_download);
  const std::int64_t piece_length = info.piece_length();
  for (lt::file_index_t f : fs.file_range()) {
    if (fs.pad_file_at(f)) continue;
    const std::int64_t base = fs.file_offset(f);
    const auto size = static_cast<std::uint64_t>(fs.file_size(f));
    for (const ByteRange& r : ranges) {
      if (r.length == 0 || r.offset >= size) continue;
      const std::int64_t begin = base + static_cast<std::int64_t>(r.offset);
      const std::int64_t end =
          begin + static_cast<std::int64_t>(std::min(r.length, size - r.offset));
      for (std::int64_t p = begin / piece_length; p * piece_length < end; ++p) {
        out[static_cast<std::size_t>(p)] = lt::default_priority;
      }
    }
  }
  return out;
}

using sp = lt::settings_pack;
constexpr int kBlockSize = 16 * 1024;

// "host:port" -> endpoints (numeric resolution; names through getaddrinfo).
std::vector<lt::tcp::endpoint> Resolve(const std::string& host, const std::string& port) {
  std::vector<lt::tcp::endpoint> out;
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(host.c_str(), port.c_str(), &hints, &res) != 0) return out;
  for (addrinfo* a = res; a != nullptr; a = a->ai_next) {
    lt::error_code ec;
    lt::address addr;
    char buf[INET6_ADDRSTRLEN] = {};
    if (a->ai_family == AF_INET) {
      inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr, buf, sizeof buf);
    } else if (a->ai_family == AF_INET6) {
      inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr, buf, sizeof buf);
    } else {
      continue;
    }
    addr = lt::make_address(buf, ec);
    if (!ec) out.emplace_back(addr, static_cast<std::uint16_t>(std::stoi(port)));
  }
  freeaddrinfo(res);
  return out;
}

// Splits "host:port" or "[v6]:port".
bool SplitHostPort(const std::string& s, std::string* host, std::string* port) {
  const auto colon = s.rfind(':');
  if (colon == std::string::npos || colon + 1 == s.size()) return false;
  *host = s.substr(0, colon);
  *port = s.substr(colon + 1);
  if (host->size() >= 2 && host->front() == '[' && host->back() == ']') {
    *host = host->substr(1, host->size() - 2);
  }
  return !host->empty();
}

// RFC 7919's ffdhe2048 group, a published constant: libtorrent's TLS context wants DH
// parameters with every certificate (an empty one posts a torrent error); TLS 1.3 keys by
// ECDHE and never uses them.
constexpr const char* kDhParams =
    "-----BEGIN DH PARAMETERS-----\n"
    "MIIBCAKCAQEA//////////+t+FRYortKmq/cViAnPTzx2LnFg84tNpWp4TZBFGQz\n"
    "+8yTnc4kmz75fS/jY2MMddj2gbICrsRhetPfHtXV/WVhJDP1H18GbtCFY2VVPe0a\n"
    "87VXE15/V8k1mE8McODmi3fipona8+/och3xWKE2rec1MKzKT0g6eXq8CrGCsyT7\n"
    "YdEIqUuyyOP7uWrat2DX9GgdT0Kj3jlN9K5W7edjcrsZCwenyO4KbXCeAvzhzffi\n"
    "7MA0BM0oNC9hkXL+nOmFg/+OTxIy7vKBg8P+OxtMb61zO7X8vC7CIAXFjvGDfRaD\n"
    "ssbzSibBsu/6iGtCOGEoXJf//////////wIBAg==\n"
    "-----END DH PARAMETERS-----\n";

hr::HResult FromLt(const lt::error_code& ec) {
  if (ec.category() == lt::http_category()) return hr::HttpError(ec.value());
  if (ec.category() == boost::system::generic_category() ||
      ec.category() == boost::system::system_category()) {
    if (ec.value() == ECONNREFUSED) return hr::kInternetCannotConnect;
    if (ec.value() == ECONNRESET) return hr::kInternetConnectionReset;
    if (ec.value() == ETIMEDOUT) return hr::kInternetTimeout;
    return hr::FromErrno(ec.value());
  }
  return hr::kFail;
}

}  // namespace

class TorrentSession::Impl {
 public:
  struct Entry {
    lt::torrent_handle handle;
    std::shared_ptr<const lt::torrent_info> info;
    // Handed over with AddPiece, not yet verified: whether the cache node sent it.
    std::unordered_map<int, bool> cdn_pieces;
    bool checked = false;    // pieces verified before this were on disk already: no one's bytes
    int download_limit = 0;  // bytes/s, 0 = none
    bool removing = false;
    bool file_error = false;  // a disk error stopped it: re-check what is on disk on resume
    // Disk errors from before the last such resume are stale (the aftermath of what stopped
    // it, popped late): they must not fail the job again.
    lt::time_point errors_since{};
    bool from_resume = false;  // added with resume data libtorrent has not rejected
    bool seed_mode = false;
    // When each connected peer was first seen past its handshake (Poll's settle time).
    std::map<lt::tcp::endpoint, lt::time_point> past_handshake;
  };

  EngineOptions options;
  // Group mode (download_mode 2): every torrent is the group's SSL torrent, and the session
  // listens on an SSL socket only, so no plain connection carries group content.
  bool group = false;
  GroupCredentials credentials;
  // The session starts on a thread of its own (`starter`): libtorrent's start-up (its
  // threads, the system's CA store for HTTPS trackers) takes tens of milliseconds that a plain
  // HTTP job, or the fetch of a sidecar, need not wait for. Session() waits for it; `started`
  // says, without waiting, whether it is there.
  std::unique_ptr<lt::session> session;
  std::string start_error;  // set, with session null, when it could not start
  std::thread starter;
  std::atomic<bool> started{false};
  lt::session* Session() {
    if (starter.joinable()) starter.join();
    return session.get();
  }
  bool Started() const { return started.load(std::memory_order_acquire) || !starter.joinable(); }
  std::vector<lt::tcp::endpoint> peers;
  // DODownloadMode: the session's IP filter (peers and trackers), and the hosts it lets
  // through beside the local network (configured peers and trackers, each job's origin).
  lt::ip_filter filter;
  std::set<lt::address> allowed;
  void Allow(const std::string& host);
  std::unordered_map<int, Entry> entries;
  std::unordered_map<lt::torrent_handle, int> by_handle;
  int next_key = 0;
  SourceBytes totals;              // every torrent's bytes as its events carry them, for Totals()
  std::vector<int> orphan_resume;  // SaveResume for keys gone: answered with no data
  std::uint64_t connections_made = 0;

  Entry* Find(int key) {
    auto it = entries.find(key);
    return it == entries.end() ? nullptr : &it->second;
  }
  int KeyOf(const lt::torrent_handle& h) const {
    auto it = by_handle.find(h);
    return it == by_handle.end() ? -1 : it->second;
  }
  void Translate(lt::alert* a, std::vector<TorrentEvent>* out);
};

void TorrentSession::Impl::Allow(const std::string& host) {
  if (host.empty() || !DownloadModeAllowsPeers(options.download_mode)) return;
  bool changed = false;
  for (const auto& ep : Resolve(host, "0")) {
    changed = allowed.insert(ep.address()).second || changed;
  }
  if (!changed) return;
  for (const lt::address& a : allowed) filter.add_rule(a, a, 0);
  if (session) session->set_ip_filter(filter);
}

std::unique_ptr<TorrentSession> TorrentSession::Create(const EngineOptions& options,
                                                       std::function<void()> wakeup,
                                                       std::string* error) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  if (!IsKnownDownloadMode(options.download_mode)) {
    *error = "download mode " + std::to_string(options.download_mode) +
             " is not supported (0 HTTP only, 1 LAN, 2 Group, 99 Simple, 100 Bypass)";
    return nullptr;
  }
  const bool p2p = DownloadModeAllowsPeers(options.download_mode);
  impl->group = options.download_mode == kDownloadModeGroup;
  if (impl->group && !LoadGroupCredentials(options, &impl->credentials, error)) return nullptr;
  if (!p2p) impl->options.peers.clear();
  if (!p2p) impl->options.trackers.clear();
  // Everything blocked, then the local network opened (a later rule wins where they overlap).
  impl->filter.add_rule(lt::make_address("0.0.0.0"), lt::make_address("255.255.255.255"),
                        lt::ip_filter::blocked);
  impl->filter.add_rule(lt::make_address("::"),
                        lt::make_address("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
                        lt::ip_filter::blocked);
  if (p2p) {
    for (const auto& [first, last] : LocalNetworkRanges()) {
      impl->filter.add_rule(lt::make_address(first), lt::make_address(last), 0);
    }
  }
  for (const auto& t : impl->options.trackers) impl->Allow(UrlHost(t));
  for (const auto& p : impl->options.peers) {
    std::string host, port;
    if (!SplitHostPort(p, &host, &port)) {
      *error = "bad peer address '" + p + "' (want host:port)";
      return nullptr;
    }
    auto eps = Resolve(host, port);
    if (eps.empty()) {
      *error = "cannot resolve peer '" + p + "'";
      return nullptr;
    }
    impl->peers.insert(impl->peers.end(), eps.begin(), eps.end());
    impl->Allow(host);
  }

  lt::settings_pack p;
  p.set_str(sp::user_agent, "shoal/0.1");
  p.set_str(sp::peer_fingerprint, "-SH0100-");
  // "ip:port" + "s": libtorrent's SSL listen socket, the only one in Group mode (LSD then
  // announces its port).
  p.set_str(sp::listen_interfaces, options.listen_interface + (impl->group ? "s" : ""));
  std::string outgoing = options.outgoing_interface;
  if (outgoing.empty()) {
    std::string host, port;
    if (SplitHostPort(options.listen_interface, &host, &port) && host != "0.0.0.0" &&
        host != "::") {
      outgoing = host;
    }
  }
  p.set_str(sp::outgoing_interfaces, outgoing);
  // Nothing reaches outward unless asked: no DHT, UPnP, NAT-PMP; LSD on the LAN (decision
  // 0010): on by default where the mode allows peers, never on a loopback-only listen.
  p.set_bool(sp::enable_dht, false);
  p.set_str(sp::dht_bootstrap_nodes, "");
  p.set_bool(sp::enable_upnp, false);
  p.set_bool(sp::enable_natpmp, false);
  p.set_bool(sp::enable_lsd,
             LsdRuns(options.enable_lsd, options.download_mode, options.listen_interface));
  // Trackers, a metainfo file's included, reach only what the download mode allows.
  p.set_bool(sp::apply_ip_filter_to_trackers, true);
  // uTP is far slower than TCP on a LAN (libtorrent-notes §2).
  p.set_bool(sp::enable_outgoing_utp, false);
  p.set_bool(sp::enable_incoming_utp, false);
  // Several peers share one address only on loopback (tests, loopback simulations). Elsewhere
  // one connection per address: libtorrent then settles two peers dialling each other at
  // once (both hear each other's LSD announce) by one rule on both ends; allowing several,
  // each end dropped its incoming connection once the other's listen port was known, which
  // was the other's outgoing one, and the pair stayed apart for a minute (measured in the
  // emulated site, 1 run in ~10: Lan.GroupGivesAPeerWithoutACertificateNothing).
  p.set_bool(sp::allow_multiple_connections_per_ip,
             ListensOnLoopbackOnly(options.listen_interface));
  p.set_int(sp::alert_mask, lt::alert_category::status | lt::alert_category::error |
                                lt::alert_category::storage | lt::alert_category::piece_progress |
                                lt::alert_category::file_progress | lt::alert_category::peer |
                                lt::alert_category::upload | lt::alert_category::connect);
  p.set_int(sp::alert_queue_size, 200000);
  p.set_int(sp::max_queued_disk_bytes, 8 << 20);
  // Every peer that asks is served (DO has no tit-for-tat; max_upload_kbps caps the bytes):
  // libtorrent's 8 unchoke slots are per session, so a fleet machine with a torrent per .deb
  // left most of its site's connections choked, their pieces in sight but out of reach, and
  // the cache node would serve them again (decision 0015).
  p.set_int(sp::unchoke_slots_limit, -1);
  // A peer whose connection failed is dialled again after this many seconds times its
  // failures (up to max_failcount, 3), not a minute: on a LAN the usual failure is a
  // transient one (two peers that dialled each other at once both dropping the pair, a peer
  // not started yet), and a minute is longer than most transfers.
  p.set_int(sp::min_reconnect_time, 1);

  Impl* raw = impl.get();
  raw->starter = std::thread([raw, p = std::move(p), wakeup = std::move(wakeup)]() mutable {
    lt::session_params params(std::move(p));
    params.disk_io_constructor = lt::posix_disk_io_constructor;
    try {
      raw->session = std::make_unique<lt::session>(std::move(params));
    } catch (const std::exception& e) {
      raw->start_error = std::string("cannot start the BitTorrent session: ") + e.what();
      raw->started.store(true, std::memory_order_release);
      return;
    }
    // DOMaxUploadBandwidth: LAN and loopback peers sit in the local class, which the global
    // rate limit does not reach (libtorrent-notes §3), so both classes get the limit.
    if (raw->options.max_upload_kbps > 0) {
      for (lt::peer_class_t c :
           {lt::session::global_peer_class_id, lt::session::local_peer_class_id}) {
        lt::peer_class_info info = raw->session->get_peer_class(c);
        info.upload_limit = static_cast<int>(raw->options.max_upload_kbps * 1024);
        raw->session->set_peer_class(c, info);
      }
    }
    raw->session->set_ip_filter(raw->filter);
    raw->session->set_alert_notify(std::move(wakeup));
    // Ready once it listens (bounded, for an address that cannot be had): a torrent added
    // before would announce to its trackers with no port to give, and that failed announce
    // would make the job lone before the tracker named any peer.
    for (int i = 0; i < 200 && !raw->session->is_listening(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    raw->started.store(true, std::memory_order_release);
  });
  return std::unique_ptr<TorrentSession>(new TorrentSession(std::move(impl)));
}

TorrentSession::TorrentSession(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

TorrentSession::~TorrentSession() {
  if (impl_->Session() != nullptr) {
    impl_->session->set_alert_notify([] {});
    lt::session_proxy proxy = impl_->session->abort();
    impl_->session.reset();
  }
}

std::string TorrentSession::ListenEndpoint() const {
  std::string host, port;
  SplitHostPort(impl_->options.listen_interface, &host, &port);
  if (host == "0.0.0.0" || host.empty()) host = "127.0.0.1";
  lt::session* session = impl_->Session();
  if (session == nullptr) return "";
  return host + ":" +
         std::to_string(impl_->group ? session->ssl_listen_port() : session->listen_port());
}

hr::HResult TorrentSession::Add(const AddParams& params, int* key, TorrentLayout* layout,
                                std::string* error) {
  if (impl_->Session() == nullptr) {
    *error = impl_->start_error;
    return hr::kFail;
  }
  lt::error_code ec;
  std::string group_metainfo;
  if (impl_->group) {
    const hr::HResult h = GroupMetainfo(params.metainfo, impl_->credentials.id,
                                        impl_->credentials.ca_pem, &group_metainfo, error);
    if (hr::Failed(h)) return h;
  }
  const std::string& metainfo = impl_->group ? group_metainfo : params.metainfo;
  auto info = std::make_shared<lt::torrent_info>(
      lt::span<const char>(metainfo.data(), static_cast<long>(metainfo.size())), ec, lt::from_span);
  if (ec) {
    *error = "corrupt metainfo: " + ec.message();
    return hr::kInvalidData;
  }
  if (!info->is_valid() || info->num_pieces() <= 0) {  // as ReadMetainfo: nothing described
    *error = "corrupt metainfo: it describes no file";
    return hr::kInvalidData;
  }
  const lt::file_storage& fs = info->files();
  int payload_files = 0;
  for (lt::file_index_t f : fs.file_range()) payload_files += fs.pad_file_at(f) ? 0 : 1;
  if (params.job_file >= 0 && payload_files != 1) {
    *error = "metainfo describes " + std::to_string(payload_files) +
             " files; a job file needs metainfo for exactly one";
    return hr::kInvalidData;
  }
  if (impl_->session->find_torrent(info->info_hashes().get_best()).is_valid()) {
    *error = "this content is already being transferred by this engine";
    return hr::kAlreadyExists;
  }

  lt::add_torrent_params atp;
  bool from_resume = false;
  if (!params.resume.empty()) {
    atp = lt::read_resume_data(
        lt::span<const char>(params.resume.data(), static_cast<long>(params.resume.size())), ec);
    if (ec || atp.info_hashes != info->info_hashes()) {  // unreadable, or another torrent's
      Logf(LogLevel::kInfo, "torrent", "resume data for %s/%s is %s; checking the file instead",
           params.save_dir.c_str(), params.file_name.c_str(),
           ec ? ("unreadable (" + ec.message() + ")").c_str() : "another torrent's");
      atp = lt::add_torrent_params();
      ec.clear();
    } else {
      from_resume = true;
    }
  }
  atp.ti = info;
  atp.flags &= ~lt::torrent_flags::seed_mode;
  atp.trackers = impl_->options.trackers;  // the engine's, not those of the saved run
  atp.tracker_tiers.clear();
  // The metainfo's own trackers stay, behind the IP filter; none at all without peers.
  if (!DownloadModeAllowsPeers(impl_->options.download_mode)) info->clear_trackers();
  impl_->Allow(UrlHost(params.origin_url));
  atp.save_path = params.save_dir;
  // The CDN is fetched by the engine piece by piece (AddPiece), never by libtorrent.
  atp.url_seeds.clear();
  info->set_web_seeds({});
  atp.flags &= ~lt::torrent_flags::auto_managed;
  atp.flags &= ~lt::torrent_flags::paused;
  // Group mode: the torrent starts once its certificate is set (below). Started at once, it
  // announced itself by LSD and took and made connections with no certificate, which failed
  // the TLS handshake ("peer did not return a certificate"), and libtorrent waits
  // min_reconnect_time before it dials such a peer again: two members on a loaded machine
  // fetched everything from the CDN (Lan.GroupGivesAPeerWithoutACertificateNothing).
  if (impl_->group) atp.flags |= lt::torrent_flags::paused;
  if (params.seed_mode) atp.flags |= lt::torrent_flags::seed_mode;
  // Serve only: never download, so a file that changed on disk (a user's, after Complete) is
  // served for the pieces still good and never "repaired" from peers. Not auto-managed, so
  // libtorrent never leaves upload mode by itself.
  // Resume data carries the flags of its last run (libtorrent sets upload mode itself on a
  // disk error): a job's torrent downloads again, one that is not a job's only serves.
  atp.flags &= ~lt::torrent_flags::upload_mode;
  if (params.job_file < 0) atp.flags |= lt::torrent_flags::upload_mode;
  layout->piece_length = static_cast<std::uint64_t>(info->piece_length());
  layout->files.clear();
  for (lt::file_index_t f : fs.file_range()) {
    const bool pad = fs.pad_file_at(f);
    if (!pad && !params.file_name.empty()) {
      atp.renamed_files[f] = params.file_name;
    }
    layout->files.push_back(
        {static_cast<std::uint64_t>(fs.file_size(f)), pad ? -1 : params.job_file});
  }
  // Byte ranges: only the pieces holding a wanted byte are downloaded (resume data's own
  // priorities give way to the job's).
  atp.piece_priorities.clear();
  if (!params.ranges.empty() && params.job_file >= 0) {
    atp.piece_priorities = RangePriorities(*info, params.ranges);
  }
  lt::torrent_handle h = impl_->session->add_torrent(std::move(atp), ec);
  if (ec) {
    *error = "cannot add torrent: " + ec.message();
    return hr::FromErrno(ec.value());
  }
  const int k = impl_->next_key++;
  Impl::Entry& e = impl_->entries[k];
  e.handle = h;
  e.info = info;
  e.from_resume = from_resume;
  e.seed_mode = params.seed_mode;
  impl_->by_handle[h] = k;
  if (impl_->group) {
    // The member's certificate, for the TLS handshake with every peer of this torrent.
    h.set_ssl_certificate_buffer(impl_->credentials.cert_pem, impl_->credentials.key_pem,
                                 kDhParams);
    h.resume();  // after the certificate: both run on libtorrent's thread in this order
  }
  for (const auto& ep : impl_->peers) h.connect_peer(ep);
  *key = k;
  return hr::kOk;
}

bool TorrentSession::AddPiece(int key, int piece, const std::string& data, bool from_cache) {
  Impl::Entry* e = impl_->Find(key);
  if (e == nullptr || e->removing || piece < 0 || piece >= e->info->num_pieces() ||
      static_cast<int>(data.size()) != e->info->piece_size(lt::piece_index_t(piece))) {
    return false;
  }
  e->cdn_pieces[piece] = from_cache;
  // The CDN's piece replaces blocks peers sent for it: a lying peer's blocks mixed in would
  // fail the CDN's answer too (the hash check still judges the CDN).
  e->handle.add_piece(lt::piece_index_t(piece), data.data(),
                      lt::torrent_handle::overwrite_existing);
  return true;
}

bool TorrentSession::GetPieceStatus(int key, PieceStatus* out) {
  Impl::Entry* e = impl_->Find(key);
  if (e == nullptr || e->removing) return false;
  e->handle.piece_availability(out->availability);
  out->availability.resize(static_cast<std::size_t>(e->info->num_pieces()), 0);
  out->downloading.assign(out->availability.size(), false);
  std::vector<lt::peer_info> peers;
  e->handle.get_peer_info(peers);
  out->self.clear();
  out->peers.clear();
  for (const auto& p : peers) {
    if (out->self.empty()) out->self = p.local_endpoint.address().to_string();
    out->peers.push_back(p.ip.address().to_string());
  }
  std::vector<lt::partial_piece_info> queue;
  e->handle.get_download_queue(queue);
  for (const auto& p : queue) {
    const auto i = static_cast<std::size_t>(static_cast<int>(p.piece_index));
    if (i < out->downloading.size()) out->downloading[i] = true;
  }
  return true;
}

// A torrent being removed may be gone from libtorrent already (its handle then throws
// "invalid torrent handle used", seen under TSan in SwarmTest.CompleteBeforeTransferred...):
// every call on a handle skips it, as the others above do.
void TorrentSession::SetRanges(int key, const std::vector<ByteRange>& ranges) {
  Impl::Entry* e = impl_->Find(key);
  if (e != nullptr && !e->removing) e->handle.prioritize_pieces(RangePriorities(*e->info, ranges));
}

void TorrentSession::Pause(int key) {
  Impl::Entry* e = impl_->Find(key);
  if (e != nullptr && !e->removing) e->handle.pause();
}

void TorrentSession::Resume(int key) {
  if (Impl::Entry* e = impl_->Find(key); e != nullptr && !e->removing) {
    if (e->file_error) {
      // A full disk left pieces half-written that libtorrent may count as in progress
      // forever: clear the error and let a re-check say what the file really holds.
      e->file_error = false;
      e->errors_since = lt::clock_type::now();
      e->handle.clear_error();
      e->handle.force_recheck();
    }
    e->handle.resume();
  }
}

void TorrentSession::SaveResume(int key) {
  Impl::Entry* e = impl_->Find(key);
  if (e == nullptr || e->removing) {
    impl_->orphan_resume.push_back(key);  // answered (empty) with the next events
    return;
  }
  e->handle.save_resume_data();
}

void TorrentSession::WaitForEvents(int ms) {
  if (!impl_->orphan_resume.empty() || !impl_->Started() || !impl_->Session()) return;
  impl_->session->wait_for_alert(lt::milliseconds(ms));
}

void TorrentSession::Remove(int key) {
  Impl::Entry* e = impl_->Find(key);
  if (e == nullptr || e->removing) return;
  e->removing = true;
  impl_->session->remove_torrent(e->handle);
}

void TorrentSession::ReconnectPeers(int key) {
  Impl::Entry* e = impl_->Find(key);
  if (e == nullptr || e->removing) return;
  for (const auto& ep : impl_->peers) e->handle.connect_peer(ep);
}

void TorrentSession::ConnectPeers(int key, const std::vector<std::string>& endpoints) {
  Impl::Entry* e = impl_->Find(key);
  if (e == nullptr || e->removing) return;
  for (const std::string& text : endpoints) {
    std::string host, port;
    if (!SplitHostPort(text, &host, &port)) continue;
    lt::error_code ec;
    const lt::address addr = lt::make_address(host, ec);
    unsigned long p = 0;
    try {
      p = std::stoul(port);
    } catch (const std::exception&) {
      continue;
    }
    if (ec || p == 0 || p > 65535) continue;
    e->handle.connect_peer(lt::tcp::endpoint(addr, static_cast<std::uint16_t>(p)));
  }
}

void TorrentSession::SetDownloadLimit(int key, int bytes_per_s) {
  Impl::Entry* e = impl_->Find(key);
  if (e == nullptr || e->removing || e->download_limit == bytes_per_s) return;
  e->download_limit = bytes_per_s;
  // The torrent's own peer class: it binds every peer of the torrent, LAN peers included.
  e->handle.set_download_limit(bytes_per_s > 0 ? bytes_per_s : -1);
}

EngineStats TorrentSession::Totals() {
  EngineStats s;
  s.bytes = impl_->totals;
  s.peer_connections_made = impl_->connections_made;
  for (auto& [key, e] : impl_->entries) {
    ++s.torrents;
    if (e.removing) continue;
    std::vector<lt::peer_info> peers;
    e.handle.get_peer_info(peers);
    s.peer_connections += static_cast<std::uint32_t>(peers.size());
  }
  return s;
}

TorrentStats TorrentSession::Poll(int key) {
  TorrentStats s;
  Impl::Entry* e = impl_->Find(key);
  if (e == nullptr || e->removing) return s;
  std::vector<lt::peer_info> peers;
  e->handle.get_peer_info(peers);
  // A peer past its handshake whose pieces are not in after this long has none to report.
  constexpr auto kSettle = std::chrono::milliseconds(250);
  const lt::time_point now = lt::clock_type::now();
  std::map<lt::tcp::endpoint, lt::time_point> past_handshake;
  for (const auto& p : peers) {
    s.peer_rate_bytes_s += p.payload_down_speed;
    ++s.peers;
    if (p.flags & lt::peer_info::connecting) continue;
    if (p.flags & lt::peer_info::handshake) {
      ++s.unsettled;
      continue;
    }
    const auto seen = e->past_handshake.find(p.ip);
    const lt::time_point since = seen == e->past_handshake.end() ? now : seen->second;
    past_handshake.emplace(p.ip, since);
    const bool reported = (p.flags & lt::peer_info::seed) || p.num_pieces > 0;
    ++(reported || now - since >= kSettle ? s.settled : s.unsettled);
  }
  e->past_handshake.swap(past_handshake);
  bool trackers = false, answered = false;
  for (const lt::announce_entry& t : e->handle.trackers()) {
    trackers = true;
    for (const lt::announce_endpoint& ep : t.endpoints) {
      for (const lt::announce_infohash& ih : ep.info_hashes) {
        answered = answered || ih.start_sent || ih.fails > 0;
      }
    }
  }
  s.trackers = trackers;
  s.announcing = trackers && !answered;
  s.discovering = s.announcing || e->handle.status({}).list_peers > s.peers;
  return s;
}

void TorrentSession::PopEvents(std::vector<TorrentEvent>* out) {
  // Before the session is up there is no torrent, so nothing to report but orphans.
  if (impl_->Started() && impl_->Session() != nullptr) {
    std::vector<lt::alert*> alerts;
    impl_->session->pop_alerts(&alerts);
    for (lt::alert* a : alerts) impl_->Translate(a, out);
  }
  for (int key : impl_->orphan_resume) out->push_back({TorrentEvent::Kind::kResumeData, key});
  impl_->orphan_resume.clear();
}

void TorrentSession::Impl::Translate(lt::alert* a, std::vector<TorrentEvent>* out) {
  using Kind = TorrentEvent::Kind;
  // Who connected, who was refused and why: at debug level (SHOAL_LOG_LEVEL=debug).
  if ((a->category() & (lt::alert_category::connect | lt::alert_category::peer)) &&
      a->type() != lt::block_uploaded_alert::alert_type && LogEnabled(LogLevel::kDebug)) {
    Logf(LogLevel::kDebug, "torrent", "%s", a->message().c_str());
  }
  if (auto* b = lt::alert_cast<lt::block_uploaded_alert>(a)) {
    const int key = KeyOf(b->handle);
    Entry* e = Find(key);
    if (e == nullptr) return;
    const int piece_size = e->info->piece_size(b->piece_index);
    const int bytes = std::min(kBlockSize, piece_size - b->block_index * kBlockSize);
    if (bytes <= 0) return;
    TorrentEvent ev{Kind::kUploaded, key};
    ev.bytes.to_peers = static_cast<std::uint64_t>(bytes);
    totals += ev.bytes;
    out->push_back(std::move(ev));
    return;
  }
  if (lt::alert_cast<lt::peer_connect_alert>(a) != nullptr) {
    ++connections_made;
    return;
  }
  if (auto* p = lt::alert_cast<lt::piece_finished_alert>(a)) {
    const int key = KeyOf(p->handle);
    const int piece = static_cast<int>(p->piece_index);
    TorrentEvent ev{Kind::kPieceVerified, key, piece};
    if (Entry* e = Find(key); e != nullptr && e->checked) {
      // A verified piece counts once, for the source that supplied it; rejected bytes (a
      // corrupt peer, a redundant copy) count for no one.
      const auto bytes = static_cast<std::uint64_t>(e->info->piece_size(p->piece_index));
      const auto http = e->cdn_pieces.find(piece);
      if (http == e->cdn_pieces.end()) {
        ev.bytes.from_peers = bytes;
      } else {
        (http->second ? ev.bytes.from_cache_server : ev.bytes.from_http) = bytes;
        e->cdn_pieces.erase(http);
      }
      totals += ev.bytes;
    }
    out->push_back(std::move(ev));
    return;
  }
  if (auto* h = lt::alert_cast<lt::hash_failed_alert>(a)) {
    if (Entry* e = Find(KeyOf(h->handle))) e->cdn_pieces.erase(static_cast<int>(h->piece_index));
    out->push_back({Kind::kPieceFailed, KeyOf(h->handle), static_cast<int>(h->piece_index)});
    return;
  }
  if (auto* c = lt::alert_cast<lt::torrent_checked_alert>(a)) {
    const int key = KeyOf(c->handle);
    Entry* e = Find(key);
    if (e == nullptr) return;
    e->checked = true;
    // Pieces already on disk (seeding, or a temp file that survived) are reported here, whether
    // or not the check posted piece alerts for them; those counted for no source.
    lt::torrent_status st = c->handle.status(lt::torrent_handle::query_pieces);
    TorrentEvent checked{Kind::kChecked, key};
    checked.pieces_total = e->info->num_pieces();
    checked.from_resume = e->from_resume;
    checked.hashed = !e->from_resume && !e->seed_mode;
    for (int i = 0; i < st.pieces.size(); ++i) {
      if (!st.pieces.get_bit(lt::piece_index_t(i))) continue;
      ++checked.pieces_have;
      out->push_back({Kind::kPieceVerified, key, i});
    }
    out->push_back(std::move(checked));
    return;
  }
  if (auto* r = lt::alert_cast<lt::save_resume_data_alert>(a)) {
    TorrentEvent ev{Kind::kResumeData, KeyOf(r->handle)};
    const std::vector<char> buf = lt::write_resume_data_buf(r->params);
    ev.data.assign(buf.begin(), buf.end());
    out->push_back(std::move(ev));
    return;
  }
  if (auto* r = lt::alert_cast<lt::save_resume_data_failed_alert>(a)) {
    out->push_back({Kind::kResumeData, KeyOf(r->handle)});
    return;
  }
  if (auto* r = lt::alert_cast<lt::fastresume_rejected_alert>(a)) {
    // The file does not match the resume data: libtorrent checks it instead.
    if (Entry* e = Find(KeyOf(r->handle))) e->from_resume = false;
    Logf(LogLevel::kInfo, "torrent", "%s; checking the file instead", r->message().c_str());
    return;
  }
  if (auto* r = lt::alert_cast<lt::torrent_removed_alert>(a)) {
    const int key = KeyOf(r->handle);
    if (key < 0) return;
    by_handle.erase(r->handle);
    entries.erase(key);
    out->push_back({Kind::kRemoved, key});
    return;
  }
  if (auto* t = lt::alert_cast<lt::torrent_error_alert>(a)) {
    Entry* e = Find(KeyOf(t->handle));
    if (e != nullptr && t->timestamp() < e->errors_since) return;
    if (e != nullptr) e->file_error = true;
    out->push_back({Kind::kError, KeyOf(t->handle), -1, FromLt(t->error), ErrorContext::kLocalFile,
                    t->message()});
    return;
  }
  if (auto* f = lt::alert_cast<lt::file_error_alert>(a)) {
    Entry* e = Find(KeyOf(f->handle));
    if (e != nullptr && f->timestamp() < e->errors_since) return;
    if (e != nullptr) e->file_error = true;
    out->push_back({Kind::kError, KeyOf(f->handle), -1, FromLt(f->error), ErrorContext::kLocalFile,
                    f->message()});
    return;
  }
}

}  // namespace shoal::engine
