// Moved to nn/modules/linear.hpp (Module classes in nn/modules/, their F:: ops in nn/functional/).
#pragma once
#include "modules/linear.hpp"
