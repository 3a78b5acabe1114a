// xgrad <-> xtensor: from_xtensor, adapt, to_xarray, as_xtensor (see autograd/xtensor.hpp).
#pragma once
#include "autograd/xtensor.hpp"
