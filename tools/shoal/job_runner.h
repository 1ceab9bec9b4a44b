// One download job driven through the Windows-compatible facade, as an updater would drive
// it: CreateJob, AddFile (or IShoalJob::AddFileWithMetainfo), Resume, poll, Complete.
// Thread-compatible.
#pragma once

#include <optional>
#include <string>

#include "tools/shoal/com_ptr.h"
#include "tools/shoal/progress_view.h"

namespace shoal::cli {

// What to download and how.
struct JobSpec {
  std::string url;
  std::string path;
  std::string metainfo;  // empty: the sidecar URL.torrent
  std::string sha256;    // 32 raw bytes, or empty: the expected digest of the whole file
  bool http_only = false;
  bool foreground = true;
  std::optional<ULONG> retry_delay_s;          // MinimumRetryDelay; unset: BITS's default
  std::optional<ULONG> no_progress_timeout_s;  // NoProgressTimeout; unset: BITS's default
};

class JobRunner {
 public:
  // Creates the job and adds the file; on failure returns the HRESULT and says why.
  HRESULT Start(IBackgroundCopyManager* manager, const JobSpec& spec, std::string* error);
  // Takes over a persisted job with the same URL and output, resuming it unless it is
  // TRANSFERRED. False when there is none.
  bool Attach(IBackgroundCopyManager* manager, const JobSpec& spec);
  // The job's current state, progress and sources, as a progress line's input.
  JobSample Sample(const std::string& label) const;
  BG_JOB_STATE State() const;
  // The job's error text ("HRESULT: description (file)") when in ERROR.
  std::string ErrorText() const;
  HRESULT ErrorCode() const;
  // A call that reaches the backend (GetPriority: the service, out of process), unlike State,
  // which reads the last figures: DO_E_NO_SERVICE once the service is gone.
  HRESULT Reach() const {
    BG_JOB_PRIORITY p{};
    return job_->GetPriority(&p);
  }
  HRESULT Complete() { return job_->Complete(); }
  HRESULT Cancel() { return job_->Cancel(); }
  HRESULT Suspend() { return job_->Suspend(); }
  GUID Id() const {
    GUID g{};
    job_->GetId(&g);
    return g;
  }
  // The job's DO-style statistics (IShoalJob3); zeros if unavailable.
  SHOAL_TRANSFER_STATS Stats() const {
    SHOAL_TRANSFER_STATS s{};
    ComPtr<IShoalJob3> ext3;
    if (SUCCEEDED(job_->QueryInterface(IID_IShoalJob3, ext3.PutVoid()))) ext3->GetStats(&s);
    return s;
  }

 private:
  ComPtr<IBackgroundCopyJob> job_;
  ComPtr<IShoalJob2> ext_;
};

const char* StateName(BG_JOB_STATE s);

}  // namespace shoal::cli
