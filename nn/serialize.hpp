// Saving and loading tensors and modules in the safetensors format
// (https://github.com/huggingface/safetensors): an 8-byte little-endian header length N, N
// bytes of JSON {"name": {"dtype": "F32"|"F64"|"I64", "shape": [...], "data_offsets":
// [begin, end]}, "__metadata__": {str: str}} padded with spaces to a multiple of 8, then the
// raw little-endian data. Files written here load in PyTorch / NumPy with
// safetensors.torch.load_file / safetensors.numpy.load_file, and theirs load here.
//
// Writing is atomic (nn::write_file_atomically): the file is written to a temporary in the same
// directory, fsync'ed and renamed over the target, so a crash never leaves a truncated file in
// place of a good one. A symlink's target is written; a directory, device or FIFO is refused.
// Loading validates the whole file (header, dtypes, shapes, offsets inside the file,
// contiguous non-overlapping data) and, for a module, every key, shape and dtype before
// copying anything, so a failed load leaves the module untouched. Every failure is a
// SerializationError naming the file and, where there is one, the key.
#pragma once
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "../autograd/tensor.hpp"
#include "atomic_write.hpp"
#include "module.hpp"

namespace xgrad::nn {

using TensorDict = std::map<std::string, Tensor>;
using Metadata = std::map<std::string, std::string>;

class SerializationError : public std::runtime_error {
 public:
  SerializationError(const std::string& file, const std::string& key, const std::string& message);
  const std::string& file() const noexcept { return file_; }
  const std::string& key() const noexcept { return key_; }  // empty when the error concerns no key

 private:
  std::string file_, key_;
};
// The file cannot be opened, read, written or renamed.
class FileError : public SerializationError {
  using SerializationError::SerializationError;
};
// Truncated or corrupt: bad header length, invalid JSON, unknown dtype, offsets outside the
// file, overlapping or missing data, a size that does not match the shape.
class CorruptFileError : public SerializationError {
  using SerializationError::SerializationError;
};
// Keys missing from the file or not expected by the module (strict loading).
class KeyMismatchError : public SerializationError {
  using SerializationError::SerializationError;
};
class ShapeMismatchError : public SerializationError {
  using SerializationError::SerializationError;
};
class DtypeMismatchError : public SerializationError {
  using SerializationError::SerializationError;
};

// ---- the format --------------------------------------------------------------------------------
// Writes `tensors` (names unique, not "__metadata__"; any strides; no autograd history is
// kept) with optional string metadata. Throws std::invalid_argument for bad names.
void write_safetensors(const std::string& path, const NamedTensors& tensors, const Metadata& metadata = {});

struct SafetensorsContents {
  NamedTensors tensors;  // in file-data order
  Metadata metadata;
};
// Reads and validates a whole file; the tensors are fresh contiguous copies.
SafetensorsContents read_safetensors(const std::string& path);

// ---- tensors -----------------------------------------------------------------------------------
void save(const TensorDict& tensors, const std::string& path, const Metadata& metadata = {});
// Replaces the contents of `tensors` with the file's; fills *metadata when given.
void load(TensorDict& tensors, const std::string& path, Metadata* metadata = nullptr);
// A single tensor, stored under the key "tensor".
void save(const Tensor& tensor, const std::string& path);
// The file must hold exactly one tensor (KeyMismatchError otherwise).
void load(Tensor& tensor, const std::string& path);

// ---- modules -----------------------------------------------------------------------------------
// The state_dict (parameters and buffers by dotted name).
void save(const Module& module, const std::string& path, const Metadata& metadata = {});

struct LoadResult {
  std::vector<std::string> missing_keys;     // in the module, not in the file
  std::vector<std::string> unexpected_keys;  // in the file, not in the module
};
// Copies the file's tensors into the module's parameters and buffers in place (handles held
// elsewhere, e.g. by an optimizer, see the new values). With strict, missing or unexpected
// keys throw KeyMismatchError; without, they are skipped and reported. A shape or dtype that
// differs always throws (ShapeMismatchError / DtypeMismatchError).
LoadResult load(Module& module, const std::string& path, bool strict = true);

template <class M, class = std::enable_if_t<std::is_base_of_v<Module, M>>>
void save(const std::shared_ptr<M>& module, const std::string& path, const Metadata& metadata = {}) {
  save(static_cast<const Module&>(*module), path, metadata);
}
template <class M, class = std::enable_if_t<std::is_base_of_v<Module, M>>>
LoadResult load(const std::shared_ptr<M>& module, const std::string& path, bool strict = true) {
  return load(static_cast<Module&>(*module), path, strict);
}
// A holder (nn::Linear, a user's XGRAD_MODULE): its module's state_dict.
template <class C>
void save(const ModuleHolder<C>& module, const std::string& path, const Metadata& metadata = {}) {
  save(static_cast<const Module&>(*module), path, metadata);
}
template <class C>
LoadResult load(ModuleHolder<C>& module, const std::string& path, bool strict = true) {
  return load(static_cast<Module&>(*module), path, strict);
}

}  // namespace xgrad::nn

namespace xgrad {
// LibTorch's torch::save / torch::load spelling. The file is xgrad's safetensors (see above),
// not LibTorch's pickle archive: files do not move between the two libraries this way (load a
// PyTorch safetensors file instead). Optimizers: optim/serialize.hpp.
using nn::load;
using nn::save;
}  // namespace xgrad
