// The random generator behind randn / rand / randint / randperm, dropout and nn::init.
// Each thread has its own generator (so that two threads training independent models are
// reproducible); manual_seed seeds the calling thread's one. The default seed is 0.
#pragma once
#include <cstdint>
#include <random>

namespace xgrad {

class Generator {
 public:
  explicit Generator(std::uint64_t seed = 0) : engine_(seed) {}
  void manual_seed(std::uint64_t seed) { engine_.seed(seed); }
  std::mt19937_64& engine() noexcept { return engine_; }
  // U[0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

 private:
  std::mt19937_64 engine_;
};

Generator& default_generator();

}  // namespace xgrad
