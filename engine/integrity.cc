#include "engine/integrity.h"

#include "engine/job.h"
#include "engine/job_control.h"
#include "engine/metainfo.h"

namespace shoal::engine {

bool FileReady(const Job& job, int index) {
  const JobFile& f = job.files[index];
  return job.tracker.FileDone(index) && (f.spec.sha256.empty() || f.integrity.verified);
}

IntegrityChecker::IntegrityChecker(JobControl& control)
    : control_(control), queue_(std::make_unique<BackgroundQueue>()) {}

IntegrityChecker::~IntegrityChecker() = default;

void IntegrityChecker::Shutdown() { queue_.reset(); }

void IntegrityChecker::Start(Job& job, int index) {
  if (!queue_) return;
  JobFile& f = job.files[index];
  f.integrity.verifying = true;
  const Uuid id = job.view->id;
  const int generation = job.generation;
  const std::string path = f.data_path();
  BackgroundQueue* queue = queue_.get();
  JobControl* control = &control_;
  queue_->Run([this, control, queue, id, index, generation, path] {
    std::string digest, error;
    const hr::HResult h = Sha256File(path, &digest, &error, &queue->stopping());
    control->Post([=, this] { OnResult(id, index, generation, h, digest, error); });
  });
}

void IntegrityChecker::OnResult(const Uuid& id, int index, int generation, hr::HResult code,
                                std::string digest, std::string error) {
  Job* job = control_.FindJob(id);
  if (job == nullptr) return;
  JobFile& f = job->files[index];
  if (job->generation != generation) {
    f.integrity.verifying = false;  // the job moved on; Schedule checks again when it runs
    return;
  }
  if (!IsActive(job->state)) return;
  f.integrity.verifying = false;
  if (hr::Failed(code)) return control_.Fail(*job, code, ErrorContext::kLocalFile, index, error);
  if (digest != f.spec.sha256) {
    if (control_.WholeFileMismatched(*job, index)) return;
    // The bytes are whole but not the expected ones. A plain-HTTP file starts over on Resume;
    // pieces verified against metainfo would only arrive the same again.
    if (f.http.plain) {
      HttpTransfers::Restart(*job, index);
      control_.Publish(*job);
    }
    return control_.Fail(*job, hr::kBgEValidationFailed, ErrorContext::kRemoteFile, index,
                         f.spec.remote_url + ": SHA-256 " + ToHex(digest) +
                             " does not match the expected " + ToHex(f.spec.sha256));
  }
  f.integrity.verified = true;
  control_.WholeFileVerified(*job, index);
  control_.Schedule(*job);
}

}  // namespace shoal::engine
