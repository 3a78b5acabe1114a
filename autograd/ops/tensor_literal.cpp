// tensor({...}): LibTorch's braced-list tensor literal (detail::TensorDataContainer).
#include "../kernels/kernels.hpp"

namespace xgrad {
namespace detail {

namespace {
bool integral(Dtype d) { return d == Dtype::Int64 || d == Dtype::Bool; }

std::string sizes_str(const Shape& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return s.empty() ? "(a number)" : out;
}
}  // namespace

TensorDataContainer::TensorDataContainer(std::initializer_list<TensorDataContainer> list) {
  if (list.size() == 0) {
    empty_list_ = true;
    shape_ = Shape{0};
    return;
  }
  const TensorDataContainer& first = *list.begin();
  dtype_ = first.dtype_;
  for (const auto& e : list) {
    if (e.shape_ != first.shape_) {
      throw std::invalid_argument("tensor: expected all sub-lists to have sizes: " + sizes_str(first.shape_) +
                                  ", but got a sub-list with sizes: " + sizes_str(e.shape_));
    }
    if (!e.empty_list_) dtype_ = promote_types(dtype_, e.dtype_);
  }
  shape_ = Shape{static_cast<std::int64_t>(list.size())};
  for (std::int64_t d : first.shape_) shape_.push_back(d);
  for (const auto& e : list) {
    if (integral(dtype_)) {
      ints_.insert(ints_.end(), e.ints_.begin(), e.ints_.end());
    } else if (integral(e.dtype_)) {
      for (std::int64_t v : e.ints_) values_.push_back(static_cast<double>(v));
    } else {
      values_.insert(values_.end(), e.values_.begin(), e.values_.end());
    }
  }
}

Tensor TensorDataContainer::make(const TensorOptions& options) const {
  // A double literal means "the default dtype", as in LibTorch (tensor({1.5}) is Float32).
  const Dtype natural = dtype_ == Dtype::Float64 ? default_dtype() : dtype_;
  const TensorOptions o = options.has_dtype() ? options : options.dtype(natural);
  if (integral(dtype_)) return from_blob_copy(ints_.data(), Dtype::Int64, shape_, o);
  return from_blob_copy(values_.data(), Dtype::Float64, shape_, o);
}

}  // namespace detail

Tensor tensor(detail::TensorDataContainer values, const TensorOptions& options) { return values.make(options); }

}  // namespace xgrad
