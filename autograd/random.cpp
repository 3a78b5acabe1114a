#include "random.hpp"

#include "tensor.hpp"

namespace xgrad {

Generator& default_generator() {
  thread_local Generator g(0);
  return g;
}

void manual_seed(std::uint64_t seed) { default_generator().manual_seed(seed); }

}  // namespace xgrad
