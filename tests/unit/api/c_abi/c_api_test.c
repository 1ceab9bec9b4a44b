/* The C ABI from a C program (compiled as C99): downloads URL to OUT through shoal/c_api.h,
   polling the state the way a BITS client polls GetState, then completes the job. Run by
   with_origin, which serves the URL and checks OUT:
     c_api_test URL OUT */
#include "shoal/c_api.h"

#include <stdio.h>

#include "shoal/windows_compat.h" /* Sleep, in C too */

static int Check(HRESULT hr, const char* what) {
  if (FAILED(hr)) fprintf(stderr, "%s failed: 0x%08x\n", what, (unsigned)hr);
  return SUCCEEDED(hr);
}

int main(int argc, char** argv) {
  shoal_manager* manager = NULL;
  shoal_job* job = NULL;
  shoal_progress progress;
  int state = -1;
  int polls = 0;
  int ok = 0;
  if (argc != 3) {
    fprintf(stderr, "usage: %s URL OUT\n", argv[0]);
    return 2;
  }
  /* Bad input gets its documented HRESULT. */
  if (shoal_manager_create(NULL) != E_POINTER) return 1;
  if (!Check(shoal_manager_create(&manager), "shoal_manager_create")) return 1;
  if (shoal_job_create(manager, NULL, &job) != E_INVALIDARG) return 1;
  if (!Check(shoal_job_create(manager, "c_api_test", &job), "shoal_job_create")) return 1;
  if (shoal_job_add_file(job, "ftp://example.invalid/x", argv[2]) != E_INVALIDARG) return 1;
  if (shoal_job_get_progress(job, NULL) != E_INVALIDARG) return 1;
  if (!Check(shoal_job_add_file(job, argv[1], argv[2]), "shoal_job_add_file")) return 1;
  if (!Check(shoal_job_resume(job), "shoal_job_resume")) return 1;
  for (; polls < 6000; ++polls) { /* a minute at most */
    if (!Check(shoal_job_get_state(job, &state), "shoal_job_get_state")) return 1;
    if (state == SHOAL_JOB_STATE_TRANSFERRED || state == SHOAL_JOB_STATE_ERROR) break;
    Sleep(10);
  }
  if (!Check(shoal_job_get_progress(job, &progress), "shoal_job_get_progress")) return 1;
  printf("state %d, %llu of %llu bytes, %u of %u files\n", state,
         (unsigned long long)progress.bytes_transferred, (unsigned long long)progress.bytes_total,
         progress.files_transferred, progress.files_total);
  if (state == SHOAL_JOB_STATE_TRANSFERRED && progress.bytes_transferred == progress.bytes_total) {
    ok = shoal_job_complete(job) == S_OK;
  } else {
    HRESULT code = S_OK;
    char* text = NULL;
    if (SUCCEEDED(shoal_job_get_error(job, &code, &text))) {
      fprintf(stderr, "job error 0x%08x: %s\n", (unsigned)code, text);
      shoal_string_free(text);
    }
    shoal_job_cancel(job);
  }
  shoal_job_release(job);
  shoal_manager_release(manager);
  return ok ? 0 : 1;
}
