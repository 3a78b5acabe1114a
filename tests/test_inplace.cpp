// In-place ops: memory overlap between the written-to tensor and its inputs, and dtype
// promotion of the result (issue 16, items 6 and 7).
#include <doctest/doctest.h>

#include <string>

#include <xgrad/xgrad.hpp>
#include "text_checks.hpp"

using namespace xgrad;

namespace {
// The message of the exception f throws ("" when it throws none).
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

const char* kInternal = "more than one element of the written-to tensor refers to a single memory location";
const char* kPartial = "some elements of the input tensor and the written-to tensor refer to a single memory location";
}  // namespace

TEST_CASE("a write into an expanded tensor is refused, as in PyTorch") {
  std::string e = error_of([] { zeros({1}).expand({3}).add_(ones({3})); });
  CHECK(contains(e, kInternal));
  CHECK(contains(e, "add_"));
  CHECK(contains(error_of([] { zeros({1}).expand({3}).copy_(ones({3})); }), kInternal));
  CHECK(contains(error_of([] { zeros({1}).expand({3}).mul_(2.0); }), kInternal));
  CHECK(contains(error_of([] { zeros({1}).expand({3}).clamp_(0.0, 1.0); }), kInternal));
  // fill_ writes one value everywhere, so the order of the writes cannot matter (PyTorch allows it).
  Tensor base = zeros({1});
  base.expand({3}).fill_(2.0);
  CHECK(base.item<float>() == 2.0f);
}

TEST_CASE("a source that partly overlaps the written-to tensor is refused") {
  Tensor x = arange(6, kFloat32);
  std::string e = error_of([&] { x.slice(0, 1, std::nullopt).copy_(x.slice(0, 0, -1)); });
  CHECK(contains(e, kPartial));
  CHECK(contains(e, "copy_"));
  CHECK(x.to_vector<float>() == std::vector<float>{0, 1, 2, 3, 4, 5});  // nothing written
  Tensor a = arange(4, kFloat32).reshape({2, 2});
  CHECK(contains(error_of([&] { a.mul_(a.t()); }), kPartial));
  CHECK(contains(error_of([&] { a.copy_(a.t()); }), kPartial));
  CHECK(contains(error_of([&] { a.add_(a.t(), 2.0); }), kPartial));
  CHECK(a.to_vector<float>() == std::vector<float>{0, 1, 2, 3});
}

TEST_CASE("full overlap (same memory, same strides) and disjoint views are written correctly") {
  Tensor a = arange(4, kFloat32).reshape({2, 2});
  a.mul_(a);
  CHECK(a.to_vector<float>() == std::vector<float>{0, 1, 4, 9});
  a.add_(a.view({2, 2}));
  CHECK(a.to_vector<float>() == std::vector<float>{0, 2, 8, 18});
  Tensor x = arange(6, kFloat32);
  x.slice(0, 3, std::nullopt).copy_(x.slice(0, 0, 3));  // same storage, disjoint halves
  CHECK(x.to_vector<float>() == std::vector<float>{0, 1, 2, 0, 1, 2});
}

TEST_CASE("interleaved strided views of one storage read the source before writing") {
  // Even and odd elements: neither is dense, so PyTorch's rules cannot decide; the result must
  // still be that of reading every source element before any write.
  Tensor x = arange(8, kFloat32);
  x.slice(0, 2, std::nullopt, 2).copy_(x.slice(0, 0, 6, 2));  // x[2::2] = x[0:6:2]
  CHECK(x.to_vector<float>() == std::vector<float>{0, 1, 0, 3, 2, 5, 4, 7});
  Tensor y = arange(6, kFloat32).reshape({2, 3});
  y.slice(1, 1, std::nullopt).add_(y.slice(1, 0, 2));  // columns 1-2 += columns 0-1 (row by row)
  CHECK(y.to_vector<float>() == std::vector<float>{0, 1, 3, 3, 7, 9});
}

TEST_CASE("in-place ops on Int64 with a floating scalar are refused; whole numbers keep working") {
  const char* cast = "can't be cast to the desired output type Int64";
  Tensor t = arange(1, 4, 1, kInt64);
  CHECK(contains(error_of([&] { t.mul_(0.5); }), cast));
  CHECK(contains(error_of([&] { t.mul_(2.5); }), cast));
  CHECK(contains(error_of([&] { t.add_(0.5); }), cast));
  CHECK(contains(error_of([&] { t.sub_(0.5); }), cast));
  CHECK(contains(error_of([&] { t.div_(2.0); }), cast));
  CHECK(contains(error_of([&] { t.clamp_(0.5, 2.5); }), cast));
  CHECK(contains(error_of([&] { t.clamp_(std::nullopt, 2.5); }), cast));
  CHECK(contains(error_of([&] { t.add_(ones({3}, kInt64), 0.5); }), "alpha must not be a floating point number"));
  CHECK(contains(error_of([&] { t.add_(1e300); }), cast));
  CHECK(t.to_vector<std::int64_t>() == std::vector<std::int64_t>{1, 2, 3});  // nothing written
  t.mul_(2).add_(1).sub_(2.0).clamp_(2, 5);
  CHECK(t.to_vector<std::int64_t>() == std::vector<std::int64_t>{2, 3, 5});
  t.add_(ones({3}, kInt64), 2);
  CHECK(t.to_vector<std::int64_t>() == std::vector<std::int64_t>{4, 5, 7});
}
