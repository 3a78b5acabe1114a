// ELU ... RReLU, PReLU modules: each forwards to F:: with its options.
#include "activation_extra.hpp"

#include <charconv>
#include <stdexcept>
#include <string>

#include "../../autograd/format.hpp"
#include "../../autograd/grad_mode.hpp"

namespace xgrad::nn {

namespace F = functional;

namespace {
// A double as Python's repr prints it (the shortest round-trip form, "1.0" rather than "1"),
// so that extra_repr reads as PyTorch's.
std::string py_float(double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  std::string s = ec == std::errc() ? std::string(buf, end) : num_str(v);
  if (s.find_first_of(".eEni") == std::string::npos) s += ".0";  // not 1e-08, inf, nan
  return s;
}
std::string inplace_str(bool inplace) { return inplace ? "inplace=true" : ""; }
std::string with_inplace(std::string s, bool inplace) { return inplace ? s + ", inplace=true" : s; }
}  // namespace

Tensor SiLUImpl::forward(const Tensor& input) { return silu(input); }
Tensor MishImpl::forward(const Tensor& input) { return mish(input); }
Tensor HardswishImpl::forward(const Tensor& input) { return hardswish(input); }
Tensor HardsigmoidImpl::forward(const Tensor& input) { return hardsigmoid(input); }
Tensor LogSigmoidImpl::forward(const Tensor& input) { return F::logsigmoid(input); }
Tensor SoftsignImpl::forward(const Tensor& input) { return F::softsign(input); }
Tensor TanhshrinkImpl::forward(const Tensor& input) { return F::tanhshrink(input); }
Tensor Softmax2dImpl::forward(const Tensor& input) { return F::softmax2d(input); }

Tensor ELUImpl::forward(const Tensor& input) { return F::elu(input, options); }
std::string ELUImpl::extra_repr() const {
  return with_inplace("alpha=" + py_float(options.alpha()), options.inplace());
}
Tensor SELUImpl::forward(const Tensor& input) { return F::selu(input, options); }
std::string SELUImpl::extra_repr() const { return inplace_str(options.inplace()); }
Tensor CELUImpl::forward(const Tensor& input) { return F::celu(input, options); }
std::string CELUImpl::extra_repr() const {
  return with_inplace("alpha=" + py_float(options.alpha()), options.inplace());
}
Tensor HardtanhImpl::forward(const Tensor& input) { return F::hardtanh(input, options); }
std::string HardtanhImpl::extra_repr() const {
  return with_inplace("min_val=" + py_float(options.min_val()) + ", max_val=" + py_float(options.max_val()),
                      options.inplace());
}
Tensor ReLU6Impl::forward(const Tensor& input) { return F::relu6(input, options); }
std::string ReLU6Impl::extra_repr() const { return inplace_str(options.inplace()); }
Tensor SoftplusImpl::forward(const Tensor& input) { return F::softplus(input, options); }
std::string SoftplusImpl::extra_repr() const {
  return "beta=" + py_float(options.beta()) + ", threshold=" + py_float(options.threshold());
}
Tensor HardshrinkImpl::forward(const Tensor& input) { return F::hardshrink(input, options); }
std::string HardshrinkImpl::extra_repr() const { return py_float(options.lambda()); }
Tensor SoftshrinkImpl::forward(const Tensor& input) { return F::softshrink(input, options); }
std::string SoftshrinkImpl::extra_repr() const { return py_float(options.lambda()); }
Tensor GLUImpl::forward(const Tensor& input) { return F::glu(input, options); }
std::string GLUImpl::extra_repr() const { return "dim=" + std::to_string(options.dim()); }
Tensor ThresholdImpl::forward(const Tensor& input) { return F::threshold(input, options); }
std::string ThresholdImpl::extra_repr() const {
  return with_inplace("threshold=" + py_float(options.threshold()) + ", value=" + py_float(options.value()),
                      options.inplace());
}
Tensor SoftminImpl::forward(const Tensor& input) { return F::softmin(input, options); }
std::string SoftminImpl::extra_repr() const { return "dim=" + std::to_string(options.dim()); }

RReLUImpl::RReLUImpl(const RReLUOptions& o) : Module("RReLU"), options(o) {
  if (!(o.lower() <= o.upper())) {
    throw std::invalid_argument("RReLU: lower " + num_str(o.lower()) + " must not exceed upper " + num_str(o.upper()));
  }
}
Tensor RReLUImpl::forward(const Tensor& input) { return rrelu(input, options.lower(), options.upper(), is_training()); }
std::string RReLUImpl::extra_repr() const {
  return with_inplace("lower=" + py_float(options.lower()) + ", upper=" + py_float(options.upper()), options.inplace());
}

PReLUImpl::PReLUImpl(const PReLUOptions& o) : Module("PReLU"), options(o) {
  if (o.num_parameters() < 1) {
    throw std::invalid_argument("PReLU: num_parameters must be >= 1, got " + std::to_string(o.num_parameters()));
  }
  weight = register_parameter("weight", empty({o.num_parameters()}));
  reset();
}
void PReLUImpl::reset() {
  NoGradGuard guard;
  weight.fill_(options.init());
}
Tensor PReLUImpl::forward(const Tensor& input) { return prelu(input, weight); }
std::string PReLUImpl::extra_repr() const { return "num_parameters=" + std::to_string(options.num_parameters()); }

}  // namespace xgrad::nn
