// RNNCell, LSTMCell, GRUCell (the step equations are nn/functional/rnn.cpp's).
#include <cmath>
#include <stdexcept>
#include <string>

#include "../../autograd/op_support.hpp"
#include "../../autograd/ops.hpp"
#include "../functional/linear.hpp"
#include "../functional/rnn.hpp"
#include "rnn.hpp"

namespace xgrad::nn {

namespace F = functional;

namespace {
void check_nonlinearity(const char* op, init::Nonlinearity n) {
  if (n != init::Nonlinearity::Tanh && n != init::Nonlinearity::ReLU) {
    throw std::invalid_argument(std::string(op) + ": nonlinearity must be kTanh or kReLU");
  }
}
}  // namespace

RNNCellImplBase::RNNCellImplBase(std::string type_name, std::int64_t in, std::int64_t hidden, bool bias,
                                 std::int64_t gates)
    : Module(std::move(type_name)), input_size(in), hidden_size(hidden) {
  if (in < 0 || hidden <= 0) {
    throw std::invalid_argument(this->type_name() + ": need input_size >= 0 and hidden_size > 0, got input_size=" +
                                std::to_string(in) + ", hidden_size=" + std::to_string(hidden));
  }
  weight_ih = register_parameter("weight_ih", empty({gates * hidden, in}));
  weight_hh = register_parameter("weight_hh", empty({gates * hidden, hidden}));
  if (bias) {
    bias_ih = register_parameter("bias_ih", empty({gates * hidden}));
    bias_hh = register_parameter("bias_hh", empty({gates * hidden}));
  }
  reset_parameters();
}

void RNNCellImplBase::reset_parameters() {
  const double bound = 1.0 / std::sqrt(static_cast<double>(hidden_size));
  for (const Tensor& p : parameters(false)) init::uniform_(p, -bound, bound);
}

std::string RNNCellImplBase::extra_repr() const {
  return std::to_string(input_size) + ", " + std::to_string(hidden_size) + (bias_ih.defined() ? "" : ", bias=false");
}

void RNNCellImplBase::check_and_fill(const Tensor& input, std::vector<Tensor*> states) const {
  autograd::check_defined(input, type_name().c_str(), "input");
  if (input.dim() != 1 && input.dim() != 2) {
    throw std::invalid_argument(type_name() + ": expected input [N, input_size] or unbatched [input_size], got " +
                                autograd::describe(input));
  }
  if (input.size(-1) != input_size || input.dtype() != weight_ih.dtype()) {
    throw std::invalid_argument(type_name() + ": expected input [N, " + std::to_string(input_size) + "] or [" +
                                std::to_string(input_size) + "] of the parameters' dtype (" +
                                autograd::describe(weight_ih) + " weight_ih), got " + autograd::describe(input));
  }
  const Shape shape = input.dim() == 2 ? Shape{input.size(0), hidden_size} : Shape{hidden_size};
  for (Tensor* s : states) {
    if (!s->defined()) *s = zeros(shape, TensorOptions(input.dtype()));
  }
}

// ---- RNNCell ---------------------------------------------------------------------------------
RNNCellImpl::RNNCellImpl(std::int64_t in, std::int64_t hidden) : RNNCellImpl(RNNCellOptions(in, hidden)) {}

RNNCellImpl::RNNCellImpl(const RNNCellOptions& o)
    : RNNCellImplBase("RNNCell", o.input_size(), o.hidden_size(), o.bias(), 1), options(o) {
  check_nonlinearity("RNNCell", o.nonlinearity());
}

Tensor RNNCellImpl::forward(const Tensor& input, Tensor hx) {
  check_and_fill(input, {&hx});
  F::rnn_step::check_cell("RNNCell", 1, input, {hx}, weight_ih, weight_hh, bias_ih, bias_hh);
  const bool relu = options.nonlinearity() == init::Nonlinearity::ReLU;
  return F::rnn_step::rnn(F::linear(input, weight_ih, bias_ih), hx, weight_hh, bias_hh, relu);
}

std::string RNNCellImpl::extra_repr() const {
  // As PyTorch's: the nonlinearity is shown only when it is not the default tanh.
  const bool relu = options.nonlinearity() == init::Nonlinearity::ReLU;
  return RNNCellImplBase::extra_repr() + (relu ? ", nonlinearity=relu" : "");
}

// ---- LSTMCell --------------------------------------------------------------------------------
LSTMCellImpl::LSTMCellImpl(std::int64_t in, std::int64_t hidden) : LSTMCellImpl(LSTMCellOptions(in, hidden)) {}

LSTMCellImpl::LSTMCellImpl(const LSTMCellOptions& o)
    : RNNCellImplBase("LSTMCell", o.input_size(), o.hidden_size(), o.bias(), 4), options(o) {}

std::tuple<Tensor, Tensor> LSTMCellImpl::forward(const Tensor& input,
                                                 std::optional<std::tuple<Tensor, Tensor>> hx_opt) {
  Tensor h, c;
  if (hx_opt) std::tie(h, c) = *hx_opt;
  check_and_fill(input, {&h, &c});
  F::rnn_step::check_cell("LSTMCell", 4, input, {h, c}, weight_ih, weight_hh, bias_ih, bias_hh);
  return F::rnn_step::lstm(F::linear(input, weight_ih, bias_ih), h, c, weight_hh, bias_hh);
}

// ---- GRUCell ---------------------------------------------------------------------------------
GRUCellImpl::GRUCellImpl(std::int64_t in, std::int64_t hidden) : GRUCellImpl(GRUCellOptions(in, hidden)) {}

GRUCellImpl::GRUCellImpl(const GRUCellOptions& o)
    : RNNCellImplBase("GRUCell", o.input_size(), o.hidden_size(), o.bias(), 3), options(o) {}

Tensor GRUCellImpl::forward(const Tensor& input, Tensor hx) {
  check_and_fill(input, {&hx});
  F::rnn_step::check_cell("GRUCell", 3, input, {hx}, weight_ih, weight_hh, bias_ih, bias_hh);
  return F::rnn_step::gru(F::linear(input, weight_ih, bias_ih), hx, weight_hh, bias_hh);
}

}  // namespace xgrad::nn
