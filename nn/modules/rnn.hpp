// Recurrent layers as LibTorch's: the cells RNNCell, LSTMCell, GRUCell (one time step) and the
// sequence modules RNN, LSTM, GRU (num_layers stacked layers, optionally bidirectional), with
// holders nn::RNNCell ... nn::GRU. Gate order, equations and parameter names and shapes are
// PyTorch's (see nn/functional/rnn.hpp for the equations), so state dicts line up with
// PyTorch's: weight_ih [G*H, in], weight_hh [G*H, H], bias_ih / bias_hh [G*H] with G = 1 (RNN),
// 4 (LSTM: i, f, g, o) or 3 (GRU: r, z, n). Every parameter starts U(-1/sqrt(H), 1/sqrt(H)).
//
//   nn::LSTM lstm(nn::LSTMOptions(8, 16).num_layers(2).batch_first(true));
//   auto [out, state] = lstm(x);                // x [N, T, 8] -> out [N, T, 16]
//   auto [h_n, c_n] = state;                    // each [2, N, 16]
//   nn::GRUCell cell(8, 16);  h = cell(x_t, h); // x_t [N, 8], h [N, 16]
//
// Errors: std::invalid_argument naming the module, the shapes and the dtypes, for a bad input
// rank, feature count, state shape, an empty sequence or an input whose dtype is not the
// parameters' (convert the module with ->to(kFloat64) to feed Float64).
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "../init.hpp"
#include "../module.hpp"
#include "../options.hpp"

namespace xgrad {
// LibTorch's torch::kTanh / torch::kReLU (RNN nonlinearity; also init::calculate_gain's).
inline constexpr nn::init::Nonlinearity kTanh = nn::init::Nonlinearity::Tanh;
inline constexpr nn::init::Nonlinearity kReLU = nn::init::Nonlinearity::ReLU;
}  // namespace xgrad

namespace xgrad::nn {

// ---- cells ---------------------------------------------------------------------------------
// nonlinearity: kTanh or kReLU (anything else throws std::invalid_argument at construction).
struct RNNCellOptions {
  RNNCellOptions(std::int64_t input_size, std::int64_t hidden_size)
      : input_size_(input_size), hidden_size_(hidden_size) {}
  XGRAD_ARG(std::int64_t, input_size, {})
  XGRAD_ARG(std::int64_t, hidden_size, {})
  XGRAD_ARG(bool, bias, true)
  XGRAD_ARG(init::Nonlinearity, nonlinearity, kTanh)
};
struct LSTMCellOptions {
  LSTMCellOptions(std::int64_t input_size, std::int64_t hidden_size)
      : input_size_(input_size), hidden_size_(hidden_size) {}
  XGRAD_ARG(std::int64_t, input_size, {})
  XGRAD_ARG(std::int64_t, hidden_size, {})
  XGRAD_ARG(bool, bias, true)
};
struct GRUCellOptions {
  GRUCellOptions(std::int64_t input_size, std::int64_t hidden_size)
      : input_size_(input_size), hidden_size_(hidden_size) {}
  XGRAD_ARG(std::int64_t, input_size, {})
  XGRAD_ARG(std::int64_t, hidden_size, {})
  XGRAD_ARG(bool, bias, true)
};

// What the three cells share: the four parameters and their initialisation.
class RNNCellImplBase : public Module {
 public:
  // Draws fresh U(-1/sqrt(H), 1/sqrt(H)) values (from the global generator).
  void reset_parameters();
  std::string extra_repr() const override;

  std::int64_t input_size, hidden_size;
  Tensor weight_ih, weight_hh, bias_ih, bias_hh;  // biases undefined with bias(false)

 protected:
  RNNCellImplBase(std::string type_name, std::int64_t input_size, std::int64_t hidden_size, bool bias,
                  std::int64_t gates);
  // Checks the input (rank, features, dtype) and each state against it; an undefined state
  // becomes zeros [N, H] (or [H] for an unbatched input).
  void check_and_fill(const Tensor& input, std::vector<Tensor*> states) const;
};

// input [N, in] or [in], hx [N, H] or [H] (zeros when undefined) -> h' of hx's shape.
class RNNCellImpl : public RNNCellImplBase {
 public:
  RNNCellImpl(std::int64_t input_size, std::int64_t hidden_size);
  explicit RNNCellImpl(const RNNCellOptions& options);
  Tensor forward(const Tensor& input, Tensor hx = {});
  std::string extra_repr() const override;
  RNNCellOptions options;
};
XGRAD_MODULE(RNNCell);

// input [N, in] or [in], hx (h, c) each [N, H] or [H] (zeros when absent) -> (h', c').
class LSTMCellImpl : public RNNCellImplBase {
 public:
  LSTMCellImpl(std::int64_t input_size, std::int64_t hidden_size);
  explicit LSTMCellImpl(const LSTMCellOptions& options);
  std::tuple<Tensor, Tensor> forward(const Tensor& input, std::optional<std::tuple<Tensor, Tensor>> hx_opt = {});
  LSTMCellOptions options;
};
XGRAD_MODULE(LSTMCell);

// input [N, in] or [in], hx [N, H] or [H] (zeros when undefined) -> h' of hx's shape.
class GRUCellImpl : public RNNCellImplBase {
 public:
  GRUCellImpl(std::int64_t input_size, std::int64_t hidden_size);
  explicit GRUCellImpl(const GRUCellOptions& options);
  Tensor forward(const Tensor& input, Tensor hx = {});
  GRUCellOptions options;
};
XGRAD_MODULE(GRUCell);

// ---- sequence modules ----------------------------------------------------------------------
// dropout: probability of zeroing each output of every layer but the last, in training mode.
struct RNNOptions {
  RNNOptions(std::int64_t input_size, std::int64_t hidden_size) : input_size_(input_size), hidden_size_(hidden_size) {}
  XGRAD_ARG(std::int64_t, input_size, {})
  XGRAD_ARG(std::int64_t, hidden_size, {})
  XGRAD_ARG(std::int64_t, num_layers, 1)
  XGRAD_ARG(init::Nonlinearity, nonlinearity, kTanh)
  XGRAD_ARG(bool, bias, true)
  XGRAD_ARG(bool, batch_first, false)
  XGRAD_ARG(double, dropout, 0.0)
  XGRAD_ARG(bool, bidirectional, false)
};
// proj_size is accepted for source compatibility; a non-zero value throws (not implemented).
struct LSTMOptions {
  LSTMOptions(std::int64_t input_size, std::int64_t hidden_size) : input_size_(input_size), hidden_size_(hidden_size) {}
  XGRAD_ARG(std::int64_t, input_size, {})
  XGRAD_ARG(std::int64_t, hidden_size, {})
  XGRAD_ARG(std::int64_t, num_layers, 1)
  XGRAD_ARG(bool, bias, true)
  XGRAD_ARG(bool, batch_first, false)
  XGRAD_ARG(double, dropout, 0.0)
  XGRAD_ARG(bool, bidirectional, false)
  XGRAD_ARG(std::int64_t, proj_size, 0)
};
struct GRUOptions {
  GRUOptions(std::int64_t input_size, std::int64_t hidden_size) : input_size_(input_size), hidden_size_(hidden_size) {}
  XGRAD_ARG(std::int64_t, input_size, {})
  XGRAD_ARG(std::int64_t, hidden_size, {})
  XGRAD_ARG(std::int64_t, num_layers, 1)
  XGRAD_ARG(bool, bias, true)
  XGRAD_ARG(bool, batch_first, false)
  XGRAD_ARG(double, dropout, 0.0)
  XGRAD_ARG(bool, bidirectional, false)
};

// Shapes (L = num_layers, D = 2 if bidirectional else 1, T = sequence length):
//   input [T, N, in] ([N, T, in] with batch_first) or unbatched [T, in];
//   output [T, N, D*H] ([N, T, D*H] with batch_first) or [T, D*H]: the last layer's h at every
//   step (both directions concatenated, forward first);
//   h_0 / h_n (and c_0 / c_n) [L*D, N, H] or [L*D, H] (never batch-first), layer-major.
// Parameters per layer l and direction: weight_ih_l{l}, weight_hh_l{l}, bias_ih_l{l},
// bias_hh_l{l} (suffix _reverse for the backward direction), in PyTorch's order; layers after
// the first take D*H inputs. Cost: one GEMM per layer and direction for the input projection
// of all T steps, then T recurrent steps of one [N, H] x [H, G*H] GEMM each.
class RNNImplBase : public Module {
 public:
  // Draws fresh U(-1/sqrt(H), 1/sqrt(H)) values for every parameter.
  void reset_parameters();
  // Every parameter, in registration (PyTorch's) order.
  std::vector<Tensor> all_weights() const;
  // LibTorch's cuDNN hook: nothing to do on the CPU.
  void flatten_parameters() {}
  std::string extra_repr() const override;

  enum class Mode { RnnTanh, RnnRelu, Lstm, Gru };
  struct Config {
    Mode mode;
    std::int64_t input_size, hidden_size, num_layers;
    bool bias, batch_first;
    double dropout;
    bool bidirectional;
  };

 protected:
  RNNImplBase(std::string type_name, const Config& config);
  // Runs the stack. states: {h_0} or {h_0, c_0} (undefined ones become zeros); returns the
  // output and the final states in the same layout.
  std::tuple<Tensor, tensor_list> run(const Tensor& input, tensor_list states);

  Config config_;
  std::vector<std::array<Tensor, 4>> cells_;  // per layer and direction: w_ih, w_hh, b_ih, b_hh

 private:
  Tensor check_input(const Tensor& input) const;
  void check_states(tensor_list& states, const Tensor& time_major) const;
  std::tuple<Tensor, tensor_list> run_direction(const Tensor& x, std::int64_t cell, const tensor_list& state0,
                                                bool reverse) const;
};

// forward -> (output, h_n); hx: h_0 (zeros when undefined).
class RNNImpl : public RNNImplBase {
 public:
  RNNImpl(std::int64_t input_size, std::int64_t hidden_size);
  explicit RNNImpl(const RNNOptions& options);
  std::tuple<Tensor, Tensor> forward(const Tensor& input, Tensor hx = {});
  RNNOptions options;
};
XGRAD_MODULE(RNN);

// forward -> (output, (h_n, c_n)); hx_opt: (h_0, c_0) (zeros when absent).
class LSTMImpl : public RNNImplBase {
 public:
  LSTMImpl(std::int64_t input_size, std::int64_t hidden_size);
  explicit LSTMImpl(const LSTMOptions& options);
  std::tuple<Tensor, std::tuple<Tensor, Tensor>> forward(const Tensor& input,
                                                         std::optional<std::tuple<Tensor, Tensor>> hx_opt = {});
  LSTMOptions options;
};
XGRAD_MODULE(LSTM);

// forward -> (output, h_n); hx: h_0 (zeros when undefined).
class GRUImpl : public RNNImplBase {
 public:
  GRUImpl(std::int64_t input_size, std::int64_t hidden_size);
  explicit GRUImpl(const GRUOptions& options);
  std::tuple<Tensor, Tensor> forward(const Tensor& input, Tensor hx = {});
  GRUOptions options;
};
XGRAD_MODULE(GRU);

}  // namespace xgrad::nn
