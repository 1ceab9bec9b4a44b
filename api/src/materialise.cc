#include "api/src/materialise.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "engine/destination.h"

namespace shoal::api {
namespace {

// Copies [0, size) of `in` to `out` without moving `in`'s offset (the service shares it).
bool CopyAll(int in, int out, off_t size) {
  off_t in_off = 0;
  bool kernel = true;
  while (in_off < size && kernel) {
    const ssize_t n =
        ::copy_file_range(in, &in_off, out, nullptr, static_cast<std::size_t>(size - in_off), 0);
    if (n > 0) continue;
    if (n == 0) return false;  // shorter than it said
    if (errno == EINTR) continue;
    if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP) return false;
    kernel = false;
  }
  std::vector<char> buf(1 << 20);
  while (in_off < size) {
    const ssize_t n = ::pread(in, buf.data(), buf.size(), in_off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    for (ssize_t done = 0; done < n;) {
      const ssize_t w = ::write(out, buf.data() + done, static_cast<std::size_t>(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) return false;
      done += w;
    }
    in_off += n;
  }
  return true;
}

}  // namespace

hr::HResult CopyBeside(int fd, const std::string& final_path, const std::string& tag,
                       std::string* temp, std::string* message) {
  const std::filesystem::path final_name(final_path);
  *temp = (final_name.parent_path() /
           engine::TempName(final_name.filename().string(), tag, ".shoal-part"))
              .string();
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    *message = "the service handed over no regular file";
    return hr::kFail;
  }
  const int out = ::open(temp->c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0666);
  if (out < 0) {
    const int e = errno;
    *message = "cannot create " + *temp + ": " + std::strerror(e);
    return hr::FromErrno(e);
  }
  const bool ok = CopyAll(fd, out, st.st_size) && ::fsync(out) == 0;
  const int e = errno;
  ::close(out);
  if (!ok) {
    ::unlink(temp->c_str());
    *message = "cannot write " + *temp + ": " + std::strerror(e);
    return e != 0 ? hr::FromErrno(e) : hr::kFail;
  }
  return hr::kOk;
}

}  // namespace shoal::api
