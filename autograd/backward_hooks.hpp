// Hooks into the backward pass for code that acts on gradients as they become final, such as
// data-parallel training (distributed/ddp.hpp) starting an all-reduce while backward goes on.
//
//   register_post_accumulate_grad_hook(w, [](const Tensor& w) { use(w.grad()); });
//   queue_callback([] { ... });  // from inside a backward pass: runs when that pass ends
//
// PyTorch's Tensor.register_post_accumulate_grad_hook and Variable._execution_engine.queue_callback.
#pragma once
#include <functional>

#include "tensor.hpp"

namespace xgrad::autograd {

// Runs hook(leaf) every time a backward pass has accumulated a gradient into leaf.grad() (after
// the addition, on the thread running that backward; not when the leaf received no gradient).
// Throws std::logic_error unless `leaf` is a leaf that requires grad. Hooks run in registration
// order; an exception from a hook propagates out of backward(). The hook is held until
// remove_post_accumulate_grad_hook(handle) or until the leaf is destroyed. Cost: one relaxed
// atomic load per accumulated leaf while no hook is registered anywhere.
HookHandle register_post_accumulate_grad_hook(const Tensor& leaf, std::function<void(const Tensor&)> hook);
void remove_post_accumulate_grad_hook(HookHandle handle);

// Queues `callback` to run once the backward pass running on this thread has processed every
// node (before backward() returns; not when it throws). Callbacks run in queueing order and may
// queue more. Throws std::logic_error when no backward pass is running on this thread.
void queue_callback(std::function<void()> callback);

}  // namespace xgrad::autograd
