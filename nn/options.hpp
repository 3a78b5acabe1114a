// The builder accessors of every options class in nn/ (LibTorch's TORCH_ARG): XGRAD_ARG from
// optim/arg.hpp. XGRAD_ARG(double, eps, 1e-5) declares a member eps_ with that default, a
// setter `eps(v)` returning *this (so setters chain: BatchNorm2dOptions(16).eps(1e-3)) and a
// getter `eps()`.
#pragma once
#include "../optim/arg.hpp"
