// Collectives on every dtype, views, mismatch detection, and a distributed gradcheck.
#include <xgrad/xgrad.hpp>

#include "mpi_test_util.hpp"

using namespace xgrad;
using namespace xgrad::distributed;
using testing::contains;
using testing::message_of;

namespace {

// rank-dependent values: element i on rank r is (r + 1) * (i + 1)
Tensor rank_values(Dtype dtype, const Shape& shape) {
  Tensor t = arange(1, static_cast<double>(checked_numel(shape, "test") + 1), 1, dtype).reshape(shape);
  return (t * scalar_tensor(rank() + 1, dtype)).to(dtype).contiguous();
}

double rank_sum() {  // sum over r of (r + 1)
  const double n = world_size();
  return n * (n + 1) / 2;
}

}  // namespace

TEST_CASE("all_reduce sum / avg / min / max on every dtype") {
  for (Dtype dtype : {kFloat32, kFloat64, kInt64}) {
    Tensor s = rank_values(dtype, {2, 3});
    all_reduce(s);
    CHECK(s.dtype() == dtype);
    CHECK(s.to_vector<double>()[4] == doctest::Approx(5 * rank_sum()));
    Tensor lo = rank_values(dtype, {6}), hi = rank_values(dtype, {6});
    all_reduce(lo, ReduceOp::Min);
    all_reduce(hi, ReduceOp::Max);
    CHECK(lo.to_vector<double>()[2] == 3);
    CHECK(hi.to_vector<double>()[2] == 3 * world_size());
    if (dtype != kInt64) {
      Tensor a = rank_values(dtype, {3});
      all_reduce(a, ReduceOp::Avg);
      CHECK(a.to_vector<double>()[1] == doctest::Approx(2 * rank_sum() / world_size()));
    }
  }
  Tensor i = rank_values(kInt64, {2});
  CHECK(contains(message_of([&] { all_reduce(i, ReduceOp::Avg); }), "Avg needs a floating-point tensor"));
}

TEST_CASE("Bool tensors reduce by Max (any) and Min (all); Sum is refused") {
  // rank 0 holds {1, 0, 0}, the others {1, 1, 0}
  const bool others = rank() != 0;
  Tensor any = tensor({true, others, false}), all = tensor({true, others, false});
  all_reduce(any, ReduceOp::Max);
  all_reduce(all, ReduceOp::Min);
  CHECK(any.dtype() == kBool);
  CHECK(any.to(kInt64).to_vector<std::int64_t>() == std::vector<std::int64_t>{1, world_size() > 1, 0});
  CHECK(all.to(kInt64).to_vector<std::int64_t>() == std::vector<std::int64_t>{1, 0, 0});
  Tensor b = tensor({true});
  CHECK(contains(message_of([&] { all_reduce(b); }), "Bool tensor reduces by ReduceOp::Max"));
}

TEST_CASE("collectives on non-contiguous tensors write through the view") {
  Tensor base = rank_values(kFloat64, {3, 4});
  Tensor t = base.t();  // [4, 3], non-contiguous
  REQUIRE(!t.is_contiguous());
  const auto version = base._version();
  all_reduce(t);
  CHECK(base._version() > version);
  CHECK(base.at<double>({2, 1}) == doctest::Approx(10 * rank_sum()));
  Tensor col = rank_values(kFloat32, {4, 2}).select(1, 1);  // strided
  broadcast(col, world_size() - 1);
  CHECK(col.at<float>({3}) == doctest::Approx(8.0 * world_size()));
}

TEST_CASE("broadcast, all_gather and reduce_scatter") {
  Tensor b = rank_values(kInt64, {5});
  broadcast(b, 0);
  CHECK(b.to_vector<std::int64_t>() == std::vector<std::int64_t>{1, 2, 3, 4, 5});
  CHECK(contains(message_of([&] { broadcast(b, world_size()); }), "out of range"));

  tensor_list parts = all_gather(rank_values(kFloat32, {2}));
  REQUIRE(parts.size() == static_cast<std::size_t>(world_size()));
  for (int r = 0; r < world_size(); ++r) CHECK(parts[static_cast<std::size_t>(r)].at<float>({1}) == 2.0f * (r + 1));
  CHECK(all_gather_into_tensor(rank_values(kFloat64, {2, 2})).shape() == Shape{world_size(), 2, 2});

  const int n = world_size();
  Tensor in = rank_values(kFloat64, {2 * n, 3});
  Tensor out = reduce_scatter(in);
  CHECK(out.shape() == Shape{2, 3});
  // out[0][0] is element (2 * rank * 3) of the input, summed: (6 * rank + 1) * sum (r + 1)
  CHECK(out.at<double>({0, 0}) == doctest::Approx((6 * rank() + 1) * rank_sum()));
  CHECK(contains(message_of([&] { reduce_scatter(rank_values(kFloat64, {2 * n + 1})); }), "divisible"));
}

TEST_CASE("mismatched shapes or dtypes are reported on every rank, naming both") {
  Tensor t = rank() == 1 ? zeros({3}, kFloat32) : zeros({2, 3}, kFloat32);
  const std::string msg = message_of([&] { all_reduce(t); });
  CAPTURE(msg);
  CHECK(contains(msg, "all_reduce: tensor shapes or dtypes differ across ranks"));
  CHECK(contains(msg, "rank 0 has Float32 [2, 3]"));
  CHECK(contains(msg, "rank 1 has Float32 [3]"));
  Tensor d = zeros({4}, rank() == 1 ? kFloat64 : kFloat32);
  CHECK(contains(message_of([&] { broadcast(d); }), "rank 1 has Float64 [4]"));
  Tensor ok = ones({2});
  all_reduce(ok);  // the group still works after a detected mismatch
  CHECK(ok.at<float>({0}) == world_size());
}

namespace {
// y = all_reduce_sum(x * w): forward and backward both communicate. d(sum_r y)/dx_r = sum_r g_r * w
struct AllReduceScale : autograd::Function<AllReduceScale> {
  static Tensor forward(autograd::AutogradContext* ctx, const Tensor& x, double w) {
    ctx->saved_data["w"] = w;
    Tensor y = (x * w).contiguous();
    all_reduce(y);
    return y;
  }
  static tensor_list backward(autograd::AutogradContext* ctx, tensor_list g) {
    Tensor gx = (g[0] * ctx->saved_data["w"].toDouble()).contiguous();
    all_reduce(gx);
    return {gx, Tensor()};
  }
};
}  // namespace

TEST_CASE("distributed gradcheck: a Function calling all_reduce in forward and backward") {
  manual_seed(7);  // the same inputs on every rank: gradcheck's perturbations stay in step
  Tensor x = randn({3, 2}, TensorOptions(kFloat64).requires_grad(true));
  const double w = 1.5;
  CHECK(autograd::gradcheck([w](const tensor_list& in) { return AllReduceScale::apply(in[0], w); }, {x}));
  Tensor y = AllReduceScale::apply(x, w);
  CHECK(y.at<double>({1, 1}) == doctest::Approx(x.at<double>({1, 1}) * w * world_size()));
}
