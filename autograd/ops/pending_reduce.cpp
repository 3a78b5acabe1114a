// TEMPORARY: stubs for ops not written yet. Each is replaced by its real implementation
// (and this file deleted) by the work on this group.
#include <stdexcept>
#include "../ops.hpp"
namespace xgrad {
Tensor var(const Tensor&, const Shape&, double, bool) { throw std::logic_error("var: not implemented yet"); }
Tensor var(const Tensor&) { throw std::logic_error("var: not implemented yet"); }
Tensor std(const Tensor&, const Shape&, double, bool) { throw std::logic_error("std: not implemented yet"); }
Tensor std(const Tensor&) { throw std::logic_error("std: not implemented yet"); }
Tensor max(const Tensor&) { throw std::logic_error("max: not implemented yet"); }
Tensor min(const Tensor&) { throw std::logic_error("min: not implemented yet"); }
std::tuple<Tensor, Tensor> max(const Tensor&, std::int64_t, bool) { throw std::logic_error("max: not implemented yet"); }
std::tuple<Tensor, Tensor> min(const Tensor&, std::int64_t, bool) { throw std::logic_error("min: not implemented yet"); }
Tensor argmax(const Tensor&) { throw std::logic_error("argmax: not implemented yet"); }
Tensor argmax(const Tensor&, std::int64_t, bool) { throw std::logic_error("argmax: not implemented yet"); }
Tensor argmin(const Tensor&) { throw std::logic_error("argmin: not implemented yet"); }
Tensor argmin(const Tensor&, std::int64_t, bool) { throw std::logic_error("argmin: not implemented yet"); }
Tensor logsumexp(const Tensor&, const Shape&, bool) { throw std::logic_error("logsumexp: not implemented yet"); }
Tensor softmax(const Tensor&, std::int64_t) { throw std::logic_error("softmax: not implemented yet"); }
Tensor log_softmax(const Tensor&, std::int64_t) { throw std::logic_error("log_softmax: not implemented yet"); }
}  // namespace xgrad
