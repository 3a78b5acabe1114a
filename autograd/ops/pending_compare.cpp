// TEMPORARY: stubs for ops not written yet. Each is replaced by its real implementation
// (and this file deleted) by the work on this group.
#include <stdexcept>
#include "../ops.hpp"
namespace xgrad {
Tensor minimum(const Tensor&, const Tensor&) { throw std::logic_error("minimum: not implemented yet"); }
Tensor maximum(const Tensor&, const Tensor&) { throw std::logic_error("maximum: not implemented yet"); }
Tensor where(const Tensor&, const Tensor&, const Tensor&) { throw std::logic_error("where: not implemented yet"); }
Tensor eq(const Tensor&, const Tensor&) { throw std::logic_error("eq: not implemented yet"); }
Tensor ne(const Tensor&, const Tensor&) { throw std::logic_error("ne: not implemented yet"); }
Tensor lt(const Tensor&, const Tensor&) { throw std::logic_error("lt: not implemented yet"); }
Tensor le(const Tensor&, const Tensor&) { throw std::logic_error("le: not implemented yet"); }
Tensor gt(const Tensor&, const Tensor&) { throw std::logic_error("gt: not implemented yet"); }
Tensor ge(const Tensor&, const Tensor&) { throw std::logic_error("ge: not implemented yet"); }
Tensor eq(const Tensor&, double) { throw std::logic_error("eq: not implemented yet"); }
Tensor ne(const Tensor&, double) { throw std::logic_error("ne: not implemented yet"); }
Tensor lt(const Tensor&, double) { throw std::logic_error("lt: not implemented yet"); }
Tensor le(const Tensor&, double) { throw std::logic_error("le: not implemented yet"); }
Tensor gt(const Tensor&, double) { throw std::logic_error("gt: not implemented yet"); }
Tensor ge(const Tensor&, double) { throw std::logic_error("ge: not implemented yet"); }
bool allclose(const Tensor&, const Tensor&, double, double) { throw std::logic_error("allclose: not implemented yet"); }
bool equal(const Tensor&, const Tensor&) { throw std::logic_error("equal: not implemented yet"); }
}  // namespace xgrad
