// The C ABI (shoal/c_api.h): each handle owns one reference to the facade's COM object, so the
// C calls keep exactly the COM API's semantics and HRESULTs.
#include "shoal/c_api.h"

#include <cstdlib>
#include <cstring>
#include <string>

#include "api/src/com_object.h"
#include "api/src/strings.h"
#include "shoal/activation.h"
#include "shoal/shoal.h"

struct shoal_manager {
  IBackgroundCopyManager* itf;
};
struct shoal_job {
  IBackgroundCopyJob* itf;
};

namespace {

using shoal::api::Utf8ToWide;

// Strict: malformed UTF-8 is refused rather than replaced.
bool Widen(const char* utf8, std::wstring* out) {
  if (utf8 == nullptr) return false;
  *out = Utf8ToWide(utf8);
  std::string back;
  return shoal::api::WideToUtf8(*out, &back) && back == utf8;
}

}  // namespace

extern "C" {

HRESULT shoal_manager_create(shoal_manager** out) {
  if (out == nullptr) return E_POINTER;
  *out = nullptr;
  return shoal::api::Guarded([&] {
    shoal::Options options;
    std::string error;
    HRESULT h = shoal::LoadOptions(&options, &error);
    if (FAILED(h)) return h;
    IBackgroundCopyManager* itf = nullptr;
    h = shoal::CreateBackgroundCopyManager(options, &itf, &error);
    if (FAILED(h)) return h;
    *out = new shoal_manager{itf};
    return S_OK;
  });
}

void shoal_manager_release(shoal_manager* manager) {
  if (manager == nullptr) return;
  manager->itf->Release();
  delete manager;
}

HRESULT shoal_job_create(shoal_manager* manager, const char* display_name, shoal_job** out) {
  if (out == nullptr) return E_POINTER;
  *out = nullptr;
  std::wstring name;
  if (manager == nullptr || !Widen(display_name, &name)) return E_INVALIDARG;
  return shoal::api::Guarded([&] {
    GUID id;
    IBackgroundCopyJob* itf = nullptr;
    const HRESULT h = manager->itf->CreateJob(name.c_str(), BG_JOB_TYPE_DOWNLOAD, &id, &itf);
    if (FAILED(h)) return h;
    *out = new shoal_job{itf};
    return S_OK;
  });
}

HRESULT shoal_job_add_file(shoal_job* job, const char* url, const char* local_path) {
  std::wstring wide_url, wide_path;
  if (job == nullptr || !Widen(url, &wide_url) || !Widen(local_path, &wide_path)) {
    return E_INVALIDARG;
  }
  return job->itf->AddFile(wide_url.c_str(), wide_path.c_str());
}

HRESULT shoal_job_resume(shoal_job* job) {
  return job == nullptr ? E_INVALIDARG : job->itf->Resume();
}

HRESULT shoal_job_suspend(shoal_job* job) {
  return job == nullptr ? E_INVALIDARG : job->itf->Suspend();
}

HRESULT shoal_job_get_progress(shoal_job* job, shoal_progress* out) {
  if (job == nullptr || out == nullptr) return E_INVALIDARG;
  BG_JOB_PROGRESS p;
  const HRESULT h = job->itf->GetProgress(&p);
  if (FAILED(h)) return h;
  *out = {p.BytesTotal, p.BytesTransferred, p.FilesTotal, p.FilesTransferred};
  return S_OK;
}

HRESULT shoal_job_get_state(shoal_job* job, int* out) {
  if (job == nullptr || out == nullptr) return E_INVALIDARG;
  BG_JOB_STATE s;
  const HRESULT h = job->itf->GetState(&s);
  if (SUCCEEDED(h)) *out = static_cast<int>(s);
  return h;
}

HRESULT shoal_job_get_error(shoal_job* job, HRESULT* code, char** description) {
  if (description != nullptr) *description = nullptr;
  if (job == nullptr || code == nullptr) return E_INVALIDARG;
  return shoal::api::Guarded([&] {
    IBackgroundCopyError* error = nullptr;
    HRESULT h = job->itf->GetError(&error);
    if (FAILED(h)) return h;
    shoal::api::ScopedRelease<IBackgroundCopyError> hold(error);
    BG_ERROR_CONTEXT context;
    h = error->GetError(&context, code);
    if (FAILED(h) || description == nullptr) return h;
    LPWSTR text = nullptr;
    h = error->GetErrorDescription(0x0409, &text);
    if (FAILED(h)) return h;
    std::string utf8;
    shoal::api::WideToUtf8(text, &utf8);
    CoTaskMemFree(text);
    *description = static_cast<char*>(std::malloc(utf8.size() + 1));
    if (*description == nullptr) return E_OUTOFMEMORY;
    std::memcpy(*description, utf8.c_str(), utf8.size() + 1);
    return S_OK;
  });
}

HRESULT shoal_job_complete(shoal_job* job) {
  return job == nullptr ? E_INVALIDARG : job->itf->Complete();
}

HRESULT shoal_job_cancel(shoal_job* job) {
  return job == nullptr ? E_INVALIDARG : job->itf->Cancel();
}

void shoal_job_release(shoal_job* job) {
  if (job == nullptr) return;
  job->itf->Release();
  delete job;
}

void shoal_string_free(char* text) { std::free(text); }

}  // extern "C"
