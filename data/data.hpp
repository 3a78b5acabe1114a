// Everything in data/ (xgrad::data): CSV loading, datasets, the train/test split, feature
// standardisation, the DataLoader and the DistributedSampler; and LibTorch's data API
// (datasets::Dataset, MNIST, transforms, samplers, make_data_loader).
#pragma once
#include "csv.hpp"
#include "dataloader.hpp"
#include "dataset.hpp"
#include "datasets/datasets.hpp"
#include "distributed_sampler.hpp"
#include "example.hpp"
#include "samplers/samplers.hpp"
#include "stateless_data_loader.hpp"
#include "transforms/transforms.hpp"
