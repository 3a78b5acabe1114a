// Moved to nn/modules/embedding.hpp (Module classes in nn/modules/, their F:: ops in nn/functional/).
#pragma once
#include "modules/embedding.hpp"
