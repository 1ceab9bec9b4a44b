/* shoal's C ABI: a handful of functions over the same engine as the COM-style API, for
   languages that call C (Python's ctypes, Rust, Go's cgo). Handles are opaque; strings are
   UTF-8; every call returns an HRESULT with Windows' value (docs/api.md, "C API"). No C++
   type crosses it. Thread-safe: any handle may be used from any thread. */
#pragma once

#include "shoal/export.h"
#include "shoal/hresults.h"
#include "shoal/wintypes.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct shoal_manager shoal_manager; /* an engine and its jobs */
typedef struct shoal_job shoal_job;         /* one job of a manager */

/* BG_JOB_PROGRESS's fields. bytes_total is SHOAL_SIZE_UNKNOWN until every size is known. */
typedef struct shoal_progress {
  uint64_t bytes_total;
  uint64_t bytes_transferred;
  uint32_t files_total;
  uint32_t files_transferred;
} shoal_progress;
#define SHOAL_SIZE_UNKNOWN ((uint64_t)-1)

/* BG_JOB_STATE's values. */
#define SHOAL_JOB_STATE_QUEUED 0
#define SHOAL_JOB_STATE_CONNECTING 1
#define SHOAL_JOB_STATE_TRANSFERRING 2
#define SHOAL_JOB_STATE_SUSPENDED 3
#define SHOAL_JOB_STATE_ERROR 4
#define SHOAL_JOB_STATE_TRANSIENT_ERROR 5
#define SHOAL_JOB_STATE_TRANSFERRED 6
#define SHOAL_JOB_STATE_ACKNOWLEDGED 7
#define SHOAL_JOB_STATE_CANCELLED 8

/* A manager with an engine of its own, configured as CoCreateInstance's (the config file, then
   SHOAL_* variables). E_POINTER for a NULL `out`; the configuration's or engine's HRESULT. */
SHOAL_API HRESULT shoal_manager_create(shoal_manager** out);
/* Releases the handle; the engine stops once its last job handle is released too. */
SHOAL_API void shoal_manager_release(shoal_manager* manager);

/* IBackgroundCopyManager::CreateJob (a download job, SUSPENDED). E_INVALIDARG for a NULL
   manager or name, or a name that is not UTF-8 of at most 256 characters. */
SHOAL_API HRESULT shoal_job_create(shoal_manager* manager, const char* display_name,
                                   shoal_job** out);
/* IBackgroundCopyJob::AddFile: `url` http(s), `local_path` absolute. */
SHOAL_API HRESULT shoal_job_add_file(shoal_job* job, const char* url, const char* local_path);
SHOAL_API HRESULT shoal_job_resume(shoal_job* job);
SHOAL_API HRESULT shoal_job_suspend(shoal_job* job);
/* E_INVALIDARG for a NULL `out`, as GetProgress and GetState do. */
SHOAL_API HRESULT shoal_job_get_progress(shoal_job* job, shoal_progress* out);
SHOAL_API HRESULT shoal_job_get_state(shoal_job* job, int* out);
/* The error of a job in ERROR or TRANSIENT_ERROR (BG_E_ERROR_INFORMATION_UNAVAILABLE
   otherwise): its HRESULT, and its description when `description` is not NULL (free it with
   shoal_string_free). */
SHOAL_API HRESULT shoal_job_get_error(shoal_job* job, HRESULT* code, char** description);
/* IBackgroundCopyJob::Complete (S_OK, BG_S_PARTIAL_COMPLETE, ...) and Cancel. */
SHOAL_API HRESULT shoal_job_complete(shoal_job* job);
SHOAL_API HRESULT shoal_job_cancel(shoal_job* job);
SHOAL_API void shoal_job_release(shoal_job* job);

SHOAL_API void shoal_string_free(char* text);

#ifdef __cplusplus
} /* extern "C" */
#endif
