// Moved to nn/modules/activation.hpp (Module classes in nn/modules/, their F:: ops in nn/functional/).
#pragma once
#include "modules/activation.hpp"
#include "modules/activation_extra.hpp"
