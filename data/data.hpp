// Everything in data/ (xgrad::data): CSV loading, datasets, the train/test split, feature
// standardisation and the DataLoader.
#pragma once
#include "csv.hpp"
#include "dataloader.hpp"
#include "dataset.hpp"
