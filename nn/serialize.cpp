// save / load of tensor maps, single tensors and modules, on top of the safetensors format.
#include <map>

#include "../autograd/grad_mode.hpp"
#include "../autograd/op_support.hpp"
#include "serialize.hpp"

namespace xgrad::nn {

void save(const TensorDict& tensors, const std::string& path, const Metadata& metadata) {
  write_safetensors(path, NamedTensors(tensors.begin(), tensors.end()), metadata);
}

void load(TensorDict& tensors, const std::string& path, Metadata* metadata) {
  SafetensorsContents c = read_safetensors(path);
  tensors = TensorDict(c.tensors.begin(), c.tensors.end());
  if (metadata) *metadata = std::move(c.metadata);
}

void save(const Tensor& tensor, const std::string& path) { write_safetensors(path, {{"tensor", tensor}}); }

void load(Tensor& tensor, const std::string& path) {
  SafetensorsContents c = read_safetensors(path);
  if (c.tensors.size() != 1) {
    throw KeyMismatchError(path, "", "expected exactly one tensor, found " + std::to_string(c.tensors.size()));
  }
  tensor = c.tensors.front().second;
}

void save(const Module& module, const std::string& path, const Metadata& metadata) {
  write_safetensors(path, module.state_dict(), metadata);
}

namespace {

std::string join(const std::vector<std::string>& keys) {
  std::string s;
  for (const auto& k : keys) s += (s.empty() ? "" : ", ") + k;
  return s;
}

// dst <- src (same shape and dtype; dst may be strided), as an in-place write.
void copy_into(const Tensor& dst, const Tensor& src) {
  TensorImpl& di = *dst.impl();
  const TensorImpl& si = *src.impl();
  kernels::dispatch(di.dtype, [&](auto tag) {
    using T = decltype(tag);
    T* pd = di.template data_as<T>();
    const T* ps = si.template data_as<T>();
    kernels::for_each_offset(di.shape, &di.strides, nullptr, nullptr, 0, 0, 0,
                             [&](std::int64_t i, std::int64_t o, std::int64_t, std::int64_t) { pd[o] = ps[i]; });
  });
  di.storage->bump_version();
}

}  // namespace

LoadResult load(Module& module, const std::string& path, bool strict) {
  SafetensorsContents c = read_safetensors(path);
  std::map<std::string, Tensor> from_file(c.tensors.begin(), c.tensors.end());
  NamedTensors state = module.state_dict();
  LoadResult result;
  std::map<std::string, bool> known;
  for (const auto& [name, t] : state) {
    known[name] = true;
    if (!from_file.count(name)) result.missing_keys.push_back(name);
  }
  for (const auto& [name, t] : c.tensors) {
    if (!known.count(name)) result.unexpected_keys.push_back(name);
  }
  if (strict && (!result.missing_keys.empty() || !result.unexpected_keys.empty())) {
    std::string msg = "the file does not match the " + module.type_name() + "'s state_dict:";
    if (!result.missing_keys.empty()) msg += " missing keys [" + join(result.missing_keys) + "]";
    if (!result.unexpected_keys.empty()) msg += " unexpected keys [" + join(result.unexpected_keys) + "]";
    const std::string& first =
        result.missing_keys.empty() ? result.unexpected_keys.front() : result.missing_keys.front();
    throw KeyMismatchError(path, first, msg);
  }
  // Validate every pair before writing any, so a failed load changes nothing.
  for (const auto& [name, t] : state) {
    auto it = from_file.find(name);
    if (it == from_file.end()) continue;
    const Tensor& f = it->second;
    if (f.dtype() != t.dtype()) {
      throw DtypeMismatchError(path, name,
                               std::string("dtype mismatch: the file has ") + dtype_name(f.dtype()) +
                                   ", the module has " + dtype_name(t.dtype()));
    }
    if (f.shape() != t.shape()) {
      throw ShapeMismatchError(
          path, name,
          "shape mismatch: the file has " + shape_str(f.shape()) + ", the module has " + shape_str(t.shape()));
    }
  }
  NoGradGuard guard;
  for (const auto& [name, t] : state) {
    auto it = from_file.find(name);
    if (it != from_file.end()) copy_into(t, it->second);
  }
  return result;
}

}  // namespace xgrad::nn
