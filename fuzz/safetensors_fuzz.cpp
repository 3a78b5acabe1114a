// Fuzzes the safetensors reader (nn::read_safetensors) and loading into a module (nn::load):
// any input either loads or throws an nn::SerializationError with a message; anything else
// (another exception, a crash, a sanitizer report) is a bug.
#include <cstdint>
#include <cstring>

#include <xgrad/nn/modules/linear.hpp>
#include <xgrad/nn/serialize.hpp>

#include "scratch_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace xgrad;
  const std::string& path = fuzz::write_scratch(".safetensors", data, size);
  try {
    nn::SafetensorsContents c = nn::read_safetensors(path);
    for (const auto& [name, t] : c.tensors) {
      // Every tensor must be fully readable (ASan checks the bytes are really there).
      volatile std::uint8_t sink = 0;
      const auto* p = static_cast<const std::uint8_t*>(t.impl()->data());
      const std::size_t n = static_cast<std::size_t>(t.numel()) * element_size(t.dtype());
      for (std::size_t i = 0; i < n; ++i) sink = sink ^ p[i];
      (void)name;
    }
  } catch (const nn::SerializationError& e) {
    fuzz::require_message(e.what());
  }
  // Loading into a module validates names, shapes and dtypes too (seeds hold a Linear(2, 3)).
  auto linear = std::make_shared<nn::LinearImpl>(2, 3);
  try {
    nn::load(linear, path, /*strict=*/false);
  } catch (const nn::SerializationError& e) {
    fuzz::require_message(e.what());
  }
  return 0;
}
