// moved to data/dataloader.hpp (xgrad::data lives in data/); kept so that existing includes compile.
#pragma once
#include "../data/dataloader.hpp"
