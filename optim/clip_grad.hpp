// Moved to nn/utils/clip_grad.hpp (namespace xgrad::nn::utils).
#pragma once
#include "../nn/utils/clip_grad.hpp"
