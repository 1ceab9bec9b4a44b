"""The C ABI from Python's ctypes: downloads URL to OUT through libshoal.so, as c_api_test.c
does. Run by with_origin, which serves the URL and checks OUT:
    python3 c_api_test.py LIBSHOAL_SO URL OUT
"""
import ctypes
import sys
import time

E_INVALIDARG = ctypes.c_int32(0x80070057).value
S_OK = 0
TRANSFERRED, ERROR = 6, 4


class Progress(ctypes.Structure):
    _fields_ = [("bytes_total", ctypes.c_uint64), ("bytes_transferred", ctypes.c_uint64),
                ("files_total", ctypes.c_uint32), ("files_transferred", ctypes.c_uint32)]


def main(lib_path, url, out):
    lib = ctypes.CDLL(lib_path)
    for name in ("shoal_manager_create", "shoal_job_create", "shoal_job_add_file",
                 "shoal_job_resume", "shoal_job_get_progress", "shoal_job_get_state",
                 "shoal_job_get_error", "shoal_job_complete", "shoal_job_cancel"):
        getattr(lib, name).restype = ctypes.c_int32
    lib.shoal_job_create.argtypes = [ctypes.c_void_p, ctypes.c_char_p,
                                     ctypes.POINTER(ctypes.c_void_p)]
    lib.shoal_job_add_file.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p]
    for name in ("shoal_job_resume", "shoal_job_complete", "shoal_job_cancel",
                 "shoal_job_release", "shoal_manager_release"):
        getattr(lib, name).argtypes = [ctypes.c_void_p]
    lib.shoal_job_get_state.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int)]
    lib.shoal_job_get_progress.argtypes = [ctypes.c_void_p, ctypes.POINTER(Progress)]

    manager, job = ctypes.c_void_p(), ctypes.c_void_p()
    assert lib.shoal_manager_create(ctypes.byref(manager)) == S_OK
    assert lib.shoal_job_create(manager, b"ctypes", ctypes.byref(job)) == S_OK
    assert lib.shoal_job_add_file(job, b"relative/url", out.encode()) == E_INVALIDARG
    assert lib.shoal_job_add_file(job, url.encode(), out.encode()) == S_OK
    assert lib.shoal_job_resume(job) == S_OK
    state = ctypes.c_int(-1)
    for _ in range(6000):  # a minute at most
        assert lib.shoal_job_get_state(job, ctypes.byref(state)) == S_OK
        if state.value in (TRANSFERRED, ERROR):
            break
        time.sleep(0.01)
    progress = Progress()
    assert lib.shoal_job_get_progress(job, ctypes.byref(progress)) == S_OK
    print("state", state.value, progress.bytes_transferred, "of", progress.bytes_total, "bytes")
    ok = state.value == TRANSFERRED and lib.shoal_job_complete(job) == S_OK
    if not ok:
        lib.shoal_job_cancel(job)
    lib.shoal_job_release(job)
    lib.shoal_manager_release(manager)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
