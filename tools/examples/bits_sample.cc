// A download written the way Windows BITS samples write it: CoCreateInstance ->
// CreateJob -> AddFile -> Resume -> poll GetState/GetProgress -> Complete. It compiles
// against shoal's installed headers unchanged apart from the include and the Linux paths.
//
//   bits_sample URL LOCAL_PATH
#include <shoal/deliveryoptimization.h>

#include <chrono>
#include <cstdio>
#include <cwchar>
#include <string>
#include <thread>

static std::wstring Widen(const char* s) {
  std::wstring w;
  for (; *s; ++s) w.push_back(static_cast<unsigned char>(*s));  // ASCII URLs and paths
  return w;
}

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s URL LOCAL_PATH\n", argv[0]);
    return 2;
  }
  HRESULT hr = CoInitializeEx(NULL, COINIT_APARTMENTTHREADED);
  if (FAILED(hr)) return 1;

  IBackgroundCopyManager* pManager = NULL;
  hr = CoCreateInstance(CLSID_BackgroundCopyManager, NULL, CLSCTX_LOCAL_SERVER,
                        IID_IBackgroundCopyManager, (void**)&pManager);
  if (FAILED(hr)) {
    std::fprintf(stderr, "CoCreateInstance failed, 0x%08x\n", (unsigned)hr);
    CoUninitialize();
    return 1;
  }

  GUID JobId;
  IBackgroundCopyJob* pJob = NULL;
  hr = pManager->CreateJob(L"bits_sample", BG_JOB_TYPE_DOWNLOAD, &JobId, &pJob);
  if (SUCCEEDED(hr)) hr = pJob->AddFile(Widen(argv[1]).c_str(), Widen(argv[2]).c_str());
  if (SUCCEEDED(hr)) hr = pJob->Resume();
  if (FAILED(hr)) {
    std::fprintf(stderr, "job setup failed, 0x%08x\n", (unsigned)hr);
    if (pJob) pJob->Release();
    pManager->Release();
    CoUninitialize();
    return 1;
  }

  BG_JOB_STATE State;
  BG_JOB_PROGRESS Progress;
  int exit_code = 0;
  for (;;) {
    pJob->GetState(&State);
    pJob->GetProgress(&Progress);
    if (Progress.BytesTotal != BG_SIZE_UNKNOWN) {
      std::printf("\r%llu / %llu bytes", (unsigned long long)Progress.BytesTransferred,
                  (unsigned long long)Progress.BytesTotal);
      std::fflush(stdout);
    }
    if (State == BG_JOB_STATE_TRANSFERRED) {
      hr = pJob->Complete();
      std::printf("\ncomplete, 0x%08x\n", (unsigned)hr);
      break;
    }
    if (State == BG_JOB_STATE_ERROR) {
      IBackgroundCopyError* pError = NULL;
      HRESULT code = S_OK;
      BG_ERROR_CONTEXT Context;
      LPWSTR pszDescription = NULL;
      if (SUCCEEDED(pJob->GetError(&pError))) {
        pError->GetError(&Context, &code);
        pError->GetErrorDescription(0, &pszDescription);
        std::printf("\nerror 0x%08x: %ls\n", (unsigned)code, pszDescription ? pszDescription : L"");
        CoTaskMemFree(pszDescription);
        pError->Release();
      }
      pJob->Cancel();
      exit_code = 1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  pJob->Release();
  pManager->Release();
  CoUninitialize();
  return exit_code;
}
