#include "api/src/materialise.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include "engine/destination.h"
#include "engine/temp_files.h"
#include "engine/types.h"

namespace shoal::api {
namespace {

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int Release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

hr::HResult Fail(std::string* message, const std::string& what, int err) {
  *message = what + ": " + std::strerror(err);
  const hr::HResult h = hr::FromErrno(err);
  return h == hr::kOk ? hr::kFail : h;
}

// The temp file for `name` in `dir`, created and locked: the engine's rule for temp files that
// die with their owner (engine/temp_files.h). -1 with errno.
int CreateTemp(int dir, const std::string& name, std::string* temp) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    std::string tag = engine::Uuid::Random().ToString().substr(1, 8);
    *temp = engine::TempName(name, tag, engine::kEphemeralTempSuffix);
    Fd fd(::openat(dir, temp->c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (fd.get() < 0) {
      if (errno == EEXIST) continue;
      return -1;
    }
    // An engine cleaning the folder may take the lock first and delete the file: then the
    // name is gone (or another inode) and another name is tried.
    struct stat mine {
    }, now{};
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) == 0 && ::fstat(fd.get(), &mine) == 0 &&
        ::fstatat(dir, temp->c_str(), &now, AT_SYMLINK_NOFOLLOW) == 0 &&
        mine.st_ino == now.st_ino && mine.st_dev == now.st_dev) {
      return fd.Release();
    }
  }
  errno = EEXIST;
  return -1;
}

}  // namespace

StagedFile& StagedFile::operator=(StagedFile&& other) noexcept {
  if (this != &other) {
    Discard();
    dir_ = std::exchange(other.dir_, -1);
    file_ = std::exchange(other.file_, -1);
    dir_path_ = std::move(other.dir_path_);
    temp_ = std::move(other.temp_);
    name_ = std::move(other.name_);
  }
  return *this;
}

void StagedFile::Close() {
  if (file_ >= 0) ::close(file_);
  if (dir_ >= 0) ::close(dir_);
  file_ = dir_ = -1;
}

void StagedFile::Discard() {
  if (dir_ >= 0 && !temp_.empty()) ::unlinkat(dir_, temp_.c_str(), 0);
  Close();
}

hr::HResult StagedFile::MoveIntoPlace(std::string* message) {
  std::string ignored;
  if (message == nullptr) message = &ignored;
  if (dir_ < 0) {
    *message = "nothing staged";
    return hr::kUnexpected;
  }
  const hr::HResult h = engine::MoveIntoPlaceAt(dir_, temp_, name_, message);
  if (hr::Failed(h)) {
    *message = dir_path_ + "/" + *message;
    Discard();
    return h;
  }
  ::fsync(dir_);  // the rename itself survives a crash
  Close();
  return hr::kOk;
}

hr::HResult Stage(int content_fd, const std::string& destination, StagedFile* staged,
                  std::string* message, MaterialiseResult* result) {
  std::string ignored;
  if (message == nullptr) message = &ignored;
  staged->Discard();
  const std::size_t slash = destination.rfind('/');
  const std::string dir_path = slash == std::string::npos ? "."
                               : slash == 0               ? "/"
                                                          : destination.substr(0, slash);
  const std::string name = slash == std::string::npos ? destination : destination.substr(slash + 1);
  if (name.empty() || name == "." || name == "..") {
    *message = destination + ": not a file name";
    return hr::kInvalidArg;
  }
  const hr::HResult checked = engine::CheckDestination(destination, message);
  if (hr::Failed(checked)) return checked;
  struct stat src {};
  if (::fstat(content_fd, &src) != 0) return Fail(message, "the finished content", errno);
  if (!S_ISREG(src.st_mode)) {
    *message = "the finished content is not a regular file";
    return hr::kInvalidArg;
  }
  Fd dir(::open(dir_path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (dir.get() < 0) {
    const int err = errno;
    struct stat st {};
    // O_DIRECTORY|O_NOFOLLOW on a symlink to a folder says ENOTDIR (or ELOOP).
    if ((err == ELOOP || err == ENOTDIR) && ::lstat(dir_path.c_str(), &st) == 0 &&
        S_ISLNK(st.st_mode)) {
      *message = dir_path + " is a symbolic link: the folder of a job's file must be a folder";
      return hr::kInvalidArg;
    }
    return Fail(message, dir_path, err);
  }
  std::string temp;
  Fd out(CreateTemp(dir.get(), name, &temp));
  if (out.get() < 0) return Fail(message, dir_path + "/" + name + " (its temp file)", errno);
  const auto size = static_cast<std::uint64_t>(src.st_size);
  CopyMethod method = CopyMethod::kReadWrite;
  int err = engine::CopyFileData(content_fd, out.get(), size, &method);
  if (err == 0 && ::fsync(out.get()) != 0) err = errno;
  if (err != 0) {
    ::unlinkat(dir.get(), temp.c_str(), 0);
    return Fail(message, destination, err);
  }
  staged->dir_ = dir.Release();
  staged->file_ = out.Release();
  staged->dir_path_ = dir_path;
  staged->temp_ = temp;
  staged->name_ = name;
  if (result != nullptr) *result = {method, size};
  return hr::kOk;
}

hr::HResult Materialise(int content_fd, const std::string& destination, std::string* message,
                        MaterialiseResult* result) {
  StagedFile staged;
  const hr::HResult h = Stage(content_fd, destination, &staged, message, result);
  if (hr::Failed(h)) return h;
  return staged.MoveIntoPlace(message);
}

}  // namespace shoal::api
