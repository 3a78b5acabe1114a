// Moved to nn/modules/normalization.hpp (Module classes in nn/modules/, their F:: ops in nn/functional/).
#pragma once
#include "modules/normalization.hpp"
