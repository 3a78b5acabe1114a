// Joining and splitting along a dim: cat and stack copy their inputs into one fresh tensor;
// split and chunk return views of their input (one graph node for all the pieces).
#include "../kernels/view_helpers.hpp"

namespace xgrad {

using namespace kernels;

namespace {

// Wires node N to every tensor of `inputs` and to `out`, when any input requires grad
// (record() for a list whose length is only known at run time).
template <class N>
std::shared_ptr<N> record_list(const tensor_list& inputs, Tensor& out) {
  if (!autograd::GradMode::is_enabled()) return nullptr;
  bool any = false;
  for (const Tensor& t : inputs) any = any || t.requires_grad();
  if (!any) return nullptr;
  auto node = std::make_shared<N>();
  node->next_edges().reserve(inputs.size());
  for (const Tensor& t : inputs) node->next_edges().push_back(autograd::gradient_edge(t));
  autograd::set_history(out, node);
  return node;
}

void check_list(const tensor_list& tensors, const char* op) {
  if (tensors.empty()) throw std::invalid_argument(std::string(op) + ": expected a non-empty list of tensors");
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    if (!tensors[i].defined()) {
      throw std::invalid_argument(std::string(op) + ": the tensor at position " + std::to_string(i) + " is undefined");
    }
  }
}

Dtype promoted(const tensor_list& tensors) {
  Dtype dt = tensors[0].dtype();
  for (const Tensor& t : tensors) dt = promote_types(dt, t.dtype());
  return dt;
}

// PyTorch still accepts 1-D empty tensors of any other shape in cat and skips them.
bool skipped_in_cat(const Tensor& t) { return t.dim() == 1 && t.numel() == 0; }

}  // namespace

// ---- cat: each input's gradient is its slice of g -------------------------------------------
namespace {
struct CatBackward0 final : Node {
  std::int64_t dim = 0;
  std::vector<std::int64_t> sizes;  // along dim; -1 for a skipped empty input
  tensor_list apply(tensor_list&& g) override {
    tensor_list out(sizes.size());
    std::int64_t offset = 0;
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      if (sizes[i] < 0) {
        if (should_compute_output(i)) out[i] = zeros({0}, g[0].dtype());
        continue;
      }
      if (should_compute_output(i)) out[i] = narrow(g[0], dim, offset, sizes[i]);
      offset += sizes[i];
    }
    return out;
  }
};
}  // namespace

Tensor cat(const tensor_list& tensors, std::int64_t dim) {
  check_list(tensors, "cat");
  std::size_t ref = 0;
  while (ref < tensors.size() && skipped_in_cat(tensors[ref])) ++ref;
  if (ref == tensors.size()) ref = 0;
  const Tensor& r = tensors[ref];
  auto zero_dim = [](std::size_t i) {
    return std::invalid_argument("cat: the zero-dimensional tensor at position " + std::to_string(i) +
                                 " cannot be concatenated");
  };
  if (r.dim() == 0) throw zero_dim(ref);
  std::int64_t d = wrap_dim(dim, r.dim(), "cat", r.shape());
  Shape out_shape = r.shape();
  out_shape[static_cast<std::size_t>(d)] = 0;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    if (i != ref && skipped_in_cat(t)) continue;
    if (t.dim() == 0) throw zero_dim(i);
    bool same = t.dim() == r.dim();
    for (std::int64_t k = 0; same && k < r.dim(); ++k) same = k == d || t.size(k) == r.size(k);
    if (!same) {
      throw std::invalid_argument("cat: sizes of tensors must match except in dimension " + std::to_string(d) +
                                  ", but the tensor at position " + std::to_string(i) + " is " + describe(t) +
                                  " and the one at position " + std::to_string(ref) + " is " + describe(r));
    }
    out_shape[static_cast<std::size_t>(d)] += t.size(d);
  }
  Tensor out = empty_tensor(out_shape, promoted(tensors), "cat");
  const Shape& os = out.strides();
  std::int64_t offset = 0;
  std::vector<std::int64_t> sizes(tensors.size(), -1);
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    if (i != ref && skipped_in_cat(t)) continue;
    copy_into(make_view(out, t.shape(), os, offset * os[static_cast<std::size_t>(d)]), t);
    sizes[i] = t.size(d);
    offset += t.size(d);
  }
  if (auto n = record_list<CatBackward0>(tensors, out)) {
    n->dim = d;
    n->sizes = std::move(sizes);
  }
  return out;
}

// ---- stack: each input's gradient is g selected at its position --------------------------
namespace {
struct StackBackward0 final : Node {
  std::int64_t dim = 0;
  tensor_list apply(tensor_list&& g) override {
    tensor_list out(num_outputs());
    for (std::size_t i = 0; i < out.size(); ++i) {
      if (should_compute_output(i)) out[i] = select(g[0], dim, static_cast<std::int64_t>(i));
    }
    return out;
  }
};
}  // namespace

Tensor stack(const tensor_list& tensors, std::int64_t dim) {
  check_list(tensors, "stack");
  const Tensor& r = tensors[0];
  for (std::size_t i = 1; i < tensors.size(); ++i) {
    if (tensors[i].shape() != r.shape()) {
      throw std::invalid_argument("stack: expects each tensor to be equal size, but got " + describe(r) +
                                  " at position 0 and " + describe(tensors[i]) + " at position " + std::to_string(i));
    }
  }
  std::int64_t d = wrap_dim(dim, r.dim() + 1, "stack", r.shape());
  Shape out_shape = r.shape();
  out_shape.insert(out_shape.begin() + d, static_cast<std::int64_t>(tensors.size()));
  Tensor out = empty_tensor(out_shape, promoted(tensors), "stack");
  Shape strides = out.strides();
  const std::int64_t step = strides[static_cast<std::size_t>(d)];
  strides.erase(strides.begin() + d);
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    copy_into(make_view(out, r.shape(), strides, static_cast<std::int64_t>(i) * step), tensors[i]);
  }
  if (auto n = record_list<StackBackward0>(tensors, out)) n->dim = d;
  return out;
}

// ---- split / chunk: views; the backward concatenates the pieces' gradients ----------------
namespace {
struct SplitBackward0 final : Node {
  std::int64_t dim = 0;
  tensor_list apply(tensor_list&& g) override {
    bool any = false;
    for (const Tensor& t : g) any = any || t.defined();
    if (!any) return {Tensor()};
    for (std::size_t i = 0; i < g.size(); ++i) {
      // A piece nobody used contributes zeros.
      if (!g[i].defined()) g[i] = zeros(input_meta(i).shape, input_meta(i).dtype);
    }
    return {cat(g, dim)};
  }
};
}  // namespace

tensor_list split(const Tensor& x, std::int64_t split_size, std::int64_t dim) {
  check_defined(x, "split");
  if (x.dim() == 0) throw std::invalid_argument("split: expects at least a 1-dimensional tensor, got " + describe(x));
  if (split_size < 0) {
    throw std::invalid_argument("split: split_size must be non-negative, got " + std::to_string(split_size) + " for " +
                                describe(x));
  }
  std::int64_t d = wrap_dim(dim, x.dim(), "split", x.shape());
  const std::int64_t size = x.size(d);
  if (split_size == 0 && size != 0) {
    throw std::invalid_argument("split: split_size can only be 0 if dimension " + std::to_string(d) +
                                " has size 0, but " + describe(x) + " has size " + std::to_string(size) + " there");
  }
  const std::int64_t pieces =
      split_size == 0 ? 1 : std::max<std::int64_t>(1, size / split_size + (size % split_size != 0));
  const auto ud = static_cast<std::size_t>(d);
  tensor_list out;
  out.reserve(static_cast<std::size_t>(pieces));
  for (std::int64_t i = 0; i < pieces; ++i) {
    Shape shape = x.shape();
    shape[ud] = std::min(split_size, size - i * split_size);
    out.push_back(make_view(x, shape, x.strides(), x.impl()->offset + i * split_size * x.strides()[ud]));
  }
  if (autograd::any_requires_grad({&x})) {
    auto node = std::make_shared<SplitBackward0>();
    node->dim = d;
    node->next_edges().push_back(autograd::gradient_edge(x));
    for (Tensor& t : out) autograd::set_history(t, node);
  }
  return out;
}

tensor_list chunk(const Tensor& x, std::int64_t chunks, std::int64_t dim) {
  check_defined(x, "chunk");
  if (chunks <= 0) {
    throw std::invalid_argument("chunk: chunks must be greater than 0, got " + std::to_string(chunks) + " for " +
                                describe(x));
  }
  if (x.dim() == 0) throw std::invalid_argument("chunk: expects at least a 1-dimensional tensor, got " + describe(x));
  std::int64_t d = wrap_dim(dim, x.dim(), "chunk", x.shape());
  const std::int64_t size = x.size(d);
  return split(x, size / chunks + (size % chunks != 0), d);
}

}  // namespace xgrad
