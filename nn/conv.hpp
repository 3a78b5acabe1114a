// Moved to nn/modules/conv.hpp (Module classes in nn/modules/, their F:: ops in nn/functional/).
// Also includes all of nn::functional, as this header did before the move.
#pragma once
#include "functional.hpp"
#include "modules/conv.hpp"
