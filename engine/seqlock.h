// A single-writer sequence lock over a trivially copyable value of whole 64-bit words: the
// writer (the engine thread) never blocks, readers on any thread retry until they see a value
// that was never torn. Thread-safe for one writer and any number of readers.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace shoal::engine {

template <typename T>
class SeqLocked {
  static_assert(std::is_trivially_copyable_v<T>);
  static constexpr std::size_t kWords = (sizeof(T) + 7) / 8;

 public:
  SeqLocked() { Store(T{}); }
  explicit SeqLocked(const T& v) { Store(v); }

  // Writer side: only one thread may call Store.
  void Store(const T& v) {
    std::array<std::uint64_t, kWords> raw{};
    std::memcpy(raw.data(), &v, sizeof(T));
    const std::uint64_t s = seq_.load(std::memory_order_relaxed);
    seq_.store(s + 1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_release);
    for (std::size_t i = 0; i < kWords; ++i) words_[i].store(raw[i], std::memory_order_relaxed);
    seq_.store(s + 2, std::memory_order_release);
  }

  // Reader side: any thread, lock-free, O(1).
  T Load() const {
    std::array<std::uint64_t, kWords> raw{};
    for (;;) {
      const std::uint64_t s1 = seq_.load(std::memory_order_acquire);
      if (s1 & 1) continue;
      for (std::size_t i = 0; i < kWords; ++i) raw[i] = words_[i].load(std::memory_order_relaxed);
      std::atomic_thread_fence(std::memory_order_acquire);
      if (seq_.load(std::memory_order_relaxed) == s1) break;
    }
    T v;
    std::memcpy(static_cast<void*>(&v), raw.data(), sizeof(T));
    return v;
  }

 private:
  std::atomic<std::uint64_t> seq_{0};
  std::array<std::atomic<std::uint64_t>, kWords> words_{};
};

}  // namespace shoal::engine
