// The registry of checks (in libxgrad, so that a plugin loaded by `xgrad check` registers into
// the program's one registry).
#include "registry.hpp"

#include <random>

#include "../autograd/random.hpp"

namespace xgrad::testing {

std::vector<RegisteredCheck>& registered_checks() {
  static std::vector<RegisteredCheck> checks;
  return checks;
}

tensor_list example_inputs(const RegisteredCheck& check, std::uint64_t seed) {
  Generator gen(seed);
  tensor_list inputs;
  for (const auto& s : check.shapes) {
    Shape shape(s.begin(), s.end());
    std::int64_t n = 1;
    for (std::int64_t d : s) n *= d;
    std::normal_distribution<double> normal;
    std::vector<double> v(static_cast<std::size_t>(n < 0 ? 0 : n));
    for (double& e : v) e = normal(gen.engine());
    inputs.push_back(tensor(v, shape, TensorOptions(kFloat64)));
  }
  return inputs;
}

CheckResult run_registered_check(const RegisteredCheck& check, std::uint64_t seed) {
  return check_function(check.fn, example_inputs(check, seed), check.options.name(check.name));
}

}  // namespace xgrad::testing
