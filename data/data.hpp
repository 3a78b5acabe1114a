// Everything in data/ (xgrad::data): CSV loading, datasets, the train/test split, feature
// standardisation, the DataLoader and the DistributedSampler.
#pragma once
#include "csv.hpp"
#include "dataloader.hpp"
#include "dataset.hpp"
#include "distributed_sampler.hpp"
