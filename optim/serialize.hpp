// xgrad::save(optimizer, path) / xgrad::load(optimizer, path): LibTorch's torch::save / load of
// an optimizer. The file is a safetensors file of Optimizer::state_dict() (options, step
// counts and every state buffer), written atomically as all of xgrad's saving is; loading it
// into an optimizer of the same kind over parameters of the same shapes continues training
// bit-exactly. Not LibTorch's pickle archive. Errors: nn::SerializationError for the file,
// std::invalid_argument from load_state_dict when it belongs to another kind of optimizer.
#pragma once
#include <string>

#include "../nn/serialize.hpp"
#include "optimizer.hpp"

namespace xgrad {

inline void save(const optim::Optimizer& optimizer, const std::string& path) {
  const auto state = optimizer.state_dict();
  nn::save(nn::TensorDict(state.begin(), state.end()), path);
}

inline void load(optim::Optimizer& optimizer, const std::string& path) {
  nn::TensorDict state;
  nn::load(state, path);
  optimizer.load_state_dict(std::map<std::string, Tensor>(state.begin(), state.end()));
}

}  // namespace xgrad
