// One download job driven through the Windows-compatible facade, as an updater would drive
// it: CreateJob, AddFile (or IShoalJob::AddFileWithMetainfo), Resume, poll, Complete.
// Thread-compatible.
#pragma once

#include <string>

#include "tools/shoal/com_ptr.h"
#include "tools/shoal/progress_view.h"

namespace shoal::cli {

class JobRunner {
 public:
  // Creates the job and adds the file; on failure returns the HRESULT and says why.
  HRESULT Start(IBackgroundCopyManager* manager, const std::string& url, const std::string& path,
                const std::string& metainfo, bool foreground, std::string* error);
  // The job's current state, progress and sources, as a progress line's input.
  JobSample Sample(const std::string& label) const;
  BG_JOB_STATE State() const;
  // The job's error text ("HRESULT: description (file)") when in ERROR.
  std::string ErrorText() const;
  HRESULT ErrorCode() const;
  HRESULT Complete() { return job_->Complete(); }
  HRESULT Cancel() { return job_->Cancel(); }

 private:
  ComPtr<IBackgroundCopyJob> job_;
  ComPtr<IShoalJob> ext_;
};

const char* StateName(BG_JOB_STATE s);

}  // namespace shoal::cli
