// Example<Data, Target>: one example (or, stacked, a batch) of LibTorch's data API, with public
// fields `data` and `target`. Example<> holds two tensors; Example<Tensor, example::NoTarget>
// (TensorExample) holds only `data`, for unlabelled data.
#pragma once
#include <utility>

#include "../autograd/tensor.hpp"

namespace xgrad::data {

namespace example {
using NoTarget = void;
}  // namespace example

template <class Data = Tensor, class Target = Tensor>
struct Example {
  using DataType = Data;
  using TargetType = Target;
  Example() = default;
  Example(Data data, Target target) : data(std::move(data)), target(std::move(target)) {}
  Data data;
  Target target;  // may be an undefined Tensor for unlabelled data
};

template <class Data>
struct Example<Data, example::NoTarget> {
  using DataType = Data;
  using TargetType = example::NoTarget;
  Example() = default;
  Example(Data data) : data(std::move(data)) {}  // NOLINT: implicit, as LibTorch
  operator Data&() { return data; }              // NOLINT
  operator const Data&() const { return data; }  // NOLINT
  Data data;
};

using TensorExample = Example<Tensor, example::NoTarget>;

}  // namespace xgrad::data
