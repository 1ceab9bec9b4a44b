// Uses only installed headers: CoCreateInstance-free, so it needs no configuration.
#include <shoal/deliveryoptimization.h>

#include <cstdio>
#include <cstring>

int main() {
  if (std::strcmp(shoal::Version(), SHOAL_VERSION_STRING) != 0) {
    std::fprintf(stderr, "library %s, headers %s\n", shoal::Version(), SHOAL_VERSION_STRING);
    return 3;
  }
  shoal::Options options;
  options.listen_interface = "127.0.0.1:0";
  IBackgroundCopyManager* manager = NULL;
  std::string error;
  if (FAILED(shoal::CreateBackgroundCopyManager(options, &manager, &error))) {
    std::fprintf(stderr, "CreateBackgroundCopyManager: %s\n", error.c_str());
    return 1;
  }
  GUID id;
  IBackgroundCopyJob* job = NULL;
  HRESULT hr = manager->CreateJob(L"consumer", BG_JOB_TYPE_DOWNLOAD, &id, &job);
  if (SUCCEEDED(hr)) {
    hr = job->Resume();
    job->Release();
  }
  manager->Release();
  std::printf("Resume on an empty job: 0x%08x\n", static_cast<unsigned>(hr));
  return hr == BG_E_EMPTY ? 0 : 2;
}
