// RNN / LSTM / GRU cells and sequence modules: values against an independent reference written
// here with plain loops over the gate equations, gradchecks in Float64, parameter names and
// shapes as PyTorch's, and the errors for inputs that do not fit.
#include <doctest/doctest.h>

#include <cmath>
#include <sstream>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "harness.hpp"

using namespace xgrad;
namespace F = xgrad::nn::functional;
using xgrad_test::check_op;

namespace {

using Vec = std::vector<double>;
enum class Kind { Tanh, Relu, Lstm, Gru };

std::int64_t gates_of(Kind k) { return k == Kind::Lstm ? 4 : k == Kind::Gru ? 3 : 1; }
double sigm(double v) { return 1.0 / (1.0 + std::exp(-v)); }

// One cell's weights as plain row-major arrays (absent biases are zeros).
struct CellW {
  Vec w_ih, w_hh, b_ih, b_hh;
  std::int64_t in = 0, hidden = 0;
};

CellW cell_weights(const Tensor& w_ih, const Tensor& w_hh, const Tensor& b_ih, const Tensor& b_hh) {
  CellW w;
  w.in = w_ih.size(1);
  w.hidden = w_hh.size(1);
  w.w_ih = w_ih.to_vector<double>();
  w.w_hh = w_hh.to_vector<double>();
  w.b_ih = b_ih.defined() ? b_ih.to_vector<double>() : Vec(static_cast<std::size_t>(w_ih.size(0)), 0.0);
  w.b_hh = b_hh.defined() ? b_hh.to_vector<double>() : Vec(static_cast<std::size_t>(w_ih.size(0)), 0.0);
  return w;
}

// One step for one sample: x [in]; h, c [H] updated in place (c only for LSTM).
void ref_step(Kind k, const CellW& w, const double* x, Vec& h, Vec& c) {
  const std::size_t H = static_cast<std::size_t>(w.hidden), in = static_cast<std::size_t>(w.in);
  const std::size_t rows = static_cast<std::size_t>(gates_of(k)) * H;
  Vec gi(rows), gh(rows);
  for (std::size_t r = 0; r < rows; ++r) {
    gi[r] = w.b_ih[r];
    for (std::size_t j = 0; j < in; ++j) gi[r] += w.w_ih[r * in + j] * x[j];
    gh[r] = w.b_hh[r];
    for (std::size_t j = 0; j < H; ++j) gh[r] += w.w_hh[r * H + j] * h[j];
  }
  for (std::size_t u = 0; u < H; ++u) {
    if (k == Kind::Tanh || k == Kind::Relu) {
      const double v = gi[u] + gh[u];
      h[u] = k == Kind::Tanh ? std::tanh(v) : (v > 0 ? v : 0.0);
    } else if (k == Kind::Lstm) {
      const double i = sigm(gi[u] + gh[u]), f = sigm(gi[H + u] + gh[H + u]);
      const double g = std::tanh(gi[2 * H + u] + gh[2 * H + u]), o = sigm(gi[3 * H + u] + gh[3 * H + u]);
      c[u] = f * c[u] + i * g;
      h[u] = o * std::tanh(c[u]);
    } else {
      const double r = sigm(gi[u] + gh[u]), z = sigm(gi[H + u] + gh[H + u]);
      const double n = std::tanh(gi[2 * H + u] + r * gh[2 * H + u]);
      h[u] = (1 - z) * n + z * h[u];
    }
  }
}

void check_close(const Tensor& t, const Vec& want, double tol = 1e-10) {
  const Vec got = t.to_vector<double>();
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) CHECK(got[i] == doctest::Approx(want[i]).epsilon(tol).scale(1.0));
}

struct SeqShape {
  std::int64_t layers, dirs, steps, batch, in, hidden;
};

struct RefOut {
  Vec out, h, c;  // out [T, N, D*H]; h, c [L*D, N, H]
};

// The whole stack, time-major, from the module's parameters looked up by PyTorch's names.
RefOut ref_sequence(Kind k, const nn::Module& m, const SeqShape& s, const Vec& x, const Vec& h0, const Vec& c0) {
  const auto params = m.named_parameters();
  auto get = [&](const std::string& name) {
    const Tensor* t = params.find(name);
    return t ? *t : Tensor();
  };
  const auto H = static_cast<std::size_t>(s.hidden), N = static_cast<std::size_t>(s.batch);
  const auto T = static_cast<std::size_t>(s.steps), D = static_cast<std::size_t>(s.dirs);
  RefOut r{{}, Vec(h0.size()), Vec(c0.size())};
  Vec layer_in = x;
  std::size_t width = static_cast<std::size_t>(s.in);
  for (std::size_t l = 0; l < static_cast<std::size_t>(s.layers); ++l) {
    Vec next(T * N * D * H);
    for (std::size_t d = 0; d < D; ++d) {
      const std::string sfx = "_l" + std::to_string(l) + (d ? "_reverse" : "");
      const CellW w =
          cell_weights(get("weight_ih" + sfx), get("weight_hh" + sfx), get("bias_ih" + sfx), get("bias_hh" + sfx));
      for (std::size_t n = 0; n < N; ++n) {
        const std::size_t at = ((l * D + d) * N + n) * H;
        Vec h(h0.begin() + static_cast<std::ptrdiff_t>(at), h0.begin() + static_cast<std::ptrdiff_t>(at + H));
        Vec c = k == Kind::Lstm ? Vec(c0.begin() + static_cast<std::ptrdiff_t>(at),
                                      c0.begin() + static_cast<std::ptrdiff_t>(at + H))
                                : Vec(H);
        for (std::size_t st = 0; st < T; ++st) {
          const std::size_t t = d ? T - 1 - st : st;
          ref_step(k, w, &layer_in[(t * N + n) * width], h, c);
          for (std::size_t u = 0; u < H; ++u) next[(t * N + n) * D * H + d * H + u] = h[u];
        }
        for (std::size_t u = 0; u < H; ++u) {
          r.h[at + u] = h[u];
          if (k == Kind::Lstm) r.c[at + u] = c[u];
        }
      }
    }
    layer_in = next;
    width = D * H;
  }
  r.out = layer_in;
  return r;
}

template <class Fn>
void check_throws_naming(Fn&& f, const std::string& a, const std::string& b) {
  try {
    f();
    FAIL("expected std::invalid_argument");
  } catch (const std::invalid_argument& e) {
    const std::string msg = e.what();
    CHECK_MESSAGE(msg.find(a) != std::string::npos, msg);
    CHECK_MESSAGE(msg.find(b) != std::string::npos, msg);
  }
}

Tensor rand64(const Shape& shape) { return randn(shape, TensorOptions(kFloat64)); }

}  // namespace

TEST_CASE("cells match the gate equations, batched, unbatched, with and without hx and bias") {
  manual_seed(1);
  for (bool bias : {true, false}) {
    nn::RNNCell tanh_cell(nn::RNNCellOptions(3, 4).bias(bias));
    nn::RNNCell relu_cell(nn::RNNCellOptions(3, 4).bias(bias).nonlinearity(kReLU));
    nn::LSTMCell lstm(nn::LSTMCellOptions(3, 4).bias(bias));
    nn::GRUCell gru(nn::GRUCellOptions(3, 4).bias(bias));
    for (nn::Module* m : std::vector<nn::Module*>{tanh_cell.get(), relu_cell.get(), lstm.get(), gru.get()})
      m->to(kFloat64);
    const Tensor x = rand64({2, 3}), h = rand64({2, 4}), c = rand64({2, 4});
    auto ref = [&](Kind k, const nn::RNNCellImplBase& m, const Tensor& xs, Tensor hs, Tensor cs) {
      const CellW w = cell_weights(m.weight_ih, m.weight_hh, m.bias_ih, m.bias_hh);
      const std::int64_t n = xs.dim() == 2 ? xs.size(0) : 1;
      if (!hs.defined()) hs = zeros({n, 4}, TensorOptions(kFloat64));
      if (!cs.defined()) cs = zeros({n, 4}, TensorOptions(kFloat64));
      const Vec xv = xs.to_vector<double>(), hv = hs.to_vector<double>(), cv = cs.to_vector<double>();
      Vec out_h, out_c;
      for (std::int64_t i = 0; i < n; ++i) {
        Vec hi(hv.begin() + i * 4, hv.begin() + i * 4 + 4), ci(cv.begin() + i * 4, cv.begin() + i * 4 + 4);
        ref_step(k, w, &xv[static_cast<std::size_t>(i * 3)], hi, ci);
        out_h.insert(out_h.end(), hi.begin(), hi.end());
        out_c.insert(out_c.end(), ci.begin(), ci.end());
      }
      return std::make_pair(out_h, out_c);
    };
    check_close(tanh_cell(x, h), ref(Kind::Tanh, *tanh_cell, x, h, {}).first);
    check_close(tanh_cell(x), ref(Kind::Tanh, *tanh_cell, x, {}, {}).first);
    check_close(relu_cell(x, h), ref(Kind::Relu, *relu_cell, x, h, {}).first);
    check_close(gru(x, h), ref(Kind::Gru, *gru, x, h, {}).first);
    check_close(gru(x), ref(Kind::Gru, *gru, x, {}, {}).first);
    const auto [h1, c1] = lstm(x, std::make_tuple(h, c));
    const auto want = ref(Kind::Lstm, *lstm, x, h, c);
    check_close(h1, want.first);
    check_close(c1, want.second);
    const auto [h2, c2] = lstm(x);
    check_close(c2, ref(Kind::Lstm, *lstm, x, {}, {}).second);
    // Unbatched: [in] with [H] states gives [H] states.
    const Tensor xu = x[0], hu = h[0];
    const Tensor gu = gru(xu, hu);
    CHECK(gu.shape() == Shape{4});
    check_close(gu, ref(Kind::Gru, *gru, xu, hu.unsqueeze(0), {}).first);
    const auto [hl, cl] = lstm(xu);
    CHECK(hl.shape() == Shape{4});
    CHECK(cl.shape() == Shape{4});
    check_close(hl, ref(Kind::Lstm, *lstm, xu, {}, {}).first);
  }
}

TEST_CASE("cell parameters: PyTorch's names, shapes and init bound") {
  manual_seed(2);
  nn::LSTMCell lstm(5, 6);
  const auto sd = lstm->state_dict();
  REQUIRE(sd.size() == 4);
  CHECK(sd.keys() == std::vector<std::string>{"weight_ih", "weight_hh", "bias_ih", "bias_hh"});
  CHECK(lstm->weight_ih.shape() == Shape{24, 5});
  CHECK(lstm->weight_hh.shape() == Shape{24, 6});
  CHECK(lstm->bias_hh.shape() == Shape{24});
  nn::GRUCell gru(nn::GRUCellOptions(5, 6).bias(false));
  CHECK(gru->named_parameters().size() == 2);
  CHECK(gru->weight_ih.shape() == Shape{18, 5});
  const double bound = 1.0 / std::sqrt(6.0);
  for (const Tensor& p : lstm->parameters()) {
    CHECK(p.abs().max().item<double>() <= bound);
    CHECK(p.abs().max().item<double>() > bound / 2);  // drawn from the whole range, not zeros
  }
}

TEST_CASE("cell functions: gradcheck and gradgradcheck (check_op)") {
  manual_seed(3);
  const Tensor x = rand64({2, 3}), h = rand64({2, 4}), c = rand64({2, 4});
  const Tensor w1 = rand64({4, 3}), u1 = rand64({4, 4}), b1 = rand64({4}), d1 = rand64({4});
  const Tensor w4 = rand64({16, 3}), u4 = rand64({16, 4}), b4 = rand64({16}), d4 = rand64({16});
  const Tensor w3 = rand64({12, 3}), u3 = rand64({12, 4}), b3 = rand64({12}), d3 = rand64({12});
  check_op("rnn_tanh_cell", [](const tensor_list& a) { return F::rnn_tanh_cell(a[0], a[1], a[2], a[3], a[4], a[5]); },
           {x, h, w1, u1, b1, d1});
  check_op("rnn_relu_cell", [](const tensor_list& a) { return F::rnn_relu_cell(a[0], a[1], a[2], a[3], a[4], a[5]); },
           {x, h, w1, u1, b1, d1});
  check_op("lstm_cell",
           [](const tensor_list& a) {
             auto [hn, cn] = F::lstm_cell(a[0], {a[1], a[2]}, a[3], a[4], a[5], a[6]);
             return tensor_list{hn, cn};
           },
           {x, h, c, w4, u4, b4, d4});
  check_op("gru_cell", [](const tensor_list& a) { return F::gru_cell(a[0], a[1], a[2], a[3], a[4], a[5]); },
           {x, h, w3, u3, b3, d3});
  // Without biases, and unbatched.
  check_op("gru_cell no bias", [](const tensor_list& a) { return F::gru_cell(a[0], a[1], a[2], a[3]); },
           {x, h, w3, u3});
  check_op("lstm_cell unbatched",
           [](const tensor_list& a) {
             auto [hn, cn] = xgrad::lstm_cell(a[0], {a[1], a[2]}, a[3], a[4], a[5], a[6]);
             return tensor_list{hn, cn};
           },
           {x[0], h[1], c[0], w4, u4, b4, d4});
}

namespace {

// Runs module m (already Float64) on a random time-major input and compares with the reference;
// batch_first / unbatched inputs are made from the same values.
template <class M>
void check_sequence(Kind k, M& m, const SeqShape& s, bool batch_first, bool unbatched, bool give_hx) {
  CAPTURE(s.layers);
  CAPTURE(s.dirs);
  CAPTURE(batch_first);
  CAPTURE(unbatched);
  CAPTURE(give_hx);
  const std::int64_t n = unbatched ? 1 : s.batch;
  const std::int64_t ld = s.layers * s.dirs;
  const Tensor x = rand64({s.steps, n, s.in});
  const Tensor h0 = give_hx ? rand64({ld, n, s.hidden}) : zeros({ld, n, s.hidden}, TensorOptions(kFloat64));
  const Tensor c0 = give_hx ? rand64({ld, n, s.hidden}) : zeros({ld, n, s.hidden}, TensorOptions(kFloat64));
  SeqShape s1 = s;
  s1.batch = n;
  const RefOut want = ref_sequence(k, *m, s1, x.to_vector<double>(), h0.to_vector<double>(), c0.to_vector<double>());
  Tensor xin = unbatched ? x.squeeze(1) : batch_first ? x.transpose(0, 1).contiguous() : x;
  Tensor hin = give_hx ? (unbatched ? h0.squeeze(1) : h0) : Tensor();
  Tensor cin = give_hx ? (unbatched ? c0.squeeze(1) : c0) : Tensor();
  Tensor out, hn, cn;
  if constexpr (std::is_same_v<M, nn::LSTM>) {
    std::tuple<Tensor, std::tuple<Tensor, Tensor>> r = give_hx ? m(xin, std::make_tuple(hin, cin)) : m(xin);
    out = std::get<0>(r);
    std::tie(hn, cn) = std::get<1>(r);
  } else {
    std::tie(out, hn) = m(xin, hin);
  }
  if (batch_first && !unbatched) out = out.transpose(0, 1);
  const Shape out_shape = unbatched ? Shape{s.steps, s.dirs * s.hidden} : Shape{s.steps, n, s.dirs * s.hidden};
  CHECK(out.shape() == out_shape);
  CHECK(hn.shape() == (unbatched ? Shape{ld, s.hidden} : Shape{ld, n, s.hidden}));
  check_close(out, want.out);
  check_close(hn, want.h);
  if (k == Kind::Lstm) check_close(cn, want.c);
}

template <class M, class O>
void check_module_configs(Kind k, O base) {
  const SeqShape one{1, 1, 4, 2, 3, 5}, deep{2, 2, 3, 2, 3, 5};
  for (const SeqShape& s : {one, deep}) {
    for (bool bf : {false, true}) {
      M m(O(base).num_layers(s.layers).bidirectional(s.dirs == 2).batch_first(bf));
      m->to(kFloat64);
      check_sequence(k, m, s, bf, false, false);
      check_sequence(k, m, s, bf, false, true);
      check_sequence(k, m, s, bf, true, true);
    }
  }
}

}  // namespace

TEST_CASE("RNN, LSTM, GRU match the reference: layers, directions, batch_first, unbatched, hx") {
  manual_seed(4);
  check_module_configs<nn::RNN>(Kind::Tanh, nn::RNNOptions(3, 5));
  check_module_configs<nn::RNN>(Kind::Relu, nn::RNNOptions(3, 5).nonlinearity(kReLU));
  check_module_configs<nn::LSTM>(Kind::Lstm, nn::LSTMOptions(3, 5));
  check_module_configs<nn::GRU>(Kind::Gru, nn::GRUOptions(3, 5));
  check_module_configs<nn::GRU>(Kind::Gru, nn::GRUOptions(3, 5).bias(false));
}

TEST_CASE("sequence module parameters: PyTorch's names, order and shapes") {
  nn::LSTM lstm(nn::LSTMOptions(3, 4).num_layers(2).bidirectional(true));
  const std::vector<std::string> want{
      "weight_ih_l0",         "weight_hh_l0",         "bias_ih_l0",         "bias_hh_l0",
      "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse",
      "weight_ih_l1",         "weight_hh_l1",         "bias_ih_l1",         "bias_hh_l1",
      "weight_ih_l1_reverse", "weight_hh_l1_reverse", "bias_ih_l1_reverse", "bias_hh_l1_reverse"};
  const auto sd = lstm->state_dict();
  CHECK(sd.keys() == want);
  CHECK(sd["weight_ih_l0"].shape() == Shape{16, 3});
  CHECK(sd["weight_ih_l1"].shape() == Shape{16, 8});  // the second layer reads both directions
  CHECK(sd["weight_hh_l1_reverse"].shape() == Shape{16, 4});
  CHECK(lstm->all_weights().size() == 16);
  nn::GRU gru(nn::GRUOptions(3, 4).bias(false));
  CHECK(gru->state_dict().keys() == std::vector<std::string>{"weight_ih_l0", "weight_hh_l0"});
}

// Gradients w.r.t. the input, the initial states and every parameter of the module (gradcheck
// perturbs its inputs in place, so the module's own parameters can be checked directly).
TEST_CASE("sequence modules: gradcheck and gradgradcheck in Float64") {
  manual_seed(5);
  nn::LSTM lstm(nn::LSTMOptions(2, 3).num_layers(2).bidirectional(true).batch_first(true));
  lstm->to(kFloat64);
  tensor_list in{rand64({2, 3, 2}).requires_grad_(), rand64({4, 2, 3}).requires_grad_(),
                 rand64({4, 2, 3}).requires_grad_()};
  for (const Tensor& p : lstm->parameters()) in.push_back(p);
  auto lstm_fn = [&lstm](const tensor_list& a) {
    auto r = lstm(a[0], std::make_tuple(a[1], a[2]));
    return tensor_list{std::get<0>(r), std::get<0>(std::get<1>(r)), std::get<1>(std::get<1>(r))};
  };
  CHECK(autograd::gradcheck(lstm_fn, in));

  nn::GRU gru(nn::GRUOptions(2, 3));
  gru->to(kFloat64);
  tensor_list gin{rand64({3, 2, 2}).requires_grad_(), rand64({1, 2, 3}).requires_grad_()};
  for (const Tensor& p : gru->parameters()) gin.push_back(p);
  auto gru_fn = [&gru](const tensor_list& a) {
    auto r = gru(a[0], a[1]);
    return tensor_list{std::get<0>(r), std::get<1>(r)};
  };
  CHECK(autograd::gradcheck(gru_fn, gin));
  CHECK(autograd::gradgradcheck(gru_fn, gin));

  nn::RNN rnn(nn::RNNOptions(2, 3).num_layers(2).nonlinearity(kReLU));
  rnn->to(kFloat64);
  tensor_list rin{rand64({3, 2}).requires_grad_()};  // unbatched, zero initial state
  for (const Tensor& p : rnn->parameters()) rin.push_back(p);
  auto rnn_fn = [&rnn](const tensor_list& a) { return std::get<0>(rnn(a[0])); };
  CHECK(autograd::gradcheck(rnn_fn, rin));
  CHECK(autograd::gradgradcheck(rnn_fn, rin));
}

TEST_CASE("cells train: backward reaches every parameter, in Float32") {
  manual_seed(6);
  nn::LSTM lstm(nn::LSTMOptions(3, 4).num_layers(2));
  const Tensor x = randn({5, 2, 3});
  auto out = std::get<0>(lstm(x));
  CHECK(out.dtype() == kFloat32);
  out.sum().backward();
  for (const auto& item : lstm->named_parameters()) {
    CAPTURE(item.key());
    REQUIRE(item.value().grad().defined());
    CHECK(item.value().grad().abs().sum().item<double>() > 0);
  }
}

TEST_CASE("dropout between layers: only in training, never after the last layer") {
  manual_seed(7);
  nn::GRU gru(nn::GRUOptions(3, 4).num_layers(2).dropout(0.5));
  nn::GRU single(nn::GRUOptions(3, 4).dropout(0.5));
  const Tensor x = randn({4, 2, 3});
  gru->eval();
  const Tensor e1 = std::get<0>(gru(x)), e2 = std::get<0>(gru(x));
  CHECK(equal(e1, e2));
  gru->train();
  const Tensor t1 = std::get<0>(gru(x));
  CHECK_FALSE(equal(t1, e1));
  // One layer: dropout has no layer to apply after, so training and eval agree.
  const Tensor s1 = std::get<0>(single(x));
  single->eval();
  CHECK(equal(s1, std::get<0>(single(x))));
}

TEST_CASE("bad shapes, dtypes and options throw naming the module and the shapes") {
  nn::LSTM lstm(nn::LSTMOptions(3, 4).num_layers(2));
  check_throws_naming([&] { lstm(randn({2, 3, 5})); }, "LSTM", "Float32 [2, 3, 5]");
  check_throws_naming([&] { lstm(randn({3})); }, "LSTM", "Float32 [3]");
  check_throws_naming([&] { lstm(randn({2, 2, 3}, TensorOptions(kFloat64))); }, "LSTM", "Float64 [2, 2, 3]");
  check_throws_naming([&] { lstm(randn({0, 2, 3})); }, "LSTM", "at least one step");
  check_throws_naming(
      [&] {
        lstm(randn({5, 2, 3}), std::make_tuple(randn({1, 2, 4}), randn({2, 2, 4})));
      },
      "h_0", "[2, 2, 4]");
  check_throws_naming(
      [&] {
        lstm(randn({5, 2, 3}), std::make_tuple(randn({2, 2, 4}), randn({2, 3, 4})));
      },
      "c_0", "Float32 [2, 3, 4]");
  nn::GRU gru(nn::GRUOptions(3, 4).batch_first(true));
  check_throws_naming([&] { gru(randn({2, 5, 3}), randn({1, 5, 4})); }, "GRU", "[1, 2, 4]");
  check_throws_naming([&] { gru(randn({5, 3}), randn({1, 2, 4})); }, "GRU", "[1, 4]");
  nn::GRUCell cell(3, 4);
  check_throws_naming([&] { cell(randn({2, 2, 3})); }, "GRUCell", "[2, 2, 3]");
  check_throws_naming([&] { cell(randn({2, 5})); }, "GRUCell", "[2, 5]");
  check_throws_naming([&] { cell(randn({2, 3}), randn({3, 4})); }, "GRUCell", "hx Float32 [3, 4]");
  nn::LSTMCell lcell(3, 4);
  check_throws_naming([&] { lcell(randn({3}), std::make_tuple(randn({4}), randn({1, 4}))); }, "LSTMCell", "[1, 4]");
  check_throws_naming(
      [&] {
        F::gru_cell(randn({2, 3}), randn({2, 4}), randn({12, 3}), randn({8, 4}));
      },
      "gru_cell", "w_hh Float32 [8, 4]");
  check_throws_naming(
      [&] {
        F::lstm_cell(randn({2, 3}), {randn({2, 4})}, randn({16, 3}), randn({16, 4}));
      },
      "lstm_cell", "two tensors");
  check_throws_naming([&] { (void)nn::RNN(nn::RNNOptions(3, 4).nonlinearity(nn::init::Nonlinearity::Sigmoid)); }, "RNN",
                      "kTanh");
  check_throws_naming(
      [&] { (void)nn::RNNCell(nn::RNNCellOptions(3, 4).nonlinearity(nn::init::Nonlinearity::Sigmoid)); }, "RNNCell",
      "kReLU");
  check_throws_naming([&] { (void)nn::LSTM(nn::LSTMOptions(3, 4).proj_size(2)); }, "LSTM", "proj_size");
  check_throws_naming([&] { (void)nn::GRU(nn::GRUOptions(3, 4).dropout(1.5)); }, "GRU", "dropout");
  check_throws_naming([&] { (void)nn::GRU(nn::GRUOptions(3, 0)); }, "GRU", "hidden_size=0");
}

TEST_CASE("printing shows the options") {
  nn::LSTM lstm(nn::LSTMOptions(3, 4).num_layers(2).bidirectional(true));
  std::ostringstream os;
  os << lstm;
  const std::string want =
      "LSTM(input_size=3, hidden_size=4, num_layers=2, bias=true, batch_first=false, dropout=0, "
      "bidirectional=true)";
  CHECK_MESSAGE(os.str().rfind(want, 0) == 0, os.str());  // then the parameters
  std::ostringstream cs;
  cs << nn::RNNCell(nn::RNNCellOptions(3, 4).nonlinearity(kReLU));
  CHECK_MESSAGE(cs.str().rfind("RNNCell(3, 4, nonlinearity=relu)", 0) == 0, cs.str());
}
