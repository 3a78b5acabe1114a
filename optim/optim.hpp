// Everything in optim/: optimizers and learning-rate schedulers (xgrad::optim), gradient
// clipping (xgrad::nn::utils) and data loading (xgrad::data).
#pragma once
#include "adagrad.hpp"
#include "adam.hpp"
#include "../nn/utils/clip_grad.hpp"
#include "csv.hpp"
#include "dataloader.hpp"
#include "dataset.hpp"
#include "lbfgs.hpp"
#include "lr_scheduler.hpp"
#include "optimizer.hpp"
#include "rmsprop.hpp"
#include "sgd.hpp"
