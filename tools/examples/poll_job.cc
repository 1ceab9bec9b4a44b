// "Creating a job" and "Polling for the status of a job", as Microsoft's BITS documentation
// walks through them, written as Windows code: nothing in it is shoal's. It builds with the
// shoal::winsdk headers (<windows.h>, <bits.h>) exactly as it would with the Windows SDK.
//
//   poll_job URL LOCAL_PATH
#include <bits.h>
#include <stdio.h>
#include <stdlib.h>
#include <windows.h>

static HRESULT CreateDownloadJob(IBackgroundCopyManager* pManager, LPCWSTR pszUrl, LPCWSTR pszLocal,
                                 IBackgroundCopyJob** ppJob) {
  GUID JobId;
  ZeroMemory(&JobId, sizeof(JobId));
  HRESULT hr = pManager->CreateJob(L"poll_job", BG_JOB_TYPE_DOWNLOAD, &JobId, ppJob);
  if (FAILED(hr)) return hr;
  hr = (*ppJob)->AddFile(pszUrl, pszLocal);
  if (SUCCEEDED(hr)) hr = (*ppJob)->SetPriority(BG_JOB_PRIORITY_FOREGROUND);
  if (SUCCEEDED(hr)) hr = (*ppJob)->Resume();
  return hr;
}

static void ReportError(IBackgroundCopyJob* pJob) {
  IBackgroundCopyError* pError = NULL;
  if (FAILED(pJob->GetError(&pError))) return;
  BG_ERROR_CONTEXT Context;
  HRESULT hrError = NOERROR;
  WCHAR* pszDescription = NULL;
  pError->GetError(&Context, &hrError);
  if (SUCCEEDED(pError->GetErrorDescription(LANGIDFROMLCID(GetThreadLocale()), &pszDescription))) {
    wprintf(L"Job failed, 0x%08x: %ls\n", (unsigned)hrError, pszDescription);
    CoTaskMemFree(pszDescription);
  }
  pError->Release();
}

// Polls the job's state every so often, printing progress, until it is transferred or has
// failed; then completes or cancels it.
static HRESULT WaitForJob(IBackgroundCopyJob* pJob) {
  BG_JOB_STATE State;
  BG_JOB_PROGRESS Progress;
  for (;;) {
    HRESULT hr = pJob->GetState(&State);
    if (FAILED(hr)) return hr;
    if (State == BG_JOB_STATE_TRANSFERRED) return pJob->Complete();
    if (State == BG_JOB_STATE_ERROR) {
      ReportError(pJob);
      pJob->Cancel();
      return E_FAIL;
    }
    if (SUCCEEDED(pJob->GetProgress(&Progress)) && Progress.BytesTotal != BG_SIZE_UNKNOWN) {
      wprintf(L"%llu of %llu bytes\n", (unsigned long long)Progress.BytesTransferred,
              (unsigned long long)Progress.BytesTotal);
    }
    Sleep(50);
  }
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s URL LOCAL_PATH\n", argv[0]);
    return 2;
  }
  WCHAR szUrl[2048], szLocal[1024];
  if (mbstowcs(szUrl, argv[1], 2048) == (size_t)-1 ||
      mbstowcs(szLocal, argv[2], 1024) == (size_t)-1)
    return 2;

  HRESULT hr = CoInitializeEx(NULL, COINIT_APARTMENTTHREADED);
  if (FAILED(hr)) return 1;
  IBackgroundCopyManager* pManager = NULL;
  hr = CoCreateInstance(__uuidof(BackgroundCopyManager), NULL, CLSCTX_LOCAL_SERVER,
                        __uuidof(IBackgroundCopyManager), (void**)&pManager);
  if (SUCCEEDED(hr)) {
    IBackgroundCopyJob* pJob = NULL;
    hr = CreateDownloadJob(pManager, szUrl, szLocal, &pJob);
    if (SUCCEEDED(hr)) hr = WaitForJob(pJob);
    if (pJob != NULL) pJob->Release();
    pManager->Release();
  }
  if (FAILED(hr)) wprintf(L"poll_job failed, 0x%08x\n", (unsigned)hr);
  CoUninitialize();
  return hr == S_OK ? 0 : 1;
}
