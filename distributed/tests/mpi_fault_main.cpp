// A job in which rank 1 throws in the middle of a DDP training step, while the other ranks
// wait for it in an all-reduce. Run by run_mpi_fault.cmake: every rank must exit non-zero,
// quickly, and the error text must reach the terminal.
#include <xgrad/xgrad.hpp>

#include <memory>
#include <stdexcept>

#include "../ddp.hpp"
#include "../process_group.hpp"

using namespace xgrad;

int main(int argc, char** argv) {
  return distributed::run_or_abort([&] {
    distributed::init(&argc, &argv);
    auto model = std::make_shared<nn::LinearImpl>(4, 2);
    distributed::DistributedDataParallel ddp(model);
    for (int step = 0; step < 3; ++step) {
      Tensor loss = ddp(ones({2, 4})).sum();
      if (step == 1 && distributed::rank() == 1) throw std::runtime_error("injected failure in step 1");
      loss.backward();
    }
    return 0;
  });
}
