// Layers with their options builders, Sequential with a Functional, BatchNorm, and the functional
// API with FuncOptions -- trained a few steps on a synthetic image task.
#include <torch/torch.h>

#include <iostream>

namespace F = torch::nn::functional;

struct ConvNetImpl : torch::nn::Module {
  ConvNetImpl() {
    features = register_module(
        "features",
        torch::nn::Sequential(torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 8, 3).stride(1).padding(1).bias(false)),
                              torch::nn::BatchNorm2d(torch::nn::BatchNorm2dOptions(8).momentum(0.1)),
                              torch::nn::Functional(torch::relu),
                              torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(2).stride(2))));
    dropout = register_module("dropout", torch::nn::Dropout(torch::nn::DropoutOptions(0.25)));
    fc = register_module("fc", torch::nn::Linear(torch::nn::LinearOptions(8 * 4 * 4, 2).bias(true)));
  }

  torch::Tensor forward(torch::Tensor x) {
    x = features->forward(x);
    x = x.view({x.size(0), -1});
    x = dropout(x);
    return F::log_softmax(fc(x), F::LogSoftmaxFuncOptions(1));
  }

  torch::nn::Sequential features{nullptr};
  torch::nn::Dropout dropout{nullptr};
  torch::nn::Linear fc{nullptr};
};
TORCH_MODULE(ConvNet);

int main() {
  torch::manual_seed(2);
  // Class 1 images are bright in the top half, class 0 in the bottom half.
  auto labels = torch::randint(0, 2, {64}, torch::kLong);
  auto images = torch::randn({64, 1, 8, 8}) * 0.3;
  auto top = labels.to(torch::kFloat).view({64, 1, 1, 1});
  images.index_put_(
      {torch::indexing::Slice(), torch::indexing::Slice(), torch::indexing::Slice(0, 4)},
      images.index({torch::indexing::Slice(), torch::indexing::Slice(), torch::indexing::Slice(0, 4)}) + top);
  images.index_put_(
      {torch::indexing::Slice(), torch::indexing::Slice(), torch::indexing::Slice(4, 8)},
      images.index({torch::indexing::Slice(), torch::indexing::Slice(), torch::indexing::Slice(4, 8)}) + (1 - top));

  ConvNet net;
  std::cout << net << std::endl;
  int64_t count = 0;
  for (const auto& p : net->named_parameters()) {
    std::cout << p.key() << " " << p.value().sizes() << "\n";
    count += p.value().numel();
  }
  std::cout << "parameters: " << count << "\n";

  torch::optim::SGD optimizer(net->parameters(), torch::optim::SGDOptions(0.1).momentum(0.9).weight_decay(1e-4));
  double loss_value = 0;
  for (int step = 0; step < 40; ++step) {
    optimizer.zero_grad();
    auto loss = F::nll_loss(net(images), labels, F::NLLLossFuncOptions().reduction(torch::kMean));
    loss.backward();
    optimizer.step();
    loss_value = loss.item<double>();
  }
  net->eval();
  torch::NoGradGuard no_grad;
  auto accuracy = net->forward(images).argmax(1).eq(labels).to(torch::kFloat).mean().item<double>();
  std::cout << "final loss " << loss_value << " accuracy " << accuracy << std::endl;
  return accuracy > 0.9 ? 0 : 1;
}
