// mode: the most frequent value along a dim, and where it is. The forward sorts each row (a
// copy) and scans its runs; the backward scatters the gradient to the returned index with a
// recorded scatter_add, so it is differentiable to any order.
#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "../op_support.hpp"
#include "../ops_mode.hpp"
#include "../ops_scan.hpp"

namespace xgrad {

using namespace autograd;

namespace {

struct ModeBackward0 final : Node {
  Tensor index;  // Int64, x's shape with size 1 at dim; no history, held directly
  Shape shape;
  std::int64_t dim = 0;
  bool keepdim = false;
  tensor_list apply(tensor_list&& g) override {
    if (!index.defined()) return {Tensor()};  // released by a backward without retain_graph
    if (shape.empty()) return {g[0]};         // a 0-d input is its own mode
    Tensor gk = keepdim ? g[0] : unsqueeze(g[0], dim);
    return {scatter_add(zeros(shape, g[0].dtype()), dim, index, gk)};
  }
  void release_variables() override { index = Tensor(); }
};

// For each row of `rows` (contiguous, `len` values each): the index of its mode. As PyTorch's
// CPU kernel: sort the row, take the first value with the longest run (so the smallest of tied
// values), and of its run the last element (stable sort: the largest index).
template <class T>
std::vector<std::int64_t> mode_rows(const T* rows, std::int64_t n_rows, std::int64_t len) {
  std::vector<std::int64_t> out(static_cast<std::size_t>(n_rows));
  std::vector<std::pair<T, std::int64_t>> row(static_cast<std::size_t>(len));
  for (std::int64_t r = 0; r < n_rows; ++r) {
    for (std::int64_t k = 0; k < len; ++k) row[static_cast<std::size_t>(k)] = {rows[r * len + k], k};
    std::stable_sort(row.begin(), row.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::int64_t best = 0, best_freq = 0, freq = 0;
    for (std::size_t i = 0; i < row.size(); ++i) {
      ++freq;
      if (i + 1 == row.size() || row[i].first != row[i + 1].first) {
        if (freq > best_freq) best_freq = freq, best = row[i].second;
        freq = 0;
      }
    }
    out[static_cast<std::size_t>(r)] = best;
  }
  return out;
}

}  // namespace

std::tuple<Tensor, Tensor> mode(const Tensor& x, std::int64_t dim, bool keepdim) {
  check_defined(x, "mode");
  const std::int64_t d = x.dim() == 0 ? 0 : wrap_dim(dim, x.dim(), "mode", x.shape());
  const std::int64_t len = x.dim() == 0 ? 1 : x.size(d);
  if (len == 0) {
    throw std::invalid_argument("mode: cannot take the mode over dim " + std::to_string(dim) + " of size 0 (input " +
                                describe(x) + ")");
  }
  if (x.dtype() == kBool) throw std::invalid_argument("mode: Bool input is not supported (input " + describe(x) + ")");
  Tensor values, index;
  {
    NoGradGuard no_grad;
    Tensor xt = x.dim() == 0 ? reshape(x, {1}) : transpose(x, d, -1).contiguous();
    const std::int64_t n_rows = xt.numel() / len;
    std::vector<std::int64_t> picks = dispatch(x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      return mode_rows<T>(xt.impl()->template data_as<T>(), n_rows, len);
    });
    Shape kept = xt.shape();
    kept.back() = 1;
    index = tensor(picks, kept);
    if (x.dim() == 0) index = reshape(index, {});
    else index = transpose(index, d, -1).contiguous();
    values = x.dim() == 0 ? x.detach().clone() : gather(x, d, index);
    if (!keepdim && x.dim() > 0) {
      values = squeeze(values, d);
      index = squeeze(index, d);
    }
  }
  if (auto n = record<ModeBackward0>({&x}, values)) {
    n->index = keepdim || x.dim() == 0 ? index : unsqueeze(index, d);
    n->shape = x.shape();
    n->dim = d;
    n->keepdim = keepdim;
  }
  return {values, index};
}

}  // namespace xgrad
