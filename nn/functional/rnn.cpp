// The recurrent cells (rnn.hpp): composites of linear, sigmoid, tanh and chunk.
#include "rnn.hpp"

#include <stdexcept>
#include <string>

#include "../../autograd/op_support.hpp"
#include "../../autograd/ops.hpp"
#include "linear.hpp"

namespace xgrad::nn::functional {

namespace rnn_step {

Tensor rnn(const Tensor& gi, const Tensor& h, const Tensor& w_hh, const Tensor& b_hh, bool relu) {
  Tensor pre = gi + linear(h, w_hh, b_hh);
  return relu ? xgrad::relu(pre) : xgrad::tanh(pre);
}

std::tuple<Tensor, Tensor> lstm(const Tensor& gi, const Tensor& h, const Tensor& c, const Tensor& w_hh,
                                const Tensor& b_hh) {
  const tensor_list gates = chunk(gi + linear(h, w_hh, b_hh), 4, -1);  // i, f, g, o
  Tensor c_next = sigmoid(gates[1]) * c + sigmoid(gates[0]) * xgrad::tanh(gates[2]);
  Tensor h_next = sigmoid(gates[3]) * xgrad::tanh(c_next);
  return {h_next, c_next};
}

Tensor gru(const Tensor& gi, const Tensor& h, const Tensor& w_hh, const Tensor& b_hh) {
  const tensor_list i = chunk(gi, 3, -1);                      // i_r, i_z, i_n
  const tensor_list hh = chunk(linear(h, w_hh, b_hh), 3, -1);  // h_r, h_z, h_n
  const Tensor r = sigmoid(i[0] + hh[0]);
  const Tensor z = sigmoid(i[1] + hh[1]);
  const Tensor n = xgrad::tanh(i[2] + r * hh[2]);
  return n + z * (h - n);  // = (1 - z) * n + z * h, one op fewer
}

namespace {
std::string gate_rows(std::int64_t gates) { return gates == 1 ? "H" : std::to_string(gates) + "H"; }
}  // namespace

// Throws unless input [N, in] / [in], every state [N, H] / [H], w_ih [G*H, in], w_hh [G*H, H]
// and biases [G*H] (when defined) fit together and share one floating dtype.
void check_cell(const char* op, std::int64_t gates, const Tensor& input, const tensor_list& states, const Tensor& w_ih,
                const Tensor& w_hh, const Tensor& b_ih, const Tensor& b_hh) {
  autograd::check_defined(input, op, "input");
  for (const Tensor& s : states) autograd::check_defined(s, op, "hx");
  autograd::check_defined(w_ih, op, "w_ih");
  autograd::check_defined(w_hh, op, "w_hh");
  bool ok = (input.dim() == 1 || input.dim() == 2) && w_ih.dim() == 2 && w_hh.dim() == 2;
  if (ok) {
    const std::int64_t hidden = w_hh.size(1);
    ok = w_hh.size(0) == gates * hidden && w_ih.size(0) == gates * hidden && w_ih.size(1) == input.size(-1);
    Shape state_shape = input.dim() == 2 ? Shape{input.size(0), hidden} : Shape{hidden};
    for (const Tensor& s : states) ok = ok && s.shape() == state_shape;
    for (const Tensor* b : {&b_ih, &b_hh}) ok = ok && (!b->defined() || b->shape() == Shape{gates * hidden});
  }
  bool same_dtype = input.is_floating_point();
  for (const Tensor* t : {&w_ih, &w_hh, &b_ih, &b_hh})
    same_dtype = same_dtype && (!t->defined() || t->dtype() == input.dtype());
  for (const Tensor& s : states) same_dtype = same_dtype && s.dtype() == input.dtype();
  if (ok && same_dtype) return;
  const std::string g = gate_rows(gates);
  std::string got = "input " + autograd::describe(input);
  for (const Tensor& s : states) got += ", hx " + autograd::describe(s);
  got += ", w_ih " + autograd::describe(w_ih) + ", w_hh " + autograd::describe(w_hh);
  if (b_ih.defined()) got += ", b_ih " + autograd::describe(b_ih);
  if (b_hh.defined()) got += ", b_hh " + autograd::describe(b_hh);
  throw std::invalid_argument(
      std::string(op) + ": expected input [N, in] or [in], hx [N, H] or [H] (as the input), w_ih [" + g +
      ", in], w_hh [" + g + ", H], b_ih and b_hh [" + g + "], all of one floating dtype; got " + got);
}

}  // namespace rnn_step

Tensor rnn_tanh_cell(const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih,
                     const Tensor& b_hh) {
  rnn_step::check_cell("rnn_tanh_cell", 1, input, {hx}, w_ih, w_hh, b_ih, b_hh);
  return rnn_step::rnn(linear(input, w_ih, b_ih), hx, w_hh, b_hh, false);
}

Tensor rnn_relu_cell(const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih,
                     const Tensor& b_hh) {
  rnn_step::check_cell("rnn_relu_cell", 1, input, {hx}, w_ih, w_hh, b_ih, b_hh);
  return rnn_step::rnn(linear(input, w_ih, b_ih), hx, w_hh, b_hh, true);
}

std::tuple<Tensor, Tensor> lstm_cell(const Tensor& input, const tensor_list& hx, const Tensor& w_ih, const Tensor& w_hh,
                                     const Tensor& b_ih, const Tensor& b_hh) {
  if (hx.size() != 2) {
    throw std::invalid_argument("lstm_cell: hx must hold two tensors (h, c), got " + std::to_string(hx.size()));
  }
  rnn_step::check_cell("lstm_cell", 4, input, hx, w_ih, w_hh, b_ih, b_hh);
  return rnn_step::lstm(linear(input, w_ih, b_ih), hx[0], hx[1], w_hh, b_hh);
}

Tensor gru_cell(const Tensor& input, const Tensor& hx, const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih,
                const Tensor& b_hh) {
  rnn_step::check_cell("gru_cell", 3, input, {hx}, w_ih, w_hh, b_ih, b_hh);
  return rnn_step::gru(linear(input, w_ih, b_ih), hx, w_hh, b_hh);
}

}  // namespace xgrad::nn::functional
