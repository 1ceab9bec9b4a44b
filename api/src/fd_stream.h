// FdStream: a Beast SyncReadStream/SyncWriteStream over a connected socket descriptor, each
// read and write bounded by a timeout (poll), which asio's blocking sockets cannot do. Used by
// the service's sessions and its client. Thread-compatible; owns the descriptor.
#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/system_error.hpp>
#include <cerrno>
#include <utility>

namespace shoal::api {

class FdStream {
 public:
  // `timeout_ms` < 0: wait without limit.
  FdStream(int fd, int timeout_ms) : fd_(fd), timeout_ms_(timeout_ms) {}
  ~FdStream() { Close(); }
  FdStream(const FdStream&) = delete;
  FdStream& operator=(const FdStream&) = delete;

  int fd() const { return fd_; }
  void set_timeout_ms(int ms) { timeout_ms_ = ms; }
  int Release() { return std::exchange(fd_, -1); }  // the caller closes it
  void Close() {
    if (fd_ >= 0) ::close(std::exchange(fd_, -1));
  }

  template <typename Buffers>
  std::size_t read_some(const Buffers& buffers, boost::system::error_code& ec) {
    return Io(buffers, POLLIN, ec);
  }
  template <typename Buffers>
  std::size_t read_some(const Buffers& buffers) {
    boost::system::error_code ec;
    const std::size_t n = read_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }
  template <typename Buffers>
  std::size_t write_some(const Buffers& buffers, boost::system::error_code& ec) {
    return Io(buffers, POLLOUT, ec);
  }
  template <typename Buffers>
  std::size_t write_some(const Buffers& buffers) {
    boost::system::error_code ec;
    const std::size_t n = write_some(buffers, ec);
    if (ec) throw boost::system::system_error(ec);
    return n;
  }

  // Waits for `events` on the descriptor; false with `ec` on timeout or error.
  bool Wait(short events, boost::system::error_code& ec) const {
    pollfd p{fd_, events, 0};
    for (;;) {
      const int r = ::poll(&p, 1, timeout_ms_);
      if (r > 0) return true;
      if (r == 0) {
        ec = boost::asio::error::timed_out;
        return false;
      }
      if (errno != EINTR) {
        ec.assign(errno, boost::system::system_category());
        return false;
      }
    }
  }

 private:
  template <typename Buffers>
  std::size_t Io(const Buffers& buffers, short events, boost::system::error_code& ec) {
    ec = {};
    auto it = boost::asio::buffer_sequence_begin(buffers);
    const auto end = boost::asio::buffer_sequence_end(buffers);
    for (; it != end; ++it) {
      if (boost::asio::buffer_size(*it) == 0) continue;
      if (!Wait(events, ec)) return 0;
      const boost::asio::mutable_buffer b(const_cast<void*>(boost::asio::buffer(*it).data()),
                                          boost::asio::buffer(*it).size());
      ssize_t n;
      do {
        n = events == POLLIN ? ::recv(fd_, b.data(), b.size(), 0)
                             : ::send(fd_, b.data(), b.size(), MSG_NOSIGNAL);
      } while (n < 0 && errno == EINTR);
      if (n < 0) {
        ec.assign(errno, boost::system::system_category());
        return 0;
      }
      if (n == 0 && events == POLLIN) {
        ec = boost::asio::error::eof;
        return 0;
      }
      return static_cast<std::size_t>(n);
    }
    return 0;
  }

  int fd_;
  int timeout_ms_;
};

}  // namespace shoal::api
