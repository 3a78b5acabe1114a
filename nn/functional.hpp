// nn::functional: the layers' computations as free functions (PyTorch's torch.nn.functional),
// one header per family in nn/functional/, all included here. Every function is differentiable
// in all floating-point tensor arguments and throws std::invalid_argument naming the function,
// the shapes and the dtypes when its inputs do not fit. Usual alias:
// namespace F = xgrad::nn::functional;
#pragma once
#include "functional/activation.hpp"
#include "functional/activation_composite.hpp"
#include "functional/activation_options.hpp"
#include "functional/adaptive_pool.hpp"
#include "functional/conv.hpp"
#include "functional/conv3d.hpp"
#include "functional/conv_transpose.hpp"
#include "functional/distance.hpp"
#include "functional/dropout.hpp"
#include "functional/embedding.hpp"
#include "functional/group_norm.hpp"
#include "functional/interpolate.hpp"
#include "functional/likelihood_loss.hpp"
#include "functional/linear.hpp"
#include "functional/loss.hpp"
#include "functional/margin_loss.hpp"
#include "functional/normalization.hpp"
#include "functional/padding.hpp"
#include "functional/pooling.hpp"
#include "functional/rnn.hpp"
#include "functional/size2.hpp"
