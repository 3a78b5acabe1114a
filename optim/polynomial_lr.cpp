#include "polynomial_lr.hpp"

#include <algorithm>
#include <cmath>

#include "options_check.hpp"

namespace xgrad::optim {

PolynomialLR::PolynomialLR(Optimizer& optimizer, std::int64_t total_iters, double power)
    : LRScheduler(optimizer, "PolynomialLR"), total_iters_(total_iters), power_(power) {
  detail::require(total_iters >= 1, "PolynomialLR", "total_iters", static_cast<double>(total_iters), "must be >= 1");
  initial_step();
}

std::vector<double> PolynomialLR::get_lr() {
  auto lrs = group_lrs();
  if (last_epoch_ == 0 || last_epoch_ > total_iters_) return lrs;
  const auto e = static_cast<double>(last_epoch_), n = static_cast<double>(total_iters_);
  const double factor = std::pow((1.0 - e / n) / (1.0 - (e - 1) / n), power_);
  for (double& lr : lrs) lr *= factor;
  return lrs;
}

std::optional<std::vector<double>> PolynomialLR::closed_form_lr() const {
  const auto e = static_cast<double>(std::min(total_iters_, last_epoch_)), n = static_cast<double>(total_iters_);
  std::vector<double> out;
  for (double b : base_lrs_) out.push_back(b * std::pow(1.0 - e / n, power_));
  return out;
}

}  // namespace xgrad::optim
