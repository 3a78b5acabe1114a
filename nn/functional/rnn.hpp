// The recurrent cells as functions (ATen's rnn_tanh_cell, rnn_relu_cell, lstm_cell, gru_cell,
// also at top level: xgrad::lstm_cell as torch::lstm_cell), and the per-step updates the
// RNN / LSTM / GRU modules (nn/modules/rnn.hpp) run after projecting the whole input sequence
// in one GEMM.
//
// Shapes (H = hidden size, G = number of gates: 1 for RNN, 4 for LSTM, 3 for GRU):
//   input [N, in] or unbatched [in]; hx (and cx) [N, H] or [H], matching the input;
//   w_ih [G*H, in], w_hh [G*H, H], b_ih and b_hh [G*H] (each bias optional).
// Gate order and equations are PyTorch's (sigma = sigmoid, * elementwise):
//   RNN:  h' = tanh(W_ih x + b_ih + W_hh h + b_hh)       (relu for rnn_relu_cell)
//   LSTM: i, f, g, o = chunks of W_ih x + b_ih + W_hh h + b_hh;
//         c' = sigma(f) * c + sigma(i) * tanh(g);  h' = sigma(o) * tanh(c')
//   GRU:  r, z, n chunks of W_ih x + b_ih (i_*) and of W_hh h + b_hh (h_*);
//         r = sigma(i_r + h_r), z = sigma(i_z + h_z), n = tanh(i_n + r * h_n);
//         h' = (1 - z) * n + z * h
// Everything is a composite of differentiable ops (linear, sigmoid, tanh, chunk, mul, add),
// so first and second derivatives come from theirs. Cost per step: two GEMMs (one when the
// input projection is precomputed) and O(N G H) elementwise work.
// Errors: std::invalid_argument naming the cell, the shapes and the dtypes when the input,
// state and weights do not fit together (or their dtypes differ).
#pragma once
#include <cstdint>
#include <tuple>

#include "../../autograd/tensor.hpp"

namespace xgrad::nn::functional {

Tensor rnn_tanh_cell(const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh,
                     const Tensor& b_ih = Tensor(), const Tensor& b_hh = Tensor());
Tensor rnn_relu_cell(const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh,
                     const Tensor& b_ih = Tensor(), const Tensor& b_hh = Tensor());
// hx = {h, c}; returns (h', c').
std::tuple<Tensor, Tensor> lstm_cell(const Tensor& input, const tensor_list& hx, const Tensor& w_ih, const Tensor& w_hh,
                                     const Tensor& b_ih = Tensor(), const Tensor& b_hh = Tensor());
Tensor gru_cell(const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh,
                const Tensor& b_ih = Tensor(), const Tensor& b_hh = Tensor());

namespace rnn_step {
// The shape and dtype checks of the cells, with `op` naming the caller in the message.
void check_cell(const char* op, std::int64_t gates, const Tensor& input, const tensor_list& states, const Tensor& w_ih,
                const Tensor& w_hh, const Tensor& b_ih, const Tensor& b_hh);
// One time step given gi = W_ih x + b_ih (already projected, [N, G*H]); no shape checks (the
// callers check once per sequence).
Tensor rnn(const Tensor& gi, const Tensor& h, const Tensor& w_hh, const Tensor& b_hh, bool relu);
std::tuple<Tensor, Tensor> lstm(const Tensor& gi, const Tensor& h, const Tensor& c, const Tensor& w_hh,
                                const Tensor& b_hh);
Tensor gru(const Tensor& gi, const Tensor& h, const Tensor& w_hh, const Tensor& b_hh);
}  // namespace rnn_step

}  // namespace xgrad::nn::functional

namespace xgrad {
using nn::functional::gru_cell;
using nn::functional::lstm_cell;
using nn::functional::rnn_relu_cell;
using nn::functional::rnn_tanh_cell;
}  // namespace xgrad
