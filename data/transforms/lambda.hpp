// Transforms from a function: BatchLambda maps a whole batch, Lambda each example.
//   dataset.map(transforms::Lambda<Example<>>([](Example<> e) { e.data = e.data * 2; return e; }))
#pragma once
#include <functional>
#include <utility>

#include "base.hpp"

namespace xgrad::data::transforms {

template <class Input, class Output = Input>
class BatchLambda : public BatchTransform<Input, Output> {
 public:
  using FunctionType = std::function<Output(Input)>;
  explicit BatchLambda(FunctionType function) : function_(std::move(function)) {}
  Output apply_batch(Input input_batch) override { return function_(std::move(input_batch)); }

 private:
  FunctionType function_;
};

template <class Input, class Output = Input>
class Lambda : public Transform<Input, Output> {
 public:
  using FunctionType = std::function<Output(Input)>;
  explicit Lambda(FunctionType function) : function_(std::move(function)) {}
  Output apply(Input input) override { return function_(std::move(input)); }

 private:
  FunctionType function_;
};

}  // namespace xgrad::data::transforms
