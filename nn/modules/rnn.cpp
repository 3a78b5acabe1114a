// RNN, LSTM, GRU: stacks of (bidirectional) recurrent layers over whole sequences, composed of
// the step functions of nn/functional/rnn.cpp.
#include "rnn.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>
#include <string>

#include "../../autograd/op_support.hpp"
#include "../../autograd/ops.hpp"
#include "../functional/dropout.hpp"
#include "../functional/linear.hpp"
#include "../functional/rnn.hpp"

namespace xgrad::nn {

namespace F = functional;

namespace {
std::int64_t gates_of(RNNImplBase::Mode mode) {
  switch (mode) {
    case RNNImplBase::Mode::Lstm: return 4;
    case RNNImplBase::Mode::Gru: return 3;
    default: return 1;
  }
}
}  // namespace

RNNImplBase::RNNImplBase(std::string type_name, const Config& c) : Module(std::move(type_name)), config_(c) {
  const std::string& name = this->type_name();
  if (c.input_size < 0 || c.hidden_size <= 0 || c.num_layers < 1) {
    throw std::invalid_argument(name + ": need input_size >= 0, hidden_size > 0 and num_layers >= 1, got input_size=" +
                                std::to_string(c.input_size) + ", hidden_size=" + std::to_string(c.hidden_size) +
                                ", num_layers=" + std::to_string(c.num_layers));
  }
  if (!(c.dropout >= 0.0 && c.dropout <= 1.0)) {
    throw std::invalid_argument(name + ": dropout must be a probability in [0, 1], got " + std::to_string(c.dropout));
  }
  const std::int64_t rows = gates_of(c.mode) * c.hidden_size;
  const std::int64_t dirs = c.bidirectional ? 2 : 1;
  for (std::int64_t l = 0; l < c.num_layers; ++l) {
    const std::int64_t in = l == 0 ? c.input_size : dirs * c.hidden_size;
    for (std::int64_t d = 0; d < dirs; ++d) {
      const std::string suffix = "_l" + std::to_string(l) + (d == 1 ? "_reverse" : "");
      std::array<Tensor, 4> w;
      w[0] = register_parameter("weight_ih" + suffix, empty({rows, in}));
      w[1] = register_parameter("weight_hh" + suffix, empty({rows, c.hidden_size}));
      if (c.bias) {
        w[2] = register_parameter("bias_ih" + suffix, empty({rows}));
        w[3] = register_parameter("bias_hh" + suffix, empty({rows}));
      }
      cells_.push_back(w);
    }
  }
  reset_parameters();
}

void RNNImplBase::reset_parameters() {
  const double bound = 1.0 / std::sqrt(static_cast<double>(config_.hidden_size));
  for (const Tensor& p : parameters(false)) init::uniform_(p, -bound, bound);
}

std::vector<Tensor> RNNImplBase::all_weights() const { return parameters(false); }

std::string RNNImplBase::extra_repr() const {
  std::ostringstream os;
  os << "input_size=" << config_.input_size << ", hidden_size=" << config_.hidden_size
     << ", num_layers=" << config_.num_layers << ", bias=" << (config_.bias ? "true" : "false")
     << ", batch_first=" << (config_.batch_first ? "true" : "false") << ", dropout=" << config_.dropout
     << ", bidirectional=" << (config_.bidirectional ? "true" : "false");
  if (config_.mode == Mode::RnnRelu) os << ", nonlinearity=relu";
  return os.str();
}

// The input as [T, N, in] (a view), after checking its rank, features, dtype and length.
Tensor RNNImplBase::check_input(const Tensor& input) const {
  const std::string& name = type_name();
  autograd::check_defined(input, name.c_str(), "input");
  const std::string layout = config_.batch_first ? "[N, T, " : "[T, N, ";
  const std::string in = std::to_string(config_.input_size);
  const Tensor& w = cells_[0][0];
  if ((input.dim() != 2 && input.dim() != 3) || input.size(-1) != config_.input_size || input.dtype() != w.dtype()) {
    throw std::invalid_argument(name + ": expected input " + layout + in + "] or unbatched [T, " + in +
                                "] of the parameters' dtype (" + std::string(dtype_name(w.dtype())) + "), got " +
                                autograd::describe(input));
  }
  if (input.size(input.dim() == 3 && config_.batch_first ? 1 : 0) == 0) {
    throw std::invalid_argument(name + ": expected a sequence of at least one step, got input " +
                                autograd::describe(input));
  }
  if (input.dim() == 2) return unsqueeze(input, 1);
  return config_.batch_first ? transpose(input, 0, 1) : input;
}

// Each state must be [L*D, N, H] ([L*D, H] for an unbatched input); undefined ones become zeros.
// On return every state is [L*D, N, H].
void RNNImplBase::check_states(tensor_list& states, const Tensor& input) const {
  const bool batched = input.dim() == 3;
  const std::int64_t n = batched ? input.size(config_.batch_first ? 0 : 1) : 1;
  const std::int64_t layers = config_.num_layers * (config_.bidirectional ? 2 : 1);
  const Shape want = batched ? Shape{layers, n, config_.hidden_size} : Shape{layers, config_.hidden_size};
  for (std::size_t i = 0; i < states.size(); ++i) {
    Tensor& s = states[i];
    if (!s.defined()) {
      s = zeros({layers, n, config_.hidden_size}, TensorOptions(input.dtype()));
      continue;
    }
    if (s.shape() != want || s.dtype() != input.dtype()) {
      const char* what = i == 0 ? "h_0" : "c_0";
      throw std::invalid_argument(type_name() + ": expected " + what + " " + shape_str(want) + " of dtype " +
                                  dtype_name(input.dtype()) + " for input " + autograd::describe(input) + ", got " +
                                  autograd::describe(s));
    }
    if (!batched) s = unsqueeze(s, 1);
  }
}

// One layer in one direction over x [T, N, in]: returns [T, N, H] and the final states.
std::tuple<Tensor, tensor_list> RNNImplBase::run_direction(const Tensor& x, std::int64_t cell,
                                                           const tensor_list& state0, bool reverse) const {
  const auto& [w_ih, w_hh, b_ih, b_hh] = cells_[static_cast<std::size_t>(cell)];
  const std::int64_t steps = x.size(0);
  // All T input projections in one GEMM; split gives views with one backward node for all.
  const tensor_list gi = split(F::linear(x, w_ih, b_ih), 1, 0);
  tensor_list state = state0;
  tensor_list out(static_cast<std::size_t>(steps));
  for (std::int64_t s = 0; s < steps; ++s) {
    const auto t = static_cast<std::size_t>(reverse ? steps - 1 - s : s);
    const Tensor g = squeeze(gi[t], 0);
    switch (config_.mode) {
      case Mode::Lstm: {
        auto [h, c] = F::rnn_step::lstm(g, state[0], state[1], w_hh, b_hh);
        state = {h, c};
        break;
      }
      case Mode::Gru: state[0] = F::rnn_step::gru(g, state[0], w_hh, b_hh); break;
      default: state[0] = F::rnn_step::rnn(g, state[0], w_hh, b_hh, config_.mode == Mode::RnnRelu);
    }
    out[t] = state[0];
  }
  return {stack(out, 0), state};
}

std::tuple<Tensor, tensor_list> RNNImplBase::run(const Tensor& input, tensor_list states) {
  Tensor x = check_input(input);
  check_states(states, input);
  const std::int64_t dirs = config_.bidirectional ? 2 : 1;
  std::vector<tensor_list> finals(states.size());
  for (std::int64_t l = 0; l < config_.num_layers; ++l) {
    tensor_list outs;
    for (std::int64_t d = 0; d < dirs; ++d) {
      const std::int64_t cell = l * dirs + d;
      tensor_list state0;
      for (const Tensor& s : states) state0.push_back(select(s, 0, cell));
      auto [out, state] = run_direction(x, cell, state0, d == 1);
      outs.push_back(out);
      for (std::size_t i = 0; i < state.size(); ++i) finals[i].push_back(state[i]);
    }
    x = dirs == 2 ? cat(outs, 2) : outs[0];
    if (config_.dropout > 0 && is_training() && l + 1 < config_.num_layers) x = F::dropout(x, config_.dropout, true);
  }
  const bool batched = input.dim() == 3;
  if (!batched) {
    x = squeeze(x, 1);
  } else if (config_.batch_first) {
    x = transpose(x, 0, 1);
  }
  tensor_list result;
  for (const tensor_list& f : finals) result.push_back(stack(f, 0));
  if (!batched) {
    for (Tensor& r : result) r = squeeze(r, 1);
  }
  return {x, result};
}

// ---- RNN / LSTM / GRU ------------------------------------------------------------------------
namespace {
template <class O>
RNNImplBase::Config config_of(const O& o, RNNImplBase::Mode mode) {
  return {mode,     o.input_size(),  o.hidden_size(), o.num_layers(),
          o.bias(), o.batch_first(), o.dropout(),     o.bidirectional()};
}

RNNImplBase::Mode rnn_mode(const RNNOptions& o) {
  if (o.nonlinearity() == init::Nonlinearity::Tanh) return RNNImplBase::Mode::RnnTanh;
  if (o.nonlinearity() == init::Nonlinearity::ReLU) return RNNImplBase::Mode::RnnRelu;
  throw std::invalid_argument("RNN: nonlinearity must be kTanh or kReLU");
}
}  // namespace

RNNImpl::RNNImpl(std::int64_t in, std::int64_t hidden) : RNNImpl(RNNOptions(in, hidden)) {}
RNNImpl::RNNImpl(const RNNOptions& o) : RNNImplBase("RNN", config_of(o, rnn_mode(o))), options(o) {}

std::tuple<Tensor, Tensor> RNNImpl::forward(const Tensor& input, Tensor hx) {
  auto [out, states] = run(input, {hx});
  return {out, states[0]};
}

LSTMImpl::LSTMImpl(std::int64_t in, std::int64_t hidden) : LSTMImpl(LSTMOptions(in, hidden)) {}
LSTMImpl::LSTMImpl(const LSTMOptions& o) : RNNImplBase("LSTM", config_of(o, Mode::Lstm)), options(o) {
  if (o.proj_size() != 0) {
    throw std::invalid_argument("LSTM: proj_size is not supported (got " + std::to_string(o.proj_size()) + ")");
  }
}

std::tuple<Tensor, std::tuple<Tensor, Tensor>> LSTMImpl::forward(const Tensor& input,
                                                                 std::optional<std::tuple<Tensor, Tensor>> hx_opt) {
  Tensor h0, c0;
  if (hx_opt) std::tie(h0, c0) = *hx_opt;
  auto [out, states] = run(input, {h0, c0});
  return {out, {states[0], states[1]}};
}

GRUImpl::GRUImpl(std::int64_t in, std::int64_t hidden) : GRUImpl(GRUOptions(in, hidden)) {}
GRUImpl::GRUImpl(const GRUOptions& o) : RNNImplBase("GRU", config_of(o, Mode::Gru)), options(o) {}

std::tuple<Tensor, Tensor> GRUImpl::forward(const Tensor& input, Tensor hx) {
  auto [out, states] = run(input, {hx});
  return {out, states[0]};
}

}  // namespace xgrad::nn
