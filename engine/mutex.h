// Mutex, MutexLock and CondVar: std::mutex and std::condition_variable with the thread-safety
// annotations clang checks (engine/thread_annotations.h), so every GUARDED_BY member is
// provably read and written under its lock. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "engine/thread_annotations.h"

namespace shoal::engine {

class CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() ACQUIRE() { mu_.lock(); }
  void Unlock() RELEASE() { mu_.unlock(); }
  // For code the analysis cannot follow (a callback run under the lock): says it is held.
  void AssertHeld() const ASSERT_CAPABILITY(this) {}

 private:
  friend class CondVar;
  std::mutex mu_;
};

// Holds `mu` for its scope.
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) ACQUIRE(mu) : mu_(mu) { mu_.Lock(); }
  ~MutexLock() RELEASE() { mu_.Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mu_;
};

// Waits with the mutex held on entry and on return, as std::condition_variable does. A
// predicate reading guarded members must say so: `[this]() REQUIRES(mu_) { return ...; }`.
class CondVar {
 public:
  void NotifyOne() { cv_.notify_one(); }
  void NotifyAll() { cv_.notify_all(); }

  void Wait(Mutex& mu) REQUIRES(mu) {
    std::unique_lock lock(mu.mu_, std::adopt_lock);
    cv_.wait(lock);
    lock.release();  // still held: the caller's MutexLock lets go of it
  }
  // Wakes at a notification or at `deadline`, whichever comes first (or spuriously).
  template <typename Clock, typename Duration>
  void WaitUntil(Mutex& mu, const std::chrono::time_point<Clock, Duration>& deadline) REQUIRES(mu) {
    std::unique_lock lock(mu.mu_, std::adopt_lock);
    cv_.wait_until(lock, deadline);
    lock.release();
  }
  // The predicate runs with `mu` held (the analysis cannot see that through the template).
  template <typename Predicate>
  void Wait(Mutex& mu, Predicate done) REQUIRES(mu) NO_THREAD_SAFETY_ANALYSIS {
    std::unique_lock lock(mu.mu_, std::adopt_lock);
    cv_.wait(lock, done);
    lock.release();
  }
  // Returns done() as it was when the wait ended (false: the deadline passed first).
  template <typename Clock, typename Duration, typename Predicate>
  bool WaitUntil(Mutex& mu, const std::chrono::time_point<Clock, Duration>& deadline,
                 Predicate done) REQUIRES(mu) NO_THREAD_SAFETY_ANALYSIS {
    std::unique_lock lock(mu.mu_, std::adopt_lock);
    const bool result = cv_.wait_until(lock, deadline, done);
    lock.release();
    return result;
  }

 private:
  std::condition_variable cv_;
};

}  // namespace shoal::engine
