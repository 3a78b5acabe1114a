// All of xgrad::data::transforms (LibTorch's torch::data::transforms).
#pragma once
#include "base.hpp"
#include "lambda.hpp"
#include "stack.hpp"
#include "tensor.hpp"
