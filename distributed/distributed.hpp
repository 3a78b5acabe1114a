// xgrad::distributed: data-parallel training over MPI. See process_group.hpp (init, ranks,
// run_or_abort), collectives.hpp (all_reduce, broadcast, all_gather, reduce_scatter) and ddp.hpp
// (DistributedDataParallel), sync_batch_norm.hpp (SyncBatchNorm); data/distributed_sampler.hpp
// shards the data.
#pragma once
#include "../data/distributed_sampler.hpp"
#include "collectives.hpp"
#include "ddp.hpp"
#include "process_group.hpp"
#include "sync_batch_norm.hpp"
