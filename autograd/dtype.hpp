// Element types a tensor can hold, and PyTorch's promotion rules between them.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <type_traits>

namespace xgrad {

// Bool holds one byte per element (0 or 1), as PyTorch's torch.bool.
enum class Dtype : std::uint8_t { Float32, Float64, Int64, Bool };
using ScalarType = Dtype;  // LibTorch's name for the same concept

inline constexpr Dtype kFloat32 = Dtype::Float32;
inline constexpr Dtype kFloat = Dtype::Float32;
inline constexpr Dtype kFloat64 = Dtype::Float64;
inline constexpr Dtype kDouble = Dtype::Float64;
inline constexpr Dtype kInt64 = Dtype::Int64;
inline constexpr Dtype kLong = Dtype::Int64;
inline constexpr Dtype kBool = Dtype::Bool;

// "Float32", "Float64", "Int64", "Bool": the names used in every error message.
const char* dtype_name(Dtype d) noexcept;
std::size_t element_size(Dtype d) noexcept;
inline bool is_floating_point(Dtype d) noexcept { return d == Dtype::Float32 || d == Dtype::Float64; }

// Tensor-tensor promotion: Bool < Int64 < Float32 < Float64 (as torch.result_type).
inline Dtype promote_types(Dtype a, Dtype b) noexcept {
  if (a == b) return a;
  if (a == Dtype::Float64 || b == Dtype::Float64) return Dtype::Float64;
  if (a == Dtype::Float32 || b == Dtype::Float32) return Dtype::Float32;
  return Dtype::Int64;  // Bool with Int64
}

// The dtype that factory functions use when none is given (Float32, as PyTorch).
Dtype default_dtype() noexcept;
void set_default_dtype(Dtype d);

template <class T>
constexpr Dtype dtype_of() {
  if constexpr (std::is_same_v<T, float>) return Dtype::Float32;
  else if constexpr (std::is_same_v<T, double>) return Dtype::Float64;
  else if constexpr (std::is_same_v<T, std::int64_t>) return Dtype::Int64;
  else if constexpr (std::is_same_v<T, bool>) return Dtype::Bool;
  else static_assert(sizeof(T) == 0, "xgrad tensors hold float, double, int64_t or bool");
}

}  // namespace xgrad
