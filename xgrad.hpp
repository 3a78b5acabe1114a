// xgrad: reverse-mode automatic differentiation on xtensor. One include for everything.
#pragma once
#include "autograd/dtype.hpp"
#include "autograd/engine.hpp"
#include "autograd/errors.hpp"
#include "autograd/function.hpp"
#include "autograd/grad_mode.hpp"
#include "autograd/gradcheck.hpp"
#include "autograd/node.hpp"
#include "autograd/ops.hpp"
#include "autograd/random.hpp"
#include "autograd/tensor.hpp"
#include "nn/nn.hpp"
#include "optim/optim.hpp"
