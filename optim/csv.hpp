// moved to data/csv.hpp (xgrad::data lives in data/); kept so that existing includes compile.
#pragma once
#include "../data/csv.hpp"
