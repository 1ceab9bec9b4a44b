// A client that returns from main while its JobTransferred callback still runs, having released
// every reference first (so the Core and its engine are destroyed on the dispatcher's thread
// once the callback returns). Exit must wait for that delivery: the callback's last line is
// printed, and the process exits 0 (before, exit tore the libraries down under it: the line was
// lost, and now and then a SIGSEGV in OpenSSL's cleanup). Written as Windows code, as the
// samples in tools/examples.
//   exit_during_callback URL LOCAL_PATH
#include <bits.h>
#include <stdio.h>
#include <stdlib.h>
#include <windows.h>

class Notify : public IBackgroundCopyCallback {
  LONG refs_ = 1;
  LONG volatile entered_ = 0;

 public:
  virtual ~Notify() {}
  LONG Entered() { return InterlockedCompareExchange(&entered_, 0, 0); }
  HRESULT __stdcall QueryInterface(REFIID riid, LPVOID* out) {
    if (out == NULL) return E_POINTER;
    if (riid == __uuidof(IUnknown) || riid == __uuidof(IBackgroundCopyCallback)) {
      *out = (IBackgroundCopyCallback*)this;
      AddRef();
      return NOERROR;
    }
    *out = NULL;
    return E_NOINTERFACE;
  }
  ULONG __stdcall AddRef() { return InterlockedIncrement(&refs_); }
  ULONG __stdcall Release() {
    ULONG n = InterlockedDecrement(&refs_);
    if (n == 0) delete this;
    return n;
  }
  HRESULT __stdcall JobTransferred(IBackgroundCopyJob* job) {
    HRESULT hr = job->Complete();
    InterlockedExchange(&entered_, hr == S_OK ? 1 : 2);
    Sleep(300);  // main returns meanwhile
    printf("the callback returned\n");
    fflush(stdout);
    return S_OK;
  }
  HRESULT __stdcall JobError(IBackgroundCopyJob* job, IBackgroundCopyError*) {
    job->Cancel();
    InterlockedExchange(&entered_, 2);
    return S_OK;
  }
  HRESULT __stdcall JobModification(IBackgroundCopyJob*, DWORD) { return S_OK; }
};

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  WCHAR url[2048], local[1024];
  if (mbstowcs(url, argv[1], 2048) == (size_t)-1 || mbstowcs(local, argv[2], 1024) == (size_t)-1)
    return 2;
  if (FAILED(CoInitializeEx(NULL, COINIT_MULTITHREADED))) return 1;
  IBackgroundCopyManager* manager = NULL;
  IBackgroundCopyJob* job = NULL;
  Notify* notify = new Notify();
  HRESULT hr = CoCreateInstance(__uuidof(BackgroundCopyManager), NULL, CLSCTX_LOCAL_SERVER,
                                IID_PPV_ARGS(&manager));
  GUID id;
  if (SUCCEEDED(hr))
    hr = manager->CreateJob(L"exit_during_callback", BG_JOB_TYPE_DOWNLOAD, &id, &job);
  if (SUCCEEDED(hr)) hr = job->AddFile(url, local);
  if (SUCCEEDED(hr)) hr = job->SetNotifyInterface(notify);
  if (SUCCEEDED(hr)) hr = job->SetNotifyFlags(BG_NOTIFY_JOB_TRANSFERRED | BG_NOTIFY_JOB_ERROR);
  if (SUCCEEDED(hr)) hr = job->Resume();
  for (int i = 0; SUCCEEDED(hr) && notify->Entered() == 0 && i < 6000; ++i) Sleep(10);
  if (SUCCEEDED(hr) && notify->Entered() != 1) hr = E_FAIL;
  if (job != NULL) job->Release();
  if (manager != NULL) manager->Release();
  notify->Release();  // the job's registration still holds it
  CoUninitialize();
  return hr == S_OK ? 0 : 1;  // while the callback sleeps
}
