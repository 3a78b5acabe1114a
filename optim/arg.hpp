// XGRAD_ARG: the builder-style option accessors used by every options struct in optim/
// (as LibTorch's TORCH_ARG): `SGDOptions(0.1).momentum(0.9)` sets, `opts.momentum()` reads.
#pragma once

#define XGRAD_ARG(T, name, init)                     \
 public:                                             \
  auto& name(const T& new_value) {                   \
    name##_ = new_value;                             \
    return *this;                                    \
  }                                                  \
  const T& name() const noexcept { return name##_; } \
                                                     \
 private:                                            \
  T name##_ = init;                                  \
                                                     \
 public:
