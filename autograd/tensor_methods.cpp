// Tensor's methods: each forwards to the free function of the same name in ops.hpp.
#include "ops.hpp"

namespace xgrad {

Tensor Tensor::neg() const { return xgrad::neg(*this); }
Tensor Tensor::exp() const { return xgrad::exp(*this); }
Tensor Tensor::log() const { return xgrad::log(*this); }
Tensor Tensor::log1p() const { return xgrad::log1p(*this); }
Tensor Tensor::sqrt() const { return xgrad::sqrt(*this); }
Tensor Tensor::abs() const { return xgrad::abs(*this); }
Tensor Tensor::sin() const { return xgrad::sin(*this); }
Tensor Tensor::cos() const { return xgrad::cos(*this); }
Tensor Tensor::tanh() const { return xgrad::tanh(*this); }
Tensor Tensor::sigmoid() const { return xgrad::sigmoid(*this); }
Tensor Tensor::relu() const { return xgrad::relu(*this); }
Tensor Tensor::square() const { return xgrad::square(*this); }
Tensor Tensor::pow(double exponent) const { return xgrad::pow(*this, exponent); }
Tensor Tensor::pow(const Tensor& exponent) const { return xgrad::pow(*this, exponent); }
Tensor Tensor::clamp(std::optional<double> min, std::optional<double> max) const {
  return xgrad::clamp(*this, min, max);
}
Tensor Tensor::add(const Tensor& other, double alpha) const { return xgrad::add(*this, other, alpha); }
Tensor Tensor::sub(const Tensor& other, double alpha) const { return xgrad::sub(*this, other, alpha); }
Tensor Tensor::mul(const Tensor& other) const { return xgrad::mul(*this, other); }
Tensor Tensor::div(const Tensor& other) const { return xgrad::div(*this, other); }
Tensor Tensor::eq(const Tensor& other) const { return xgrad::eq(*this, other); }
Tensor Tensor::ne(const Tensor& other) const { return xgrad::ne(*this, other); }
Tensor Tensor::lt(const Tensor& other) const { return xgrad::lt(*this, other); }
Tensor Tensor::le(const Tensor& other) const { return xgrad::le(*this, other); }
Tensor Tensor::gt(const Tensor& other) const { return xgrad::gt(*this, other); }
Tensor Tensor::ge(const Tensor& other) const { return xgrad::ge(*this, other); }
Tensor Tensor::minimum(const Tensor& other) const { return xgrad::minimum(*this, other); }
Tensor Tensor::maximum(const Tensor& other) const { return xgrad::maximum(*this, other); }
Tensor Tensor::sum() const { return xgrad::sum(*this); }
Tensor Tensor::sum(const Shape& dims, bool keepdim) const { return xgrad::sum(*this, dims, keepdim); }
Tensor Tensor::mean() const { return xgrad::mean(*this); }
Tensor Tensor::mean(const Shape& dims, bool keepdim) const { return xgrad::mean(*this, dims, keepdim); }
Tensor Tensor::var(const Shape& dims, double correction, bool keepdim) const {
  return xgrad::var(*this, dims, correction, keepdim);
}
Tensor Tensor::var() const { return xgrad::var(*this); }
Tensor Tensor::std(const Shape& dims, double correction, bool keepdim) const {
  return xgrad::std(*this, dims, correction, keepdim);
}
Tensor Tensor::std() const { return xgrad::std(*this); }
Tensor Tensor::max() const { return xgrad::max(*this); }
Tensor Tensor::min() const { return xgrad::min(*this); }
std::tuple<Tensor, Tensor> Tensor::max(std::int64_t dim, bool keepdim) const { return xgrad::max(*this, dim, keepdim); }
std::tuple<Tensor, Tensor> Tensor::min(std::int64_t dim, bool keepdim) const { return xgrad::min(*this, dim, keepdim); }
Tensor Tensor::argmax() const { return xgrad::argmax(*this); }
Tensor Tensor::argmax(std::int64_t dim, bool keepdim) const { return xgrad::argmax(*this, dim, keepdim); }
Tensor Tensor::argmin() const { return xgrad::argmin(*this); }
Tensor Tensor::argmin(std::int64_t dim, bool keepdim) const { return xgrad::argmin(*this, dim, keepdim); }
Tensor Tensor::logsumexp(const Shape& dims, bool keepdim) const { return xgrad::logsumexp(*this, dims, keepdim); }
Tensor Tensor::softmax(std::int64_t dim) const { return xgrad::softmax(*this, dim); }
Tensor Tensor::log_softmax(std::int64_t dim) const { return xgrad::log_softmax(*this, dim); }
Tensor Tensor::matmul(const Tensor& other) const { return xgrad::matmul(*this, other); }
Tensor Tensor::mm(const Tensor& other) const { return xgrad::mm(*this, other); }
Tensor Tensor::t() const { return xgrad::t(*this); }
Tensor Tensor::reshape(const Shape& shape) const { return xgrad::reshape(*this, shape); }
Tensor Tensor::view(const Shape& shape) const { return xgrad::view(*this, shape); }
Tensor Tensor::flatten(std::int64_t start_dim, std::int64_t end_dim) const {
  return xgrad::flatten(*this, start_dim, end_dim);
}
Tensor Tensor::transpose(std::int64_t dim0, std::int64_t dim1) const { return xgrad::transpose(*this, dim0, dim1); }
Tensor Tensor::permute(const Shape& dims) const { return xgrad::permute(*this, dims); }
Tensor Tensor::squeeze() const { return xgrad::squeeze(*this); }
Tensor Tensor::squeeze(std::int64_t dim) const { return xgrad::squeeze(*this, dim); }
Tensor Tensor::unsqueeze(std::int64_t dim) const { return xgrad::unsqueeze(*this, dim); }
Tensor Tensor::expand(const Shape& shape) const { return xgrad::expand(*this, shape); }
tensor_list Tensor::split(std::int64_t split_size, std::int64_t dim) const {
  return xgrad::split(*this, split_size, dim);
}
tensor_list Tensor::chunk(std::int64_t chunks, std::int64_t dim) const { return xgrad::chunk(*this, chunks, dim); }
Tensor Tensor::narrow(std::int64_t dim, std::int64_t start, std::int64_t length) const {
  return xgrad::narrow(*this, dim, start, length);
}
Tensor Tensor::slice(std::int64_t dim, std::optional<std::int64_t> start, std::optional<std::int64_t> end,
                     std::int64_t step) const {
  return xgrad::slice(*this, dim, start, end, step);
}
Tensor Tensor::select(std::int64_t dim, std::int64_t index) const { return xgrad::select(*this, dim, index); }
Tensor Tensor::index_select(std::int64_t dim, const Tensor& index) const {
  return xgrad::index_select(*this, dim, index);
}
Tensor Tensor::gather(std::int64_t dim, const Tensor& index) const { return xgrad::gather(*this, dim, index); }
Tensor Tensor::scatter_add(std::int64_t dim, const Tensor& index, const Tensor& src) const {
  return xgrad::scatter_add(*this, dim, index, src);
}

}  // namespace xgrad
