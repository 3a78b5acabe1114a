// Moved to nn/modules/dropout.hpp (Module classes in nn/modules/, their F:: ops in nn/functional/).
#pragma once
#include "modules/dropout.hpp"
