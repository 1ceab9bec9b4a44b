// "Specifying custom headers for a job" and "Receiving notification when a file is
// transferred", as Microsoft's BITS documentation shows them: the job's
// IBackgroundCopyJobHttpOptions (reached with QueryInterface and __uuidof) gets custom request
// headers, and an IBackgroundCopyCallback2 counts FileTransferred before the job completes.
// Written as Windows code against <windows.h> and <bits.h> (shoal::winsdk); nothing in it is
// shoal's.
//
//   http_options_job URL LOCAL_PATH
#include <bits.h>
#include <stdio.h>
#include <stdlib.h>
#include <windows.h>

// The custom headers, each ended by CR/LF.
#define HEADERS                          \
  L"X-Sample-Client: http_options_job\r\n" \
  L"X-Sample-Build: 1\r\n"

class CFileNotify : public IBackgroundCopyCallback2 {
  LONG m_lRefCount;
  LONG volatile m_lFiles;
  LONG volatile m_lDone;  // 1: transferred and completed; 2: failed

 public:
  CFileNotify() : m_lRefCount(1), m_lFiles(0), m_lDone(0) {}
  virtual ~CFileNotify() {}
  LONG Files() { return InterlockedCompareExchange(&m_lFiles, 0, 0); }
  LONG Done() { return InterlockedCompareExchange(&m_lDone, 0, 0); }

  HRESULT __stdcall QueryInterface(REFIID riid, LPVOID* ppvObj) {
    if (ppvObj == NULL) return E_POINTER;
    if (riid == __uuidof(IUnknown) || riid == __uuidof(IBackgroundCopyCallback) ||
        riid == __uuidof(IBackgroundCopyCallback2)) {
      *ppvObj = (IBackgroundCopyCallback2*)this;
      AddRef();
      return NOERROR;
    }
    *ppvObj = NULL;
    return E_NOINTERFACE;
  }
  ULONG __stdcall AddRef() { return InterlockedIncrement(&m_lRefCount); }
  ULONG __stdcall Release() {
    ULONG ulCount = InterlockedDecrement(&m_lRefCount);
    if (ulCount == 0) delete this;
    return ulCount;
  }

  HRESULT __stdcall JobTransferred(IBackgroundCopyJob* pJob) {
    HRESULT hr = pJob->Complete();
    InterlockedExchange(&m_lDone, hr == S_OK ? 1 : 2);
    return S_OK;
  }
  HRESULT __stdcall JobError(IBackgroundCopyJob* pJob, IBackgroundCopyError* pError) {
    UNREFERENCED_PARAMETER(pError);
    pJob->Cancel();
    InterlockedExchange(&m_lDone, 2);
    return S_OK;
  }
  HRESULT __stdcall JobModification(IBackgroundCopyJob* pJob, DWORD dwReserved) {
    UNREFERENCED_PARAMETER(pJob);
    UNREFERENCED_PARAMETER(dwReserved);
    return S_OK;
  }
  HRESULT __stdcall FileTransferred(IBackgroundCopyJob* pJob, IBackgroundCopyFile* pFile) {
    UNREFERENCED_PARAMETER(pJob);
    WCHAR* pszName = NULL;
    if (SUCCEEDED(pFile->GetLocalName(&pszName))) {
      wprintf(L"File transferred: %ls\n", pszName);
      CoTaskMemFree(pszName);
    }
    InterlockedIncrement(&m_lFiles);
    return S_OK;
  }
};

static HRESULT SetHeaders(IBackgroundCopyJob* pJob) {
  IBackgroundCopyJobHttpOptions* pHttpOptions = NULL;
  HRESULT hr = pJob->QueryInterface(__uuidof(IBackgroundCopyJobHttpOptions), (void**)&pHttpOptions);
  if (FAILED(hr)) {
    wprintf(L"pJob->QueryInterface failed with 0x%x.\n", (unsigned)hr);
    return hr;
  }
  hr = pHttpOptions->SetCustomHeaders(HEADERS);
  if (FAILED(hr)) wprintf(L"pHttpOptions->SetCustomHeaders failed with 0x%x.\n", (unsigned)hr);
  pHttpOptions->Release();
  return hr;
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

  HRESULT hr = CoInitializeEx(NULL, COINIT_MULTITHREADED);
  if (FAILED(hr)) return 1;
  IBackgroundCopyManager* pManager = NULL;
  IBackgroundCopyJob* pJob = NULL;
  CFileNotify* pNotify = new CFileNotify();
  hr = CoCreateInstance(__uuidof(BackgroundCopyManager), NULL, CLSCTX_LOCAL_SERVER,
                        IID_PPV_ARGS(&pManager));
  if (SUCCEEDED(hr)) {
    GUID JobId;
    hr = pManager->CreateJob(L"http_options_job", BG_JOB_TYPE_DOWNLOAD, &JobId, &pJob);
  }
  if (SUCCEEDED(hr)) hr = pJob->AddFile(szUrl, szLocal);
  if (SUCCEEDED(hr)) hr = SetHeaders(pJob);
  if (SUCCEEDED(hr)) hr = pJob->SetNotifyInterface(pNotify);
  if (SUCCEEDED(hr)) {
    hr = pJob->SetNotifyFlags(BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR |
                              BG_NOTIFY_FILE_TRANSFERRED);
  }
  if (SUCCEEDED(hr)) hr = pJob->Resume();
  for (int i = 0; SUCCEEDED(hr) && pNotify->Done() == 0 && i < 6000; ++i) Sleep(10);
  if (SUCCEEDED(hr) && (pNotify->Done() != 1 || pNotify->Files() != 1)) hr = E_FAIL;
  if (pJob != NULL) pJob->Release();
  if (pManager != NULL) pManager->Release();
  pNotify->Release();
  if (FAILED(hr)) wprintf(L"http_options_job failed, 0x%08x\n", (unsigned)hr);
  CoUninitialize();
  return hr == S_OK ? 0 : 1;
}
