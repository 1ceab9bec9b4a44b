// `shoal status`: what the running `shoal get` and `shoal seed` processes of this user are
// doing, as Get-DeliveryOptimizationStatus lists a machine's transfers. Each such process keeps
// a small JSON report in the status folder, rewritten atomically about once a second and
// removed on exit; `shoal status` reads them and drops those of processes that are gone.
// Thread-compatible.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "shoal/deliveryoptimization.h"
#include "tools/shoal/private_dir.h"

namespace shoal::cli {

// $SHOAL_STATUS_DIR, else $XDG_RUNTIME_DIR/shoal, else /tmp/shoal-status-<uid>. Whichever it
// is must be this user's with mode 0700 (see PrivateDir); reports are not written otherwise.
std::string StatusDir();

class StatusReport {
 public:
  explicit StatusReport(std::string command);  // "get" or "seed"
  ~StatusReport();                             // removes the report
  StatusReport(const StatusReport&) = delete;
  StatusReport& operator=(const StatusReport&) = delete;

  // Rewrites the report with `body` plus pid, command and time, at most once a second unless
  // `force`. Failing to write is not fatal to the transfer: the report is only a view.
  void Update(const nlohmann::json& body, bool force = false);

 private:
  std::string command_;
  PrivateDir dir_;
  std::string name_;
  std::chrono::steady_clock::time_point last_{};
};

// A size for JSON: null when unknown (BG_SIZE_UNKNOWN), not 18446744073709551615.
nlohmann::json SizeJson(std::uint64_t bytes);

// Get-DeliveryOptimizationStatus' field names for a transfer's and an engine's statistics.
nlohmann::json ToJson(const SHOAL_TRANSFER_STATS& s);
nlohmann::json EngineStatsJson(IBackgroundCopyManager* manager);

struct StatusArgs {
  bool json = false;
};
int RunStatus(const StatusArgs& args);

}  // namespace shoal::cli
