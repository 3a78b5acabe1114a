// Stack: a std::vector of examples -> one example whose data (and target) are the examples'
// tensors stacked along a new first dim (xgrad::stack), as make_data_loader's batches usually are.
#pragma once
#include <utility>
#include <vector>

#include "../../autograd/ops.hpp"
#include "../example.hpp"
#include "base.hpp"

namespace xgrad::data::transforms {

template <class T = Example<>>
struct Stack;

template <>
struct Stack<Example<>> : BatchTransform<std::vector<Example<>>, Example<>> {
  Example<> apply_batch(std::vector<Example<>> examples) override {
    tensor_list data, targets;
    data.reserve(examples.size());
    targets.reserve(examples.size());
    for (auto& e : examples) {
      data.push_back(std::move(e.data));
      targets.push_back(std::move(e.target));
    }
    // Unlabelled examples (undefined targets) give an undefined batch target.
    const bool labelled = !targets.empty() && targets.front().defined();
    return {stack(data), labelled ? stack(targets) : Tensor()};
  }
};

template <>
struct Stack<TensorExample> : BatchTransform<std::vector<TensorExample>, TensorExample> {
  TensorExample apply_batch(std::vector<TensorExample> examples) override {
    tensor_list data;
    data.reserve(examples.size());
    for (auto& e : examples) data.push_back(std::move(e.data));
    return stack(data);
  }
};

}  // namespace xgrad::data::transforms
