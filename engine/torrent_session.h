// The libtorrent adapter: one lt::session, its settings, torrents keyed by small integers,
// alerts turned into plain TorrentEvents, and bytes attributed to a source as each piece
// passes its hash check: the CDN for pieces the engine fetched and handed over with AddPiece
// (libtorrent's own web seed is not used; decision 0004), peers for the rest; rejected data
// counts for no one. The events carry the bytes; the engine keeps the per-job ledger. The only
// code that includes libtorrent besides metainfo.cc. Engine-thread only, except the wakeup.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/options.h"
#include "engine/swarm.h"

namespace shoal::engine {

class TorrentSession final : public Swarm {
 public:
  // `wakeup` is called from a libtorrent thread when alerts are waiting.
  static std::unique_ptr<TorrentSession> Create(const EngineOptions& options,
                                                std::function<void()> wakeup, std::string* error);
  ~TorrentSession() override;

  std::string ListenEndpoint() const override;
  hr::HResult Add(const AddParams& params, int* key, TorrentLayout* layout,
                  std::string* error) override;
  bool AddPiece(int key, int piece, const std::string& data, bool from_cache) override;
  bool GetPieceStatus(int key, PieceStatus* out) override;
  void SetRanges(int key, const std::vector<ByteRange>& ranges) override;
  void Pause(int key) override;
  void Resume(int key) override;
  void SaveResume(int key) override;
  void WaitForEvents(int ms) override;
  void Remove(int key) override;
  void ReconnectPeers(int key) override;
  void ConnectPeers(int key, const std::vector<std::string>& endpoints) override;
  TorrentStats Poll(int key) override;
  void SetDownloadLimit(int key, int bytes_per_s) override;
  EngineStats Totals() override;
  void PopEvents(std::vector<TorrentEvent>* out) override;

  class Impl;

 private:
  explicit TorrentSession(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace shoal::engine
