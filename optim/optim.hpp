// Everything in optim/: optimizers and learning-rate schedulers (xgrad::optim), gradient
// clipping (xgrad::nn::utils). Data loading (xgrad::data) moved to data/data.hpp; it is still
// included here so that code which found it through this header compiles.
#pragma once
#include "../data/data.hpp"
#include "../nn/utils/clip_grad.hpp"
#include "adadelta.hpp"
#include "adagrad.hpp"
#include "adam.hpp"
#include "adam_variants.hpp"
#include "asgd.hpp"
#include "cyclic_lr.hpp"
#include "lbfgs.hpp"
#include "lr_scheduler.hpp"
#include "newton.hpp"
#include "optimizer.hpp"
#include "polynomial_lr.hpp"
#include "rmsprop.hpp"
#include "rprop.hpp"
#include "serialize.hpp"
#include "sgd.hpp"
