// Compiled at configure time by cmake/ThreadSafety.cmake (SHOAL_THREAD_SAFETY=ON): with no
// SHOAL_MISUSE it must compile cleanly; with each SHOAL_MISUSE=n it must fail with a
// thread-safety error. So the annotations on engine/mutex.h are proven to be checked.
#include "engine/mutex.h"

namespace {

using shoal::engine::CondVar;
using shoal::engine::Mutex;
using shoal::engine::MutexLock;

class Counter {
 public:
  void Add(int n) EXCLUDES(mu_) {
    MutexLock lock(mu_);
    AddLocked(n);
    cv_.NotifyAll();
  }
  int WaitForAtLeast(int n) EXCLUDES(mu_) {
    MutexLock lock(mu_);
    cv_.Wait(mu_, [this, n]() REQUIRES(mu_) { return value_ >= n; });
    return value_;
  }
  int Get() EXCLUDES(mu_) {
#if SHOAL_MISUSE == 1  // reads a guarded member without the lock
    return value_;
#elif SHOAL_MISUSE == 2  // calls a REQUIRES function without the lock
    AddLocked(0);
    return 0;
#elif SHOAL_MISUSE == 3  // a wait predicate that does not say it runs under the lock
    MutexLock lock(mu_);
    cv_.Wait(mu_, [this] { return value_ > 0; });
    return value_;
#elif SHOAL_MISUSE == 4  // waits without holding the mutex
    cv_.Wait(mu_);
    return 0;
#else
    MutexLock lock(mu_);
    return value_;
#endif
  }

 private:
  void AddLocked(int n) REQUIRES(mu_) { value_ += n; }

  Mutex mu_;
  CondVar cv_;
  int value_ GUARDED_BY(mu_) = 0;
};

}  // namespace

int main() {
  Counter c;
  c.Add(1);
  return c.WaitForAtLeast(1) == c.Get() ? 0 : 1;
}
