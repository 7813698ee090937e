// RAII for C handles: a unique owner for anything with a free function (pri*,
// su_home_t*, sqlite3*, SpanDSP states) and for file descriptors. Owned by the
// object that holds it; not thread-safe, like the handles themselves.
#pragma once

#include <memory>
#include <utility>

namespace outpost::core {

// UniqueHandle<T, &free_fn>: a unique_ptr whose deleter is a C function.
template <typename T, auto FreeFn>
struct CFree {
  void operator()(T* p) const noexcept {
    if (p) FreeFn(p);
  }
};
template <typename T, auto FreeFn>
using UniqueHandle = std::unique_ptr<T, CFree<T, FreeFn>>;

// An owned file descriptor, closed on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) reset(std::exchange(o.fd_, -1));
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  explicit operator bool() const { return valid(); }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

// Runs a callable when the scope ends, unless dismissed.
template <typename F>
class ScopeExit {
 public:
  explicit ScopeExit(F f) : f_(std::move(f)) {}
  ~ScopeExit() {
    if (armed_) f_();
  }
  ScopeExit(const ScopeExit&) = delete;
  ScopeExit& operator=(const ScopeExit&) = delete;
  void dismiss() { armed_ = false; }

 private:
  F f_;
  bool armed_ = true;
};

}  // namespace outpost::core
