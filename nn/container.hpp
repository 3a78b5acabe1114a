// Moved to nn/modules/container.hpp (Module classes in nn/modules/, their F:: ops in nn/functional/).
#pragma once
#include "modules/container.hpp"
