// The expected SHA-256 of a whole file, on the engine thread's side: a file with one counts as
// ready only once the digest of its temp file matched. Hashing runs on the verifier queue; a
// mismatch fails the job with BG_E_VALIDATION_FAILED and the file is never exposed.
#include "engine/engine_impl.h"
#include "engine/metainfo.h"

namespace shoal::engine {

bool Engine::Impl::FileReady(const Job& job, int index) const {
  const JobFile& f = job.files[index];
  return job.tracker.FileDone(index) && (f.spec.sha256.empty() || f.verified);
}

void Engine::Impl::StartVerify(Job& job, int index) {
  JobFile& f = job.files[index];
  f.verifying = true;
  const Uuid id = job.view->id;
  const int generation = job.generation;
  const std::string path = f.temp_path();
  BackgroundQueue* queue = verifier_.get();
  verifier_->Run([this, queue, id, index, generation, path] {
    std::string digest, error;
    const hr::HResult h = Sha256File(path, &digest, &error, &queue->stopping());
    Post([=, this] { OnVerified(id, index, generation, h, digest, error); });
  });
}

void Engine::Impl::OnVerified(const Uuid& id, int index, int generation, hr::HResult code,
                              std::string digest, std::string error) {
  Job* job = FindJob(id);
  if (job == nullptr) return;
  JobFile& f = job->files[index];
  if (job->generation != generation) {
    f.verifying = false;  // the job moved on; Schedule checks again when it runs
    return;
  }
  if (!IsActive(job->state)) return;
  f.verifying = false;
  if (hr::Failed(code)) return Fail(*job, code, ErrorContext::kLocalFile, index, error);
  if (digest != f.spec.sha256) {
    // The bytes are whole but not the expected ones. A plain-HTTP file starts over on Resume;
    // pieces verified against metainfo would only arrive the same again.
    if (f.http) {
      f.http_bytes = 0;
      job->tracker.SetStreamedBytes(index, 0);
      Publish(*job);
    }
    return Fail(*job, hr::kBgEValidationFailed, ErrorContext::kRemoteFile, index,
                f.spec.remote_url + ": SHA-256 " + ToHex(digest) + " does not match the expected " +
                    ToHex(f.spec.sha256));
  }
  f.verified = true;
  Schedule(*job);
}

}  // namespace shoal::engine
