// "Registering a COM callback", as Microsoft's BITS documentation describes it: the client
// implements IBackgroundCopyCallback (reference counted with InterlockedIncrement, interfaces
// matched with __uuidof), registers it with SetNotifyInterface / SetNotifyFlags, and completes
// the job from JobTransferred. Written as Windows code against <windows.h> and <bits.h>
// (shoal::winsdk); nothing in it is shoal's.
//
//   callback_job URL LOCAL_PATH
#include <bits.h>
#include <stdio.h>
#include <stdlib.h>
#include <windows.h>

class CNotifyInterface : public IBackgroundCopyCallback {
  LONG m_lRefCount;
  LONG volatile m_lDone;  // 1: transferred and completed; 2: failed

 public:
  CNotifyInterface() : m_lRefCount(1), m_lDone(0) {}
  virtual ~CNotifyInterface() {}
  LONG Done() { return InterlockedCompareExchange(&m_lDone, 0, 0); }

  HRESULT __stdcall QueryInterface(REFIID riid, LPVOID* ppvObj) {
    if (ppvObj == NULL) return E_POINTER;
    if (riid == __uuidof(IUnknown) || riid == __uuidof(IBackgroundCopyCallback)) {
      *ppvObj = (IBackgroundCopyCallback*)this;
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
    WCHAR* pszDescription = NULL;
    if (SUCCEEDED(pError->GetErrorDescription(MAKELANGID(LANG_NEUTRAL, SUBLANG_DEFAULT),
                                              &pszDescription))) {
      wprintf(L"JobError: %ls\n", pszDescription);
      CoTaskMemFree(pszDescription);
    }
    pJob->Cancel();
    InterlockedExchange(&m_lDone, 2);
    return S_OK;
  }
  HRESULT __stdcall JobModification(IBackgroundCopyJob* pJob, DWORD dwReserved) {
    UNREFERENCED_PARAMETER(pJob);
    UNREFERENCED_PARAMETER(dwReserved);
    return S_OK;
  }
};

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
  CNotifyInterface* pNotify = new CNotifyInterface();
  hr = CoCreateInstance(__uuidof(BackgroundCopyManager), NULL, CLSCTX_LOCAL_SERVER,
                        IID_PPV_ARGS(&pManager));
  if (SUCCEEDED(hr)) {
    GUID JobId;
    hr = pManager->CreateJob(L"callback_job", BG_JOB_TYPE_DOWNLOAD, &JobId, &pJob);
  }
  if (SUCCEEDED(hr)) hr = pJob->AddFile(szUrl, szLocal);
  if (SUCCEEDED(hr)) hr = pJob->SetNotifyInterface(pNotify);
  if (SUCCEEDED(hr)) hr = pJob->SetNotifyFlags(BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR);
  if (SUCCEEDED(hr)) hr = pJob->Resume();
  // A real application would go on with its work; this one waits, a minute at most.
  for (int i = 0; SUCCEEDED(hr) && pNotify->Done() == 0 && i < 6000; ++i) Sleep(10);
  if (SUCCEEDED(hr) && pNotify->Done() != 1) hr = E_FAIL;
  if (pJob != NULL) pJob->Release();
  if (pManager != NULL) pManager->Release();
  pNotify->Release();
  if (FAILED(hr)) wprintf(L"callback_job failed, 0x%08x\n", (unsigned)hr);
  CoUninitialize();
  return hr == S_OK ? 0 : 1;
}
