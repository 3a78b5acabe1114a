// A user's own Dataset, a data loader with options, an MLP holder with TORCH_MODULE, Adam, and
// saving/loading the model and the optimizer.
#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <iostream>
#include <vector>

// Points in the plane labelled by which of two circles they fall in.
class RingDataset : public torch::data::datasets::Dataset<RingDataset> {
 public:
  explicit RingDataset(int64_t n) {
    auto angle = torch::rand({n}) * 2 * M_PI;
    auto label = torch::randint(0, 2, {n}, torch::kLong);
    auto radius = 1.0 + label.to(torch::kFloat) + 0.1 * torch::randn({n});
    points_ = torch::stack({radius * torch::cos(angle), radius * torch::sin(angle)}, 1);
    labels_ = label;
  }

  torch::data::Example<> get(size_t index) override { return {points_[index], labels_[index]}; }

  torch::optional<size_t> size() const override { return points_.size(0); }

 private:
  torch::Tensor points_, labels_;
};

struct MLPImpl : torch::nn::Module {
  MLPImpl(int64_t hidden)
      : fc1(register_module("fc1", torch::nn::Linear(2, hidden))),
        fc2(register_module("fc2", torch::nn::Linear(torch::nn::LinearOptions(hidden, 2).bias(true)))) {}

  torch::Tensor forward(torch::Tensor x) { return fc2(torch::tanh(fc1(x))); }

  torch::nn::Linear fc1, fc2;
};
TORCH_MODULE(MLP);

int main() {
  torch::manual_seed(0);
  auto dataset = RingDataset(512).map(torch::data::transforms::Stack<>());
  auto loader = torch::data::make_data_loader<torch::data::samplers::RandomSampler>(
      std::move(dataset), torch::data::DataLoaderOptions().batch_size(32).workers(2));

  MLP model(16);
  torch::optim::Adam optimizer(model->parameters(), torch::optim::AdamOptions(1e-2));

  double last_loss = 0;
  for (int epoch = 0; epoch < 30; ++epoch) {
    double total = 0;
    int batches = 0;
    for (auto& batch : *loader) {
      optimizer.zero_grad();
      auto loss = torch::nn::functional::cross_entropy(model(batch.data), batch.target);
      loss.backward();
      optimizer.step();
      total += loss.item<double>();
      ++batches;
    }
    last_loss = total / batches;
    if (epoch % 10 == 0) std::printf("epoch %d loss %.4f\n", epoch, last_loss);
  }

  auto probe = torch::tensor({{1.0, 0.0}, {0.0, 2.0}}, torch::kFloat);
  torch::Tensor before;
  {
    torch::NoGradGuard no_grad;
    model->eval();
    before = model->forward(probe);
  }
  torch::save(model, "ring_model.pt");
  torch::save(optimizer, "ring_optimizer.pt");

  MLP restored(16);
  torch::load(restored, "ring_model.pt");
  torch::optim::Adam restored_optimizer(restored->parameters(), torch::optim::AdamOptions(1e-2));
  torch::load(restored_optimizer, "ring_optimizer.pt");
  restored->eval();
  auto after = restored->forward(probe);
  std::cout << "final loss " << last_loss << "\n";
  std::cout << "predictions " << after.argmax(1) << "\n";
  std::cout << "restored matches: " << std::boolalpha << torch::allclose(before, after) << std::endl;
  return (last_loss < 0.2 && torch::allclose(before, after)) ? 0 : 1;
}
