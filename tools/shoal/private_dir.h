// A per-user directory in a place others can write to (the status reports' /tmp fallback):
// opened without following symlinks, refused unless owned by this user with no group or other
// access, and files written into it by name relative to its descriptor, never through a link.
// Thread-compatible.
#pragma once

#include <string>

namespace shoal::cli {

class PrivateDir {
 public:
  PrivateDir() = default;
  ~PrivateDir();
  PrivateDir(const PrivateDir&) = delete;
  PrivateDir& operator=(const PrivateDir&) = delete;

  // Opens `path`, creating it (mode 0700) when `create` and it is absent. False, with
  // `*error` saying why and what to do, when it is a symlink, not a directory, owned by
  // another user, or open to group or others.
  bool Open(const std::string& path, bool create, std::string* error);
  bool is_open() const { return fd_ >= 0; }
  int fd() const { return fd_; }

  // Replaces `name` with `content` atomically: a new temp file (O_EXCL, O_NOFOLLOW, 0600)
  // renamed over it, so a symlink planted at either name is replaced, never followed.
  bool Write(const std::string& name, const std::string& content) const;
  // Reads `name` if it is a regular file (not through a symlink).
  bool Read(const std::string& name, std::string* content) const;
  void Remove(const std::string& name) const;

 private:
  int fd_ = -1;
};

}  // namespace shoal::cli
