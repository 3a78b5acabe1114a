// Recurrent layers as a LibTorch program uses them: an LSTM (two layers, batch_first) with a
// Linear head learns the sum of a short random sequence; RNN, GRU and the cells are called with
// LibTorch's option builders and state tuples, and their output shapes printed.
#include <torch/torch.h>

#include <cstdio>
#include <iostream>
#include <tuple>

struct SummerImpl : torch::nn::Module {
  SummerImpl()
      : lstm(register_module("lstm", torch::nn::LSTM(torch::nn::LSTMOptions(1, 16).num_layers(2).batch_first(true)))),
        head(register_module("head", torch::nn::Linear(16, 1))) {}
  torch::Tensor forward(torch::Tensor x) {
    auto out = std::get<0>(lstm->forward(x));  // [N, T, 16]
    return head(out.select(1, out.size(1) - 1)).squeeze(1);
  }
  torch::nn::LSTM lstm;
  torch::nn::Linear head;
};
TORCH_MODULE(Summer);

int main() {
  torch::manual_seed(0);
  Summer model;
  torch::optim::Adam optimizer(model->parameters(), torch::optim::AdamOptions(1e-2));
  double first = 0, last = 0;
  for (int step = 0; step < 300; ++step) {
    auto x = torch::rand({32, 5, 1}) - 0.5;
    auto y = x.sum({1, 2});
    optimizer.zero_grad();
    auto loss = torch::mse_loss(model->forward(x), y);
    loss.backward();
    optimizer.step();
    if (step == 0) first = loss.item<double>();
    last = loss.item<double>();
  }
  std::printf("lstm regression: first loss %.4f, last loss %.4f\n", first, last);
  std::cout << "loss decreased: " << (last < first / 10 ? "true" : "false") << std::endl;

  torch::nn::RNN rnn(torch::nn::RNNOptions(3, 4).nonlinearity(torch::kReLU).bidirectional(true));
  auto rnn_out = rnn->forward(torch::randn({6, 2, 3}));
  std::cout << "rnn output " << std::get<0>(rnn_out).sizes() << " h_n " << std::get<1>(rnn_out).sizes() << std::endl;

  torch::nn::GRU gru(torch::nn::GRUOptions(3, 4).num_layers(2));
  auto gru_out = gru->forward(torch::randn({6, 2, 3}), torch::zeros({2, 2, 4}));
  std::cout << "gru output " << std::get<0>(gru_out).sizes() << " h_n " << std::get<1>(gru_out).sizes() << std::endl;

  torch::nn::LSTMCell lstm_cell(3, 4);
  torch::nn::GRUCell gru_cell(torch::nn::GRUCellOptions(3, 4).bias(false));
  torch::nn::RNNCell rnn_cell(torch::nn::RNNCellOptions(3, 4).nonlinearity(torch::kTanh));
  auto x = torch::randn({2, 3});
  auto hc = lstm_cell->forward(x, std::make_tuple(torch::zeros({2, 4}), torch::zeros({2, 4})));
  auto h = gru_cell->forward(x, rnn_cell->forward(x));
  std::cout << "cells " << std::get<0>(hc).sizes() << " " << std::get<1>(hc).sizes() << " " << h.sizes() << std::endl;
  std::cout << "lstm parameters: " << model->lstm->named_parameters().size() << std::endl;
  return 0;
}
