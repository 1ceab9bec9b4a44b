#include "engine/file_copy.h"

#include <fcntl.h>
#include <linux/fs.h>  // FICLONE
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

namespace shoal::engine {
namespace {

// copy_file_range is refused across file systems on older kernels and by some file systems.
bool FallBack(int err) {
  return err == EXDEV || err == EINVAL || err == ENOSYS || err == EOPNOTSUPP;
}

// Copies with pread/pwrite; 0 or the errno.
int ReadWrite(int in, std::uint64_t from, int out, std::uint64_t to, std::uint64_t length) {
  std::vector<char> buf(static_cast<std::size_t>(std::min<std::uint64_t>(length, 1 << 20)));
  for (std::uint64_t done = 0; done < length;) {
    const std::size_t want =
        static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), length - done));
    const ssize_t n = ::pread(in, buf.data(), want, static_cast<off_t>(from + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) return EIO;  // the content shrank under us
    for (ssize_t put = 0; put < n;) {
      const ssize_t w = ::pwrite(out, buf.data() + put, static_cast<std::size_t>(n - put),
                                 static_cast<off_t>(to + done + static_cast<std::uint64_t>(put)));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return errno;
      put += w;
    }
    done += static_cast<std::uint64_t>(n);
  }
  return 0;
}

}  // namespace

int CopyRange(int in, std::uint64_t in_offset, int out, std::uint64_t out_offset,
              std::uint64_t length, bool* read_write) {
  if (read_write != nullptr) *read_write = false;
  auto off_in = static_cast<loff_t>(in_offset);
  auto off_out = static_cast<loff_t>(out_offset);
  const auto end = static_cast<loff_t>(in_offset + length);
  while (off_in < end) {
    const ssize_t n =
        ::copy_file_range(in, &off_in, out, &off_out, static_cast<std::size_t>(end - off_in), 0);
    if (n > 0) continue;
    if (n == 0) return EIO;  // the content shrank under us
    if (errno == EINTR) continue;
    if (!FallBack(errno)) return errno;
    if (read_write != nullptr) *read_write = true;
    const auto done = static_cast<std::uint64_t>(off_in) - in_offset;
    return ReadWrite(in, in_offset + done, out, out_offset + done, length - done);
  }
  return 0;
}

int CopyFileTo(const std::string& src, int out, std::string* why) {
  const int in = ::open(src.c_str(), O_RDONLY | O_CLOEXEC);
  int err = in < 0 ? errno : 0;
  struct stat st {};
  if (err == 0 && ::fstat(in, &st) != 0) err = errno;
  if (err == 0 && ::ftruncate(out, 0) != 0) err = errno;
  CopyMethod method;
  if (err == 0) err = CopyFileData(in, out, static_cast<std::uint64_t>(st.st_size), &method);
  if (in >= 0) ::close(in);
  if (err != 0) *why = src + ": " + std::strerror(err);
  return err;
}

int CopyFileData(int in, int out, std::uint64_t size, CopyMethod* method) {
  if (size > 0 && ::ioctl(out, FICLONE, in) == 0) {
    *method = CopyMethod::kClone;
    return 0;
  }
  bool read_write = false;
  const int err = CopyRange(in, 0, out, 0, size, &read_write);
  *method = read_write ? CopyMethod::kReadWrite : CopyMethod::kCopyFileRange;
  return err;
}

}  // namespace shoal::engine
