// moved to data/dataset.hpp (xgrad::data lives in data/); kept so that existing includes compile.
#pragma once
#include "../data/dataset.hpp"
