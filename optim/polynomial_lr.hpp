// PolynomialLR, exactly as torch.optim.lr_scheduler.PolynomialLR.
#pragma once
#include "lr_scheduler.hpp"

namespace xgrad::optim {

// lr = base_lr * (1 - min(epoch, total_iters) / total_iters)^power: reaches 0 at total_iters
// and stays there. step() uses PyTorch's chainable form, which multiplies the current lr by
// ((1 - e / total_iters) / (1 - (e - 1) / total_iters))^power up to total_iters (so it combines
// with other schedulers in a ChainedScheduler); SequentialLR's restarts use the closed form.
// total_iters >= 1.
class PolynomialLR : public LRScheduler {
 public:
  PolynomialLR(Optimizer& optimizer, std::int64_t total_iters = 5, double power = 1.0);

 protected:
  std::vector<double> get_lr() override;
  std::optional<std::vector<double>> closed_form_lr() const override;

 private:
  std::int64_t total_iters_;
  double power_;
};

}  // namespace xgrad::optim
