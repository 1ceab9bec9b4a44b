#include "tools/shoal/job_runner.h"

namespace shoal::cli {
namespace {

// The descriptions' language: en-US (BITS refuses LanguageId 0 with E_INVALIDARG).
constexpr DWORD kLanguage = 0x0409;

}  // namespace

const char* StateName(BG_JOB_STATE s) {
  switch (s) {
    case BG_JOB_STATE_QUEUED: return "queued";
    case BG_JOB_STATE_CONNECTING: return "connecting";
    case BG_JOB_STATE_TRANSFERRING: return "transferring";
    case BG_JOB_STATE_SUSPENDED: return "suspended";
    case BG_JOB_STATE_ERROR: return "error";
    case BG_JOB_STATE_TRANSIENT_ERROR: return "transient error";
    case BG_JOB_STATE_TRANSFERRED: return "transferred";
    case BG_JOB_STATE_ACKNOWLEDGED: return "done";
    case BG_JOB_STATE_CANCELLED: return "cancelled";
  }
  return "?";
}

HRESULT JobRunner::Start(IBackgroundCopyManager* manager, const JobSpec& spec,
                         std::string* error) {
  GUID id;
  HRESULT hr = manager->CreateJob(L"shoal", BG_JOB_TYPE_DOWNLOAD, &id, job_.Put());
  if (FAILED(hr)) {
    *error = "cannot create a job (" + DescribeHr(hr) + ")";
    return hr;
  }
  hr = job_->QueryInterface(IID_IShoalJob2, ext_.PutVoid());
  if (FAILED(hr)) return hr;
  if (spec.foreground) job_->SetPriority(BG_JOB_PRIORITY_FOREGROUND);
  if (spec.retry_delay_s) job_->SetMinimumRetryDelay(*spec.retry_delay_s);
  if (spec.no_progress_timeout_s) job_->SetNoProgressTimeout(*spec.no_progress_timeout_s);
  const std::wstring wurl = Widen(spec.url);
  const std::wstring wpath = Widen(spec.path);
  const auto* meta = reinterpret_cast<const BYTE*>(spec.metainfo.data());
  hr = ext_->AddFileEx(wurl.c_str(), wpath.c_str(), spec.metainfo.empty() ? nullptr : meta,
                       static_cast<ULONG>(spec.metainfo.size()),
                       spec.sha256.empty() ? nullptr
                                           : reinterpret_cast<const BYTE*>(spec.sha256.data()),
                       spec.http_only ? SHOAL_FILE_HTTP_ONLY : 0);
  if (FAILED(hr)) {
    if (hr == HRESULT_FROM_WIN32(13)) {
      *error = "the metainfo is corrupt (" + DescribeHr(hr) + ")";
    } else if (hr == E_INVALIDARG) {
      *error = "invalid URL or output path: want an http:// or https:// URL and a file path";
    } else {
      LPWSTR text = nullptr;
      std::string why;
      if (SUCCEEDED(manager->GetErrorDescription(hr, kLanguage, &text))) why = " " + TakeString(text);
      *error = "cannot add " + spec.path + ": " + DescribeHr(hr) + why;
    }
    return hr;
  }
  hr = job_->Resume();
  if (FAILED(hr)) *error = "cannot start the job (" + DescribeHr(hr) + ")";
  return hr;
}

bool JobRunner::Attach(IBackgroundCopyManager* manager, const JobSpec& spec) {
  ComPtr<IEnumBackgroundCopyJobs> jobs;
  if (FAILED(manager->EnumJobs(0, jobs.Put()))) return false;
  for (;;) {
    ComPtr<IBackgroundCopyJob> job;
    if (jobs->Next(1, job.Put(), nullptr) != S_OK) return false;
    ComPtr<IEnumBackgroundCopyFiles> files;
    if (FAILED(job->EnumFiles(files.Put()))) continue;
    ComPtr<IBackgroundCopyFile> file;
    if (files->Next(1, file.Put(), nullptr) != S_OK) continue;
    LPWSTR remote = nullptr;
    LPWSTR local = nullptr;
    if (FAILED(file->GetRemoteName(&remote))) continue;
    const std::string url = TakeString(remote);
    if (FAILED(file->GetLocalName(&local))) continue;
    if (url != spec.url || TakeString(local) != spec.path) continue;
    if (FAILED(job->QueryInterface(IID_IShoalJob2, ext_.PutVoid()))) return false;
    job_ = std::move(job);
    BG_JOB_STATE state = BG_JOB_STATE_ERROR;
    job_->GetState(&state);
    if (state != BG_JOB_STATE_TRANSFERRED) job_->Resume();
    return true;
  }
}

BG_JOB_STATE JobRunner::State() const {
  BG_JOB_STATE s = BG_JOB_STATE_ERROR;
  job_->GetState(&s);
  return s;
}

JobSample JobRunner::Sample(const std::string& label) const {
  JobSample s;
  s.label = label;
  BG_JOB_PROGRESS p{};
  job_->GetProgress(&p);
  s.bytes_total = p.BytesTotal;
  s.bytes_done = p.BytesTransferred;
  UINT64 peers = 0, http = 0;
  ext_->GetSourceStats(&peers, &http);
  // GetSourceStats is LAN peers and the CDN (a node's BitTorrent seed is a peer); the cache
  // server's HTTP pieces are in neither, and come from the stats.
  const SHOAL_TRANSFER_STATS st = Stats();
  s.from_cache_server = st.BytesFromCacheServer;
  s.from_peers = peers;
  s.from_http = http;
  s.state = StateName(State());
  return s;
}

HRESULT JobRunner::ErrorCode() const {
  ComPtr<IBackgroundCopyError> err;
  if (FAILED(job_->GetError(err.Put()))) return S_OK;
  BG_ERROR_CONTEXT ctx;
  HRESULT code = S_OK;
  err->GetError(&ctx, &code);
  return code;
}

std::string JobRunner::ErrorText() const {
  ComPtr<IBackgroundCopyError> err;
  if (FAILED(job_->GetError(err.Put()))) return "unknown error";
  BG_ERROR_CONTEXT ctx;
  HRESULT code = S_OK;
  err->GetError(&ctx, &code);
  LPWSTR desc = nullptr;
  std::string text = DescribeHr(code);
  if (SUCCEEDED(err->GetErrorDescription(kLanguage, &desc))) text += " " + TakeString(desc);
  return text;
}

}  // namespace shoal::cli
