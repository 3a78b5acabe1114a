// Scalar: one number of a tensor's kind (floating point, integer or bool), as LibTorch's
// c10::Scalar; what Tensor::item() returns. Conversions never throw; toBool() is "non-zero".
#pragma once
#include <cstdint>
#include <ostream>
#include <type_traits>

#include "dtype.hpp"

namespace xgrad {

class Scalar {
 public:
  Scalar() : Scalar(std::int64_t{0}) {}
  Scalar(double v) : kind_(Kind::Double), d_(v) {}      // NOLINT
  Scalar(float v) : kind_(Kind::Double), d_(v) {}       // NOLINT
  Scalar(bool v) : kind_(Kind::Bool), i_(v ? 1 : 0) {}  // NOLINT
  template <class I, std::enable_if_t<std::is_integral_v<I> && !std::is_same_v<I, bool>, int> = 0>
  Scalar(I v) : kind_(Kind::Long), i_(static_cast<std::int64_t>(v)) {}  // NOLINT

  bool isFloatingPoint() const noexcept { return kind_ == Kind::Double; }
  bool isIntegral(bool include_bool) const noexcept {
    return kind_ == Kind::Long || (include_bool && kind_ == Kind::Bool);
  }
  bool isBoolean() const noexcept { return kind_ == Kind::Bool; }
  // Float64, Int64 or Bool: the dtype a tensor made from this value alone would have.
  Dtype type() const noexcept { return isFloatingPoint() ? Dtype::Float64 : isBoolean() ? Dtype::Bool : Dtype::Int64; }

  double toDouble() const noexcept { return isFloatingPoint() ? d_ : static_cast<double>(i_); }
  float toFloat() const noexcept { return static_cast<float>(toDouble()); }
  std::int64_t toLong() const noexcept { return isFloatingPoint() ? static_cast<std::int64_t>(d_) : i_; }
  int toInt() const noexcept { return static_cast<int>(toLong()); }
  bool toBool() const noexcept { return isFloatingPoint() ? d_ != 0 : i_ != 0; }
  template <class T>
  T to() const noexcept {
    if constexpr (std::is_same_v<T, bool>) return toBool();
    else if constexpr (std::is_floating_point_v<T>) return static_cast<T>(toDouble());
    else return static_cast<T>(toLong());
  }

 private:
  enum class Kind : std::uint8_t { Double, Long, Bool };
  Kind kind_;
  double d_ = 0;
  std::int64_t i_ = 0;
};

// As LibTorch: 2.5, 3, true.
inline std::ostream& operator<<(std::ostream& os, const Scalar& s) {
  if (s.isFloatingPoint()) return os << s.toDouble();
  if (s.isBoolean()) return os << (s.toBool() ? "true" : "false");
  return os << s.toLong();
}

}  // namespace xgrad
