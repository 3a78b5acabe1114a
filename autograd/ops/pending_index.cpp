// TEMPORARY: stubs for ops not written yet. Each is replaced by its real implementation
// (and this file deleted) by the work on this group.
#include <stdexcept>
#include "../ops.hpp"
namespace xgrad {
Tensor cat(const tensor_list&, std::int64_t) { throw std::logic_error("cat: not implemented yet"); }
Tensor stack(const tensor_list&, std::int64_t) { throw std::logic_error("stack: not implemented yet"); }
tensor_list split(const Tensor&, std::int64_t, std::int64_t) { throw std::logic_error("split: not implemented yet"); }
tensor_list chunk(const Tensor&, std::int64_t, std::int64_t) { throw std::logic_error("chunk: not implemented yet"); }
Tensor narrow(const Tensor&, std::int64_t, std::int64_t, std::int64_t) { throw std::logic_error("narrow: not implemented yet"); }
Tensor slice(const Tensor&, std::int64_t, std::optional<std::int64_t>, std::optional<std::int64_t>, std::int64_t) { throw std::logic_error("slice: not implemented yet"); }
Tensor select(const Tensor&, std::int64_t, std::int64_t) { throw std::logic_error("select: not implemented yet"); }
Tensor index_select(const Tensor&, std::int64_t, const Tensor&) { throw std::logic_error("index_select: not implemented yet"); }
Tensor gather(const Tensor&, std::int64_t, const Tensor&) { throw std::logic_error("gather: not implemented yet"); }
Tensor scatter_add(const Tensor&, std::int64_t, const Tensor&, const Tensor&) { throw std::logic_error("scatter_add: not implemented yet"); }
Tensor pad(const Tensor&, const Shape&, double) { throw std::logic_error("pad: not implemented yet"); }
}  // namespace xgrad
