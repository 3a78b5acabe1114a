// Stage 2a: the numerical Jacobians, by central differences on perturbed copies of the inputs
// (slow mode: element by element; fast mode: along a random direction u).
#include <cmath>
#include <cstring>

#include "../kernels/kernels.hpp"

#include "checker.hpp"

namespace xgrad::autograd::detail {

namespace {

using kernels::dispatch;

// Writes perturbed values straight into an input's storage and puts the original bits back.
// No version bump and no graph: the perturbed values are only ever seen by the forward calls
// of the numerical Jacobian, and every element is restored exactly before any backward runs.
// The destructor restores too, so the user's tensor is intact even when fn throws.
class Perturbation {
 public:
  explicit Perturbation(const Tensor& t)
      : impl_(t.impl()),
        offsets_(element_offsets(t)),
        esize_(element_size(t.dtype())),
        saved_(offsets_.size() * esize_),
        original_(values_of(t)) {
    const char* base = static_cast<const char*>(impl_->storage->data());
    for (std::size_t i = 0; i < offsets_.size(); ++i) {
      std::memcpy(&saved_[i * esize_], base + offsets_[i] * static_cast<std::int64_t>(esize_), esize_);
    }
  }
  ~Perturbation() { restore_all(); }
  Perturbation(const Perturbation&) = delete;
  Perturbation& operator=(const Perturbation&) = delete;

  std::size_t size() const noexcept { return offsets_.size(); }
  double original(std::size_t i) const noexcept { return original_[i]; }
  // Element i := v, rounded to the input's dtype once.
  void set(std::size_t i, double v) {
    dispatch(impl_->dtype, [&](auto tag) {
      using T = decltype(tag);
      static_cast<T*>(impl_->storage->data())[offsets_[i]] = static_cast<T>(v);
    });
  }
  void restore(std::size_t i) noexcept {
    char* base = static_cast<char*>(impl_->storage->data());
    std::memcpy(base + offsets_[i] * static_cast<std::int64_t>(esize_), &saved_[i * esize_], esize_);
  }
  void restore_all() noexcept {
    for (std::size_t i = 0; i < offsets_.size(); ++i) restore(i);
  }

 private:
  TensorImpl* impl_;
  std::vector<std::int64_t> offsets_;
  std::size_t esize_;
  std::vector<unsigned char> saved_;
  Matrix original_;
};

}  // namespace

// fn at a perturbed point: outputs `which` read into bufs (which must keep their form).
// `element` is the perturbed element of `input`, or -1 for a perturbation along a direction.
void Checker::call_and_read(const std::vector<std::size_t>& which, std::vector<Matrix>& bufs, std::size_t input,
                            std::int64_t element) {
  ++result_.forward_calls;
  tensor_list& outs = scratch_;  // reused: no allocation of the check's own per call
  fn_(inputs_, outs);
  for (std::size_t w = 0; w < which.size(); ++w) {
    const std::size_t i = which[w];
    const Tensor& ref = outputs_[i];
    if (outs.size() != outputs_.size() || !outs[i].defined() || outs[i].shape() != ref.shape() ||
        outs[i].dtype() != ref.dtype()) {
      std::string got = outs.size() != outputs_.size()
                            ? std::to_string(outs.size()) + " outputs instead of " + std::to_string(outputs_.size())
                        : !outs[i].defined() ? "an undefined output " + std::to_string(i)
                                             : "output " + std::to_string(i) + " as " + describe_tensor(outs[i]) +
                                                   " instead of " + describe_tensor(ref);
      const std::string where = element < 0 ? "along a random direction"
                                            : "at element " + shape_str(unravel(element, inputs_[input].shape()));
      throw OutputsChanged{"gradcheck: fn returned " + got + " when input " + std::to_string(input) +
                           " was perturbed " + where + " by eps = " + num_str(opt_.eps()) +
                           ". Expected fn to return outputs of the same shape and dtype when its inputs are "
                           "perturbed."};
    }
    read_values(outs[i], bufs[w].data());
  }
  outs.clear();  // frees this call's graph now; the capacity stays for the next call
}

// For input j: one [numel(j), numel(o)] Jacobian per output index in `which`.
std::vector<Matrix> Checker::numerical_jacobian(std::size_t j, const std::vector<std::size_t>& which) {
  Perturbation p(inputs_[j]);
  const auto rows = static_cast<std::int64_t>(p.size());
  std::vector<Matrix> jac, lo, hi;
  for (std::size_t i : which) {
    const auto cols = static_cast<std::size_t>(outputs_[i].numel());
    jac.emplace_back(static_cast<std::size_t>(rows) * cols);
    lo.emplace_back(cols);
    hi.emplace_back(cols);
  }
  const double eps = opt_.eps();
  for (std::int64_t r = 0; r < rows; ++r) {
    const auto rs = static_cast<std::size_t>(r);
    const double x = p.original(rs);
    p.set(rs, x - eps);
    call_and_read(which, lo, j, r);
    p.set(rs, x + eps);
    call_and_read(which, hi, j, r);
    p.restore(rs);
    for (std::size_t w = 0; w < which.size(); ++w) {
      const std::size_t cols = lo[w].size();
      for (std::size_t c = 0; c < cols; ++c) jac[w][rs * cols + c] = (hi[w][c] - lo[w][c]) / (2 * eps);
    }
  }
  return jac;
}

// For input j perturbed along u: J u for each output index in `which` (two calls).
std::vector<Matrix> Checker::numerical_jvp(std::size_t j, const Matrix& u, const std::vector<std::size_t>& which) {
  Perturbation p(inputs_[j]);
  std::vector<Matrix> lo, hi;
  for (std::size_t i : which) {
    lo.emplace_back(static_cast<std::size_t>(outputs_[i].numel()));
    hi.emplace_back(static_cast<std::size_t>(outputs_[i].numel()));
  }
  const double eps = opt_.eps();
  for (std::size_t r = 0; r < p.size(); ++r) p.set(r, p.original(r) - eps * u[r]);
  call_and_read(which, lo, j, -1);
  for (std::size_t r = 0; r < p.size(); ++r) p.set(r, p.original(r) + eps * u[r]);
  call_and_read(which, hi, j, -1);
  p.restore_all();
  for (std::size_t w = 0; w < which.size(); ++w) {
    for (std::size_t c = 0; c < lo[w].size(); ++c) lo[w][c] = (hi[w][c] - lo[w][c]) / (2 * eps);
  }
  return lo;
}

Matrix Checker::unit_vector(Generator& gen, std::int64_t n) {
  Matrix v(static_cast<std::size_t>(n));
  double norm = 0;
  for (double& x : v) {
    x = gen.uniform();
    norm += x * x;
  }
  norm = std::sqrt(norm);
  if (norm > 0) {
    for (double& x : v) x /= norm;
  }
  return v;
}

}  // namespace xgrad::autograd::detail
