// Value-selecting ops: sort, argsort, topk, median and amax / amin over several dims. The
// forward sorts rows (kernels/rows.hpp) with NaN as the largest value; the backward sends g to
// the selected elements (scatter_add: differentiable), or splits it evenly among ties.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "../kernels/reduce_helpers.hpp"
#include "../kernels/rows.hpp"
#include "../ops_elementwise.hpp"
#include "../ops_scan.hpp"

namespace xgrad {

using namespace kernels;
using autograd::record;

namespace {

template <class T>
bool nan_of(T v) {
  if constexpr (std::is_floating_point_v<T>) return std::isnan(v);
  else return false;
}

// Sorts each row (stably) and keeps its first k: values and Int64 indices in the rows layout,
// then back in x's layout.
std::tuple<Tensor, Tensor> sort_rows(const Tensor& x, std::int64_t dim, bool descending, std::int64_t k,
                                     const char* op) {
  Rows r = rows_along(x, dim, op);
  Shape shape = r.t.shape();
  shape.back() = k;
  Tensor idx = empty_tensor(shape, kInt64, op);
  Tensor vals = dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    Tensor v = empty_tensor(shape, x.dtype(), op);
    const T* pi = r.t.impl()->template data_as<T>();
    T* pv = v.impl()->template data_as<T>();
    std::int64_t* px = idx.impl()->template data_as<std::int64_t>();
    std::vector<std::int64_t> order(static_cast<std::size_t>(r.len));
    for (std::int64_t row = 0; row < r.count; ++row) {
      const T* in = pi + row * r.len;
      std::iota(order.begin(), order.end(), std::int64_t{0});
      // NaN is the largest: last ascending, first descending.
      auto less = [&](std::int64_t a, std::int64_t b) { return !nan_of(in[a]) && (nan_of(in[b]) || in[a] < in[b]); };
      auto greater = [&](std::int64_t a, std::int64_t b) { return !nan_of(in[b]) && (nan_of(in[a]) || in[a] > in[b]); };
      if (descending) std::stable_sort(order.begin(), order.end(), greater);
      else std::stable_sort(order.begin(), order.end(), less);
      for (std::int64_t i = 0; i < k; ++i) {
        pv[row * k + i] = in[order[static_cast<std::size_t>(i)]];
        px[row * k + i] = order[static_cast<std::size_t>(i)];
      }
    }
    return v;
  });
  return {from_rows(vals, x, r), from_rows(idx, x, r)};
}

// g (of the selected values) sent back to x's elements at `indices` along dim.
struct SelectBackward final : Node {
  std::vector<autograd::SavedTensorInfo> saved_tensors() const override {
    return autograd::describe_saved({{"indices", &indices}});
  }
  const char* node_name = "SortBackward0";
  Tensor indices;  // Int64, no history
  Shape shape;
  std::int64_t dim = 0;
  bool keepdim = true;
  std::string name() const override { return node_name; }
  tensor_list apply(tensor_list&& g) override {
    if (shape.empty()) return {reshape(g[0], shape)};
    Tensor gk = keepdim ? g[0] : unsqueeze(g[0], dim);
    Tensor ik = keepdim ? indices : unsqueeze(indices, dim);
    return {scatter_add(zeros(shape, g[0].dtype()), dim, ik, gk)};
  }
  void release_variables() override { indices = Tensor(); }
};

void record_select(const Tensor& x, Tensor& values, const Tensor& indices, std::int64_t dim, bool keepdim,
                   const char* node_name) {
  if (auto n = record<SelectBackward>({&x}, values)) {
    n->node_name = node_name;
    n->indices = indices;
    n->shape = x.shape();
    n->dim = x.dim() == 0 ? 0 : wrap_dim(dim, x.dim(), node_name, x.shape());
    n->keepdim = keepdim;
  }
}

}  // namespace

// ---- sort / argsort / topk ----------------------------------------------------------------------
std::tuple<Tensor, Tensor> sort(const Tensor& x, std::int64_t dim, bool descending) {
  check_defined(x, "sort");
  auto [values, indices] = sort_rows(x, dim, descending, x.dim() == 0 ? 1 : x.size(dim), "sort");
  record_select(x, values, indices, dim, true, "SortBackward0");
  return {values, indices};
}

std::tuple<Tensor, Tensor> sort(const Tensor& x, std::optional<bool> /*stable: always*/, std::int64_t dim,
                                bool descending) {
  return sort(x, dim, descending);
}

Tensor argsort(const Tensor& x, std::int64_t dim, bool descending) {
  autograd::NoGradGuard no_grad;
  return std::get<1>(sort(x, dim, descending));
}

std::tuple<Tensor, Tensor> topk(const Tensor& x, std::int64_t k, std::int64_t dim, bool largest, bool /*sorted*/) {
  check_defined(x, "topk");
  const std::int64_t len = x.dim() == 0 ? 1 : x.size(wrap_dim(dim, x.dim(), "topk", x.shape()));
  if (k < 0 || k > len) {
    throw std::invalid_argument("topk: k (" + std::to_string(k) + ") is out of range for dim " + std::to_string(dim) +
                                " of size " + std::to_string(len) + " (input " + describe(x) + ")");
  }
  auto [values, indices] = sort_rows(x, dim, largest, k, "topk");
  record_select(x, values, indices, dim, true, "TopkBackward0");
  return {values, indices};
}

// ---- median -------------------------------------------------------------------------------------
// Along dim: the ((n - 1) / 2)-th of the ascending order (NaN largest), or the first NaN when the
// row holds one (NaN propagates). Gradient to the returned index (MedianBackward1).
std::tuple<Tensor, Tensor> median(const Tensor& x, std::int64_t dim, bool keepdim) {
  check_defined(x, "median");
  const std::int64_t d = x.dim() == 0 ? 0 : wrap_dim(dim, x.dim(), "median", x.shape());
  const std::int64_t len = x.dim() == 0 ? 1 : x.size(d);
  if (len == 0) {
    throw std::invalid_argument("median: cannot take the median over dim " + std::to_string(dim) +
                                " of size 0 (input " + describe(x) + ")");
  }
  Tensor values, indices;
  {
    autograd::NoGradGuard no_grad;
    auto [sv, si] = sort_rows(x, d, false, len, "median");
    // NaN sorts last: a row with a NaN has one at its end; PyTorch then returns NaN.
    Tensor last_nan = x.is_floating_point() ? ne(narrow(sv, d, len - 1, 1), narrow(sv, d, len - 1, 1)) : Tensor();
    const std::int64_t pick = (len - 1) / 2;
    values = narrow(sv, d, pick, 1);
    indices = narrow(si, d, pick, 1);
    if (last_nan.defined() && sum(last_nan).item<std::int64_t>() > 0) {
      // The first NaN of each row: the first entry of the NaN block at the end of the sorted row.
      Tensor nan_count = sum(ne(sv, sv), {d}, true);
      Tensor first_nan_pos = rsub(nan_count, static_cast<double>(len)).to(kInt64);
      Tensor pos = where(gt(nan_count, 0.0), first_nan_pos, scalar_tensor(static_cast<double>(pick), kInt64));
      values = gather(sv, d, pos);
      indices = gather(si, d, pos);
    }
    values = values.contiguous();
    indices = indices.contiguous();
    if (!keepdim && x.dim() > 0) {
      values = squeeze(values, d);
      indices = squeeze(indices, d);
    }
  }
  record_select(x, values, indices, d, keepdim, "MedianBackward1");
  return {values, indices};
}

// Whole tensor: the gradient is split evenly among the elements equal to the median (as PyTorch's
// evenly_distribute_backward; NaN counts as equal to a NaN median).
namespace {
struct MedianBackward0 final : Node {
  std::vector<autograd::SavedTensorInfo> saved_tensors() const override {
    return autograd::describe_saved({{"self", &self}, {"result", &result}});
  }
  SavedVariable self, result;
  tensor_list apply(tensor_list&& g) override {
    Tensor x = self.unpack(), y = result.unpack();
    Tensor hit = std::isnan(y.item<double>()) ? ne(x, x) : eq(x, y);
    Tensor count = sum(hit).to(g[0].dtype());
    return {where(hit, g[0] / count, 0.0)};
  }
  void release_variables() override {
    self.reset();
    result.reset();
  }
};
}  // namespace

Tensor median(const Tensor& x) {
  check_defined(x, "median");
  if (x.numel() == 0) throw std::invalid_argument("median: the input is empty (" + describe(x) + ")");
  Tensor out;
  {
    autograd::NoGradGuard no_grad;
    out = std::get<0>(median(reshape(x, {-1}), 0, false));
  }
  if (auto n = record<MedianBackward0>({&x}, out)) {
    n->self = save(x);
    n->result = save(out, true);
  }
  return out;
}

// ---- amax / amin over several dims ----------------------------------------------------------------
// d = g / (number of ties) at every element equal to the extremum, 0 elsewhere.
namespace {
struct AmaxBackward final : Node {
  std::vector<autograd::SavedTensorInfo> saved_tensors() const override {
    return autograd::describe_saved({{"self", &self}, {"result", &result}});
  }
  SavedVariable self, result;
  Shape dims, kept_shape;
  bool is_max = true;
  std::string name() const override { return is_max ? "AmaxBackward0" : "AminBackward0"; }
  tensor_list apply(tensor_list&& g) override {
    Tensor x = self.unpack();
    Tensor yk = reshape(result.unpack(), kept_shape), gk = reshape(g[0], kept_shape);
    Tensor hit = eq(x, yk);
    Tensor count = sum(hit, dims, true).to(g[0].dtype());
    return {where(hit, gk / count, 0.0)};
  }
  void release_variables() override {
    self.reset();
    result.reset();
  }
};

Tensor extremum_dims(const Tensor& x, const Shape& dims, bool keepdim, bool is_max, const char* op) {
  check_defined(x, op);
  std::vector<bool> mask = reduced_mask(x, dims, op);
  Shape all_dims;
  for (std::size_t d = 0; d < mask.size(); ++d) {
    if (!mask[d]) continue;
    all_dims.push_back(static_cast<std::int64_t>(d));
    if (x.shape()[d] == 0) {
      throw std::invalid_argument(std::string(op) + ": cannot reduce over dim " + std::to_string(d) +
                                  " of size 0 (input " + describe(x) + "); the operation has no identity");
    }
  }
  if (x.dim() == 0 && x.numel() == 0) throw std::invalid_argument(std::string(op) + ": empty input");
  Tensor out = x;
  {
    autograd::NoGradGuard no_grad;
    for (auto d : all_dims) out = is_max ? std::get<0>(max(out, d, true)) : std::get<0>(min(out, d, true));
    out = reshape(out, reduced_shape(x.shape(), mask, keepdim)).contiguous();
    if (out.is_same(x)) out = x.clone();
  }
  if (auto n = record<AmaxBackward>({&x}, out)) {
    n->self = save(x);
    n->result = save(out, true);
    n->dims = all_dims;
    n->kept_shape = reduced_shape(x.shape(), mask, true);
    n->is_max = is_max;
  }
  return out;
}
}  // namespace

Tensor amax(const Tensor& x, const Shape& dims, bool keepdim) { return extremum_dims(x, dims, keepdim, true, "amax"); }
Tensor amin(const Tensor& x, const Shape& dims, bool keepdim) { return extremum_dims(x, dims, keepdim, false, "amin"); }

}  // namespace xgrad
