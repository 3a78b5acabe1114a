// xgrad::distributed from an installed package: every rank all-reduces its rank number and
// trains one DDP step of a small model; the ranks must agree. Run with mpirun -np 2.
#include <cmath>
#include <iostream>

#include <xgrad/distributed/distributed.hpp>
#include <xgrad/xgrad.hpp>

namespace dist = xgrad::distributed;

int main(int argc, char** argv) {
  return dist::run_or_abort([&] {
    dist::init(&argc, &argv);
    const int r = dist::rank(), n = dist::world_size();
    xgrad::Tensor t = xgrad::full({3}, static_cast<double>(r), xgrad::kFloat64);
    dist::all_reduce(t);
    const double expect = n * (n - 1) / 2.0;
    for (double v : t.to_vector<double>()) {
      if (v != expect) throw std::runtime_error("all_reduce gave " + std::to_string(v));
    }
    xgrad::manual_seed(1);
    xgrad::nn::Linear model(4, 2);
    dist::DistributedDataParallel ddp(model);
    xgrad::manual_seed(static_cast<std::uint64_t>(10 + r));  // a different batch per rank
    xgrad::Tensor loss = ddp.forward(xgrad::randn({8, 4})).pow(2).mean();
    loss.backward();
    xgrad::Tensor g = model->weight.grad().clone();
    xgrad::Tensor first = g.clone();
    dist::broadcast(first, 0);
    if (!xgrad::equal(g, first)) throw std::runtime_error("the ranks hold different averaged gradients");
    if (r == 0) std::cout << "consumer_mpi: " << n << " ranks agree (all_reduce " << expect << ")\n";
    return 0;
  });
}
