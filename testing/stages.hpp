// The stages of check_function (internal to testing/: not installed as API). Each returns its
// StageResult; see check_function.hpp for what each does and costs.
#pragma once
#include <string>
#include <vector>

#include "check_function.hpp"

namespace xgrad::testing::detail {

// Fresh copies of the inputs: floating ones in `dtype` (requiring grad if asked), others as given.
tensor_list copies_as(const tensor_list& inputs, Dtype dtype, bool requires_grad);
std::string shape_text(const Shape& s);  // "[2, 3]"

inline StageResult stage(std::string name, StageStatus s, std::string detail = "") {
  return StageResult{std::move(name), s, std::move(detail), false, {}};
}
inline StageResult from_gradcheck(std::string name, GradcheckResult g) {
  StageResult s = stage(std::move(name), g.passed ? StageStatus::Passed : StageStatus::Failed, g.message);
  s.has_gradcheck = true;
  s.gradcheck = std::move(g);
  return s;
}
// Runs one stage; an exception from fn or its backward fails the stage with its message.
template <class Body>
StageResult guarded(const std::string& name, Body&& body) {
  try {
    return body();
  } catch (const std::exception& e) {
    return stage(name, StageStatus::Failed, std::string("threw: ") + e.what());
  }
}

// layouts.cpp: the same check on other memory layouts and shapes
StageResult non_contiguous_stage(const CheckedFunction& fn, const tensor_list& inputs, const GradcheckOptions& go);
StageResult expanded_stage(const CheckedFunction& fn, const tensor_list& inputs, const GradcheckOptions& go);
std::vector<StageResult> broadcast_stages(const CheckedFunction& fn, const tensor_list& inputs,
                                          const GradcheckOptions& go);
// backward_stages.cpp
StageResult zero_size_stage(const CheckedFunction& fn, const tensor_list& inputs);
StageResult backward_twice_stage(const CheckedFunction& fn, const tensor_list& inputs, const GradcheckOptions& go);

}  // namespace xgrad::testing::detail
