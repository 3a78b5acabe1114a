// Tensor::index / index_put_ (xgrad::indexing, see indexing.hpp): basic indices become views
// (select, slice, unsqueeze); tensor indices become one index_select on the indexed dims
// flattened together, so that the gradient is index_select's (an index_add).
#include <cstring>
#include <numeric>

#include "../errors.hpp"
#include "../kernels/kernels.hpp"

namespace xgrad {

using namespace kernels;

namespace indexing {
TensorIndex::TensorIndex(const char* s) : kind_(Kind::Ellipsis) {
  if (s == nullptr || std::strcmp(s, "...") != 0) {
    throw std::invalid_argument(std::string("index: the only string index is \"...\" (Ellipsis), got \"") +
                                (s ? s : "(null)") + "\"");
  }
}
}  // namespace indexing

namespace {
using indexing::TensorIndex;
using Kind = TensorIndex::Kind;

struct Advanced {
  std::int64_t dim;  // in the tensor after the basic indices
  Tensor index;      // Int64
};

std::int64_t dims_consumed(const TensorIndex& i) {
  if (i.kind() == Kind::Integer || i.kind() == Kind::Slice) return 1;
  if (i.kind() == Kind::Tensor) return i.tensor().dtype() == Dtype::Bool ? i.tensor().dim() : 1;
  return 0;
}

// The positions of a Bool mask's true elements, one Int64 [n] tensor per mask dim (nonzero).
tensor_list mask_positions(const Tensor& mask) {
  const Tensor m = mask.contiguous();
  const bool* p = m.impl()->data_as<bool>();
  const std::size_t k = static_cast<std::size_t>(m.dim());
  std::vector<std::vector<std::int64_t>> pos(k);
  for (std::int64_t i = 0; i < m.numel(); ++i) {
    if (!p[i]) continue;
    std::int64_t rest = i;
    for (std::size_t d = k; d-- > 0;) {
      pos[d].push_back(rest % m.size(static_cast<std::int64_t>(d)));
      rest /= m.size(static_cast<std::int64_t>(d));
    }
  }
  tensor_list out;
  for (auto& v : pos) out.push_back(tensor(v));
  return out;
}

void check_mask(const Tensor& r, std::int64_t d, const Tensor& mask) {
  for (std::int64_t j = 0; j < mask.dim(); ++j) {
    if (d + j >= r.dim() || r.size(d + j) != mask.size(j)) {
      throw IndexError("index: the shape of the mask " + shape_str(mask.shape()) + " at index " + std::to_string(j) +
                       " does not match the shape of the indexed tensor " + shape_str(r.shape()) + " at index " +
                       std::to_string(d + j));
    }
  }
}

// The flat positions (over the advanced dims taken together, row-major) of every element of
// the broadcast index tensors; checks and wraps each index.
std::vector<std::int64_t> flat_positions(const Tensor& r, const std::vector<Advanced>& adv, const Shape& b) {
  const std::int64_t n = checked_numel(b, "index");
  std::vector<std::int64_t> lin(static_cast<std::size_t>(n), 0);
  for (const Advanced& a : adv) {
    const std::int64_t size = r.size(a.dim);
    const std::vector<std::int64_t> v = expand(a.index, b).to_vector<std::int64_t>();
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (v[i] < -size || v[i] >= size) {
        throw std::out_of_range("index: index " + std::to_string(v[i]) + " is out of bounds for dimension " +
                                std::to_string(a.dim) + " with size " + std::to_string(size));
      }
      lin[i] = lin[i] * size + (v[i] < 0 ? v[i] + size : v[i]);
    }
  }
  return lin;
}

Tensor advanced_index(const Tensor& r, const std::vector<Advanced>& adv) {
  Shape b = adv[0].index.shape();
  for (const Advanced& a : adv) {
    try {
      b = broadcast_shapes(b, a.index.shape(), "index");
    } catch (const std::invalid_argument&) {
      throw IndexError("index: shape mismatch: indexing tensors could not be broadcast together with shapes " +
                       shape_str(b) + ", " + shape_str(a.index.shape()));
    }
  }
  bool adjacent = true;
  Shape perm, rest_sizes, flat_shape{1};
  std::vector<bool> is_adv(static_cast<std::size_t>(r.dim()), false);
  for (std::size_t j = 0; j < adv.size(); ++j) {
    adjacent = adjacent && adv[j].dim == adv[0].dim + static_cast<std::int64_t>(j);
    perm.push_back(adv[j].dim);
    is_adv[static_cast<std::size_t>(adv[j].dim)] = true;
    flat_shape[0] *= r.size(adv[j].dim);
  }
  for (std::int64_t d = 0; d < r.dim(); ++d) {
    if (is_adv[static_cast<std::size_t>(d)]) continue;
    perm.push_back(d);
    rest_sizes.push_back(r.size(d));
    flat_shape.push_back(r.size(d));
  }
  const std::vector<std::int64_t> lin = flat_positions(r, adv, b);
  Tensor flat_r = reshape(permute(r, perm), flat_shape);
  Tensor picked = index_select(flat_r, 0, tensor(lin));
  Shape out_shape = b;
  for (std::int64_t s : rest_sizes) out_shape.push_back(s);
  Tensor out = reshape(picked, out_shape);
  const std::int64_t lead = adv[0].dim, nb = static_cast<std::int64_t>(b.size());
  if (!adjacent || lead == 0) return out;
  // Adjacent advanced dims: their result dims stand where they were (NumPy's rule).
  Shape back;
  for (std::int64_t d = 0; d < lead; ++d) back.push_back(nb + d);
  for (std::int64_t d = 0; d < nb; ++d) back.push_back(d);
  for (std::int64_t d = nb + lead; d < out.dim(); ++d) back.push_back(d);
  return permute(out, back);
}

Tensor apply_index(const Tensor& x, const std::vector<TensorIndex>& indices) {
  check_defined(x, "index", "indexed tensor");
  std::int64_t used = 0, ellipses = 0;
  bool has_tensor = false;
  for (const auto& i : indices) {
    used += dims_consumed(i);
    ellipses += i.kind() == Kind::Ellipsis;
    has_tensor = has_tensor || i.kind() == Kind::Tensor;
  }
  if (ellipses > 1) throw IndexError("index: an index can only have a single ellipsis ('...')");
  if (used > x.dim()) {
    throw IndexError("index: too many indices for tensor of dimension " + std::to_string(x.dim()) + " (got " +
                     std::to_string(used) + ")");
  }
  Tensor r = x;
  std::int64_t d = 0;
  std::vector<Advanced> adv;
  for (const auto& i : indices) {
    switch (i.kind()) {
      case Kind::Integer:
        if (has_tensor) adv.push_back({d++, scalar_tensor(static_cast<double>(i.integer()), kInt64)});
        else r = select(r, d, i.integer());
        break;
      case Kind::Slice: r = slice(r, d, i.slice().start(), i.slice().stop(), i.slice().step()), ++d; break;
      case Kind::None: r = unsqueeze(r, d++); break;
      case Kind::Boolean:
        r = unsqueeze(r, d);
        if (!i.boolean()) r = slice(r, d, 0, 0);
        ++d;
        break;
      case Kind::Ellipsis: d += x.dim() - used; break;
      case Kind::Tensor: {
        const Tensor& t = i.tensor();
        check_defined(t, "index", "index tensor");
        if (t.dtype() == Dtype::Bool) {
          check_mask(r, d, t);
          for (Tensor& p : mask_positions(t)) adv.push_back({d++, p});
        } else if (t.dtype() == Dtype::Int64) {
          adv.push_back({d++, t});
        } else {
          throw IndexError("index: tensors used as indices must be Int64 or Bool tensors, got " + describe(t));
        }
        break;
      }
    }
  }
  return adv.empty() ? r : advanced_index(r, adv);
}

Tensor& put(Tensor& self, const std::vector<TensorIndex>& indices, const Tensor& value) {
  check_defined(self, "index_put_", "tensor");
  check_defined(value, "index_put_", "value");
  const std::int64_t n = self.numel();
  Tensor pos;
  {
    NoGradGuard guard;  // where each selected element lives in self, flattened
    pos = apply_index(arange(0, static_cast<double>(n), 1, kInt64).reshape(self.shape()), indices);
  }
  Tensor v;
  try {
    v = expand(value.to(self.dtype()), pos.shape()).reshape({-1});
  } catch (const std::invalid_argument&) {
    throw std::invalid_argument("index_put_: the value " + describe(value) +
                                " cannot be broadcast to the indexed shape " + shape_str(pos.shape()));
  }
  // A position indexed twice takes the last value written, as PyTorch does on the CPU.
  const std::vector<std::int64_t> p = pos.to_vector<std::int64_t>();
  std::vector<std::int64_t> last(static_cast<std::size_t>(n), -1), keep, keep_pos;
  for (std::size_t i = 0; i < p.size(); ++i) last[static_cast<std::size_t>(p[i])] = static_cast<std::int64_t>(i);
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (last[static_cast<std::size_t>(p[i])] != static_cast<std::int64_t>(i)) continue;
    keep.push_back(static_cast<std::int64_t>(i));
    keep_pos.push_back(p[i]);
  }
  Tensor where_pos = tensor(keep_pos);
  Tensor written = zeros({n}, kBool);
  for (std::int64_t q : keep_pos) written.impl()->data_as<bool>()[q] = true;
  Tensor scattered = scatter_add(zeros({n}, self.dtype()), 0, where_pos, index_select(v, 0, tensor(keep)));
  Tensor result = where(written, scattered, self.reshape({-1})).reshape(self.shape());
  return self.copy_(result);
}
}  // namespace

Tensor Tensor::index(std::initializer_list<indexing::TensorIndex> indices) const {
  return apply_index(*this, std::vector<indexing::TensorIndex>(indices));
}
Tensor Tensor::index(const std::vector<indexing::TensorIndex>& indices) const { return apply_index(*this, indices); }
Tensor Tensor::operator[](const Tensor& index) const { return apply_index(*this, {indexing::TensorIndex(index)}); }
Tensor& Tensor::index_put_(std::initializer_list<indexing::TensorIndex> indices, const Tensor& value) {
  return put(*this, std::vector<indexing::TensorIndex>(indices), value);
}
Tensor& Tensor::index_put_(std::initializer_list<indexing::TensorIndex> indices, const Scalar& value) {
  return put(*this, std::vector<indexing::TensorIndex>(indices), scalar_tensor(value.toDouble(), dtype()));
}
Tensor& Tensor::index_put_(const std::vector<indexing::TensorIndex>& indices, const Tensor& value) {
  return put(*this, indices, value);
}
Tensor& Tensor::index_put_(const std::vector<indexing::TensorIndex>& indices, const Scalar& value) {
  return put(*this, indices, scalar_tensor(value.toDouble(), dtype()));
}

}  // namespace xgrad
