// Bitwise ops on Bool and Int64 tensors (see ops_bitwise.hpp).
#include "../ops_bitwise.hpp"

#include <cstdint>
#include <stdexcept>
#include <string>

#include "../kernels/kernels.hpp"
#include "../ops.hpp"

namespace xgrad {

using namespace kernels;

namespace {

void check_integral(const Tensor& t, const char* op) {
  check_defined(t, op);
  if (t.is_floating_point()) {
    throw std::invalid_argument(std::string(op) + ": expected Bool or Int64 tensors, got " + describe(t) +
                                " (bitwise ops are not defined for floating point)");
  }
}

// f is applied on scalars only (a plain strided loop): Bool x Bool -> Bool, else Int64.
template <class F>
Tensor bitwise_binary(const Tensor& a, const Tensor& b, const char* op, F f) {
  check_integral(a, op);
  check_integral(b, op);
  const Shape shape = broadcast_shapes(a, b, op);
  if (a.dtype() == Dtype::Bool && b.dtype() == Dtype::Bool) {
    auto g = [&f](bool x, bool y) { return static_cast<bool>(f(x, y)); };
    Tensor out = empty_tensor(shape, Dtype::Bool, op);
    map_strided(*a.impl(), *b.impl(), shape, out.impl()->data_as<bool>(), a.impl()->data_as<bool>(),
                b.impl()->data_as<bool>(), g);
    return out;
  }
  Tensor ac = as_dtype(a, Dtype::Int64), bc = as_dtype(b, Dtype::Int64);
  auto g = [&f](std::int64_t x, std::int64_t y) { return static_cast<std::int64_t>(f(x, y)); };
  Tensor out = empty_tensor(shape, Dtype::Int64, op);
  map_strided(*ac.impl(), *bc.impl(), shape, out.impl()->data_as<std::int64_t>(), ac.impl()->data_as<std::int64_t>(),
              bc.impl()->data_as<std::int64_t>(), g);
  return out;
}

}  // namespace

Tensor bitwise_not(const Tensor& x) {
  check_integral(x, "bitwise_not");
  if (x.dtype() == Dtype::Bool) return logical_not(x);
  return neg(x) - 1;  // ~v == -v - 1 in two's complement (Int64 stays Int64)
}
Tensor bitwise_and(const Tensor& a, const Tensor& b) {
  return bitwise_binary(a, b, "bitwise_and", [](auto x, auto y) { return x & y; });
}
Tensor bitwise_or(const Tensor& a, const Tensor& b) {
  return bitwise_binary(a, b, "bitwise_or", [](auto x, auto y) { return x | y; });
}
Tensor bitwise_xor(const Tensor& a, const Tensor& b) {
  return bitwise_binary(a, b, "bitwise_xor", [](auto x, auto y) { return x ^ y; });
}

Tensor operator~(const Tensor& x) { return bitwise_not(x); }
Tensor operator&(const Tensor& a, const Tensor& b) { return bitwise_and(a, b); }
Tensor operator|(const Tensor& a, const Tensor& b) { return bitwise_or(a, b); }
Tensor operator^(const Tensor& a, const Tensor& b) { return bitwise_xor(a, b); }

}  // namespace xgrad
