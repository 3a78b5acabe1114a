// In-place ops. Without autograd they write straight into the tensor's memory (the optimizer
// path). When the graph must be recorded, the result is computed out of place from a clone of
// the old value (so saved tensors stay valid), copied in, and the tensor takes over the new
// history ("rebasing"), as PyTorch does. Every write bumps the storage's version counter.
#include "../kernels/kernels.hpp"

namespace xgrad {

using namespace kernels;

namespace {

bool records(const Tensor& self, const Tensor* other) {
  return autograd::GradMode::is_enabled() &&
         (self.requires_grad() || (other && other->defined() && other->requires_grad()));
}

void check_castable(const Tensor& self, Dtype result, const char* op) {
  if (!self.is_floating_point() && is_floating_point(result)) {
    throw std::invalid_argument(std::string(op) + ": result type " + dtype_name(result) +
                                " can't be cast to the desired output type Int64 of " + describe(self));
  }
}

// The dtype of `self op s` for a scalar s: a whole number keeps Int64, any other promotes it
// to the default float dtype (as the out-of-place ops do).
Dtype scalar_result_type(const Tensor& self, double s) {
  return self.is_floating_point() || is_int64_scalar(s) ? self.dtype() : default_dtype();
}

// What every in-place op checks first: autograd's rules, then PyTorch's memory-overlap rules.
// Returns `other` or, when its overlap with self is too irregular to decide, a copy of it.
Tensor begin_inplace(Tensor& self, const Tensor& other, const char* op) {
  autograd::check_inplace(self, op);
  check_defined(other, op, "source");
  return overlap_checked(self, other, op);
}

// self[i] = f(self[i], other[broadcast i]), in self's dtype.
template <class F>
void apply_inplace(Tensor& self, const Tensor& other_in, const char* op, F&& f) {
  Shape bs = broadcast_shapes(self, other_in, op);
  if (bs != self.shape()) {
    throw std::invalid_argument(std::string(op) + ": the result of broadcasting " + describe(other_in) +
                                " with the output " + describe(self) + " does not have the output's shape");
  }
  Tensor other = as_dtype(other_in, self.dtype());
  TensorImpl& si = *self.impl();
  const TensorImpl& oi = *other.impl();
  dispatch(self.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* ps = si.template data_as<T>();
    const T* po = oi.template data_as<T>();
    if (si.contiguous && oi.contiguous && oi.numel == si.numel && si.numel > 1) {
      auto xs = flat(ps, si.numel);
      xt::noalias(xs) = f(flat(ps, si.numel), flat(po, si.numel));
    } else {
      Shape so = broadcast_strides(oi, si.shape);
      for_each_offset(
          si.shape, &si.strides, &so, nullptr, 0, 0, 0,
          [&](std::int64_t, std::int64_t a, std::int64_t b, std::int64_t) { ps[a] = static_cast<T>(f(ps[a], po[b])); });
    }
  });
  si.storage->bump_version();
}

// Writes `result` (self's shape) into self and gives self result's history.
void rebase(Tensor& self, const Tensor& result) {
  {
    NoGradGuard guard;
    apply_inplace(self, result, "copy_", [](const auto&, const auto& r) { return r; });
  }
  TensorImpl& si = *self.impl();
  if (result.grad_fn()) {
    si.grad_fn = result.grad_fn();
    si.output_nr = result.output_nr();
  }
}

// `other` as saved for backward: a clone when it shares self's memory (x.mul_(x)), since the
// write into self would otherwise invalidate it.
Tensor detached_if_aliased(const Tensor& self, const Tensor& other) {
  return other.impl()->storage == self.impl()->storage ? other.clone() : other;
}

struct FillBackward0 final : autograd::Node {  // the old value no longer matters
  tensor_list apply(tensor_list&&) override { return {Tensor()}; }
};

}  // namespace

Tensor& Tensor::add_(const Tensor& other_in, double alpha) {
  Tensor other = begin_inplace(*this, other_in, "add_");
  check_castable(*this, promote_types(dtype(), other.dtype()), "add_");
  if (!is_floating_point() && !is_int64_scalar(alpha)) {
    throw std::invalid_argument(
        "add_: for integral input tensors, argument alpha must not be a floating point number "
        "(alpha = " +
        num_str(alpha) + ", input " + describe(*this) + ")");
  }
  if (records(*this, &other)) {
    rebase(*this, xgrad::add(clone(), other, alpha));
  } else if (alpha == 1) {
    apply_inplace(*this, other, "add_", [](const auto& a, const auto& b) { return a + b; });
  } else {
    apply_inplace(*this, other, "add_", [alpha](const auto& a, const auto& b) { return a + b * alpha; });
  }
  return *this;
}

Tensor& Tensor::sub_(const Tensor& other, double alpha) { return add_(other, -alpha); }

Tensor& Tensor::mul_(const Tensor& other_in) {
  Tensor other = begin_inplace(*this, other_in, "mul_");
  check_castable(*this, promote_types(dtype(), other.dtype()), "mul_");
  if (records(*this, &other)) rebase(*this, xgrad::mul(clone(), detached_if_aliased(*this, other)));
  else apply_inplace(*this, other, "mul_", [](const auto& a, const auto& b) { return a * b; });
  return *this;
}

Tensor& Tensor::div_(const Tensor& other_in) {
  Tensor other = begin_inplace(*this, other_in, "div_");
  check_castable(*this, Dtype::Float32, "div_");
  if (records(*this, &other)) rebase(*this, xgrad::div(clone(), detached_if_aliased(*this, other)));
  else apply_inplace(*this, other, "div_", [](const auto& a, const auto& b) { return a / b; });
  return *this;
}

// A scalar that would make the result floating point cannot be written back into an Int64
// tensor: checked before the scalar is converted to self's dtype (which would truncate it).
Tensor& Tensor::add_(double s) {
  check_castable(*this, scalar_result_type(*this, s), "add_");
  return add_(scalar_tensor(s, dtype()));
}
Tensor& Tensor::sub_(double s) {
  check_castable(*this, scalar_result_type(*this, s), "sub_");
  return add_(scalar_tensor(-s, dtype()));
}
Tensor& Tensor::mul_(double s) {
  check_castable(*this, scalar_result_type(*this, s), "mul_");
  return mul_(scalar_tensor(s, dtype()));
}
Tensor& Tensor::div_(double s) {
  check_castable(*this, Dtype::Float32, "div_");
  return div_(scalar_tensor(s, dtype()));
}

// fill_ may write into an expanded tensor: every element gets the same value, so the order of
// the writes does not matter (PyTorch skips the overlap check here for the same reason).
Tensor& Tensor::fill_(double value) {
  autograd::check_inplace(*this, "fill_");
  bool was_tracked = records(*this, nullptr);
  {
    NoGradGuard guard;
    apply_inplace(*this, scalar_tensor(value, dtype()), "fill_", [](const auto&, const auto& v) { return v; });
  }
  if (was_tracked) {
    auto node = std::make_shared<FillBackward0>();
    node->next_edges().push_back(autograd::gradient_edge(*this));
    autograd::set_history(*this, node);
  }
  return *this;
}

Tensor& Tensor::zero_() { return fill_(0.0); }

Tensor& Tensor::copy_(const Tensor& src_in) {
  Tensor src = begin_inplace(*this, src_in, "copy_");
  if (records(*this, &src)) {
    // The old value gets no gradient; src gets the (summed back) gradient of self.
    Tensor r = xgrad::expand(src.to(dtype()), shape()).clone();
    if (!r.requires_grad()) {
      NoGradGuard guard;
      apply_inplace(*this, r, "copy_", [](const auto&, const auto& v) { return v; });
      auto node = std::make_shared<FillBackward0>();
      node->next_edges().push_back(autograd::gradient_edge(*this));
      autograd::set_history(*this, node);
    } else {
      rebase(*this, r);
    }
  } else {
    apply_inplace(*this, src, "copy_", [](const auto&, const auto& v) { return v; });
  }
  return *this;
}

Tensor& Tensor::clamp_(std::optional<double> min, std::optional<double> max) {
  autograd::check_inplace(*this, "clamp_");
  check_no_internal_overlap(*this, "clamp_");
  if (min) check_castable(*this, scalar_result_type(*this, *min), "clamp_");
  if (max) check_castable(*this, scalar_result_type(*this, *max), "clamp_");
  if (records(*this, nullptr)) {
    rebase(*this, xgrad::clamp(clone(), min, max));
  } else {
    Tensor r;
    {
      NoGradGuard guard;
      r = xgrad::clamp(*this, min, max);
    }
    apply_inplace(*this, r, "clamp_", [](const auto&, const auto& v) { return v; });
  }
  return *this;
}

}  // namespace xgrad
