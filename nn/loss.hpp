// Moved to nn/modules/loss.hpp (the loss modules) and nn/functional/loss.hpp (F:: losses, Reduction,
// the options structs).
#pragma once
#include "functional/loss.hpp"
#include "modules/loss.hpp"
#include "modules/loss_extra.hpp"
