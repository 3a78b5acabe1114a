// All of xgrad::data::datasets (LibTorch's torch::data::datasets).
#pragma once
#include "base.hpp"
#include "map.hpp"
#include "mnist.hpp"
#include "tensor.hpp"
