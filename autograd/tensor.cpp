// Tensor handle basics: storage, accessors, autograd flags, hooks and printing.
// The operations themselves live in autograd/ops/.
#include "tensor.hpp"
#include "fusion/fusion.hpp"

#include <malloc.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <iomanip>
#include <limits>
#include <ostream>
#include <sstream>
#include <stdexcept>

#include "engine.hpp"
#include "grad_mode.hpp"
#include "node.hpp"
#include "ops.hpp"
#include "small_block.hpp"

namespace xgrad {

// ---- Storage ---------------------------------------------------------------------------------

namespace {
// glibc hands blocks above its mmap threshold straight back to the kernel when freed, and trims
// the heap top: a training loop that frees and reallocates the same multi-MB buffers then pays a
// page fault per 4 KiB page on every step (measured at ~13 µs a page on the project's VMs, i.e.
// most of a step's time). Keeping such blocks in the heap makes them reusable; tensors up to
// 32 MiB are served from it, larger ones still get their own mapping.
void keep_freed_blocks() noexcept {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
}

// Buffers from 64 KiB start on a page boundary, so that big tensors all sit at the same offset
// within a 4 KiB page. At different offsets, a loop that writes r[i] while reading a[i + k] has
// loads that match an earlier store in their low 12 address bits, which the CPU treats as a
// possible dependency and stalls ("4K aliasing"): tanh(x * a + b) with its backward ran ~3%
// slower with 64-byte alignment, where offsets depended on the order of allocation.
constexpr std::size_t kPageAlignFrom = std::size_t{1} << 16;

void* align_up(void* p, std::uintptr_t alignment) noexcept {
  return reinterpret_cast<void*>((reinterpret_cast<std::uintptr_t>(p) + alignment - 1) / alignment * alignment);
}
}  // namespace

Storage::Storage(std::size_t nbytes) : data_(align_up(inline_, 32)), nbytes_(nbytes) {
  if (nbytes > kInlineBytes) {
    static const bool malloc_tuned = (keep_freed_blocks(), true);
    (void)malloc_tuned;
    // 64-byte alignment (a page for big buffers, see kPageAlignFrom): whole cache lines and
    // full-width SIMD loads for BLAS and xsimd. Not from aligned_alloc: glibc splits the slack
    // off as small free chunks, which other allocations then take, so that freed multi-MB
    // blocks no longer merge and the heap creeps into fresh pages (page faults) every step.
    const std::size_t align = nbytes >= kPageAlignFrom ? 4096 : 64;
    block_ = std::malloc(nbytes + align);
    if (!block_) throw std::bad_alloc();
    data_ = align_up(block_, align);
  }
}

void Storage::settle() const noexcept { fusion::Access::settle(*this); }

Storage::~Storage() { std::free(block_); }

// Small storages come from the per-thread free lists, with the node and TensorImpl of an op.
std::shared_ptr<Storage> Storage::allocate(std::size_t nbytes) {
  return std::allocate_shared<Storage>(detail::SmallBlockAllocator<Storage>(), nbytes);
}

std::shared_ptr<TensorImpl> new_tensor_impl() {
  return std::allocate_shared<TensorImpl>(detail::SmallBlockAllocator<TensorImpl>());
}

TensorImpl::~TensorImpl() {
  if (grad_fn) autograd::release_node(std::move(grad_fn));
}

Shape contiguous_strides(const Shape& shape) {
  Shape strides(shape.size());
  std::int64_t s = 1;
  for (std::size_t i = shape.size(); i-- > 0;) {
    strides[i] = s;
    s *= shape[i] > 0 ? shape[i] : 1;
  }
  return strides;
}

void TensorImpl::set_contiguous_strides() {
  strides = contiguous_strides(shape);
  contiguous = true;
}

std::string shape_str(const Shape& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

std::int64_t checked_numel(const Shape& shape, const char* op) {
  // span: the product with zero sizes counted as 1, which the contiguous strides reach even
  // when the tensor is empty ([0, 2^62, 4] has no element but a stride of 2^64).
  std::int64_t n = 1, span = 1;
  for (auto d : shape) {
    if (d < 0) {
      throw std::invalid_argument(std::string(op) + ": negative size " + std::to_string(d) + " in shape " +
                                  shape_str(shape));
    }
    if (d != 0 && span > std::numeric_limits<std::int64_t>::max() / 8 / d) {
      throw std::length_error(
          std::string(op) + ": shape " + shape_str(shape) +
          (n != 0 ? " has more elements than can be addressed" : " has sizes too large to be addressed"));
    }
    n *= d;
    span *= d != 0 ? d : 1;
  }
  return n;
}

Dtype TensorOptions::dtype() const { return dtype_ ? *dtype_ : default_dtype(); }

// ---- Tensor accessors ---------------------------------------------------------------------

const TensorImpl& Tensor::checked() const {
  if (!impl_) throw std::logic_error("xgrad: this Tensor is undefined (default-constructed or an absent gradient)");
  return *impl_;
}

std::int64_t Tensor::size(std::int64_t dim) const {
  const auto& s = checked().shape;
  std::int64_t n = static_cast<std::int64_t>(s.size());
  std::int64_t d = dim < 0 ? dim + n : dim;
  if (d < 0 || d >= n) {
    throw std::out_of_range("size: dim " + std::to_string(dim) + " out of range for a tensor of shape " + shape_str(s));
  }
  return s[static_cast<std::size_t>(d)];
}

namespace {

// Offset in elements of a row-major linear index, honouring strides.
std::int64_t strided_offset(const TensorImpl& t, std::int64_t linear) {
  if (t.contiguous) return t.offset + linear;
  std::int64_t off = t.offset;
  for (std::size_t i = t.shape.size(); i-- > 0;) {
    std::int64_t d = t.shape[i];
    off += (linear % d) * t.strides[i];
    linear /= d;
  }
  return off;
}

template <class T>
T read_element(const TensorImpl& t, std::int64_t element_offset) {
  switch (t.dtype) {
    case Dtype::Float32: return static_cast<T>(static_cast<const float*>(t.storage->data())[element_offset]);
    case Dtype::Float64: return static_cast<T>(static_cast<const double*>(t.storage->data())[element_offset]);
    case Dtype::Int64: return static_cast<T>(static_cast<const std::int64_t*>(t.storage->data())[element_offset]);
    case Dtype::Bool: return static_cast<T>(static_cast<const bool*>(t.storage->data())[element_offset]);
  }
  return T();
}

}  // namespace

template <class T>
T Tensor::item() const {
  const auto& t = checked();
  if (t.numel != 1) {
    throw std::invalid_argument("item: only a one-element tensor can be converted to a scalar, got shape " +
                                shape_str(t.shape));
  }
  return read_element<T>(t, t.offset);
}

template <class T>
T Tensor::at(std::initializer_list<std::int64_t> index) const {
  const auto& t = checked();
  if (index.size() != t.shape.size()) {
    throw std::invalid_argument("at: got " + std::to_string(index.size()) + " indices for a tensor of shape " +
                                shape_str(t.shape));
  }
  std::int64_t off = t.offset;
  std::size_t i = 0;
  for (std::int64_t idx : index) {
    std::int64_t n = t.shape[i];
    std::int64_t k = idx < 0 ? idx + n : idx;
    if (k < 0 || k >= n) {
      throw std::out_of_range("at: index " + std::to_string(idx) + " is out of range for dim " + std::to_string(i) +
                              " of size " + std::to_string(n) + " (shape " + shape_str(t.shape) + ")");
    }
    off += k * t.strides[i];
    ++i;
  }
  return read_element<T>(t, off);
}

template <class T>
T* Tensor::data_ptr() const {
  const auto& t = checked();
  if (t.dtype != dtype_of<T>()) {
    throw std::invalid_argument(std::string("data_ptr: the tensor holds ") + dtype_name(t.dtype) + ", not " +
                                dtype_name(dtype_of<T>()));
  }
  fusion::Access::escape(*t.storage);  // the caller may write through it at any later time
  return t.data_as<T>();
}

template <class T>
std::vector<T> Tensor::to_vector() const {
  const auto& t = checked();
  std::vector<T> out(static_cast<std::size_t>(t.numel));
  for (std::int64_t i = 0; i < t.numel; ++i)
    out[static_cast<std::size_t>(i)] = read_element<T>(t, strided_offset(t, i));
  return out;
}

#define XGRAD_INSTANTIATE_ACCESSORS(T)                                 \
  template T Tensor::item<T>() const;                                  \
  template T Tensor::at<T>(std::initializer_list<std::int64_t>) const; \
  template std::vector<T> Tensor::to_vector<T>() const;
XGRAD_INSTANTIATE_ACCESSORS(float)
XGRAD_INSTANTIATE_ACCESSORS(double)
XGRAD_INSTANTIATE_ACCESSORS(std::int64_t)
XGRAD_INSTANTIATE_ACCESSORS(int)
XGRAD_INSTANTIATE_ACCESSORS(bool)
#undef XGRAD_INSTANTIATE_ACCESSORS
template bool* Tensor::data_ptr<bool>() const;
template float* Tensor::data_ptr<float>() const;
template double* Tensor::data_ptr<double>() const;
template std::int64_t* Tensor::data_ptr<std::int64_t>() const;

Tensor Tensor::operator[](std::int64_t index) const { return xgrad::select(*this, 0, index); }

// ---- autograd flags ----------------------------------------------------------------------

bool Tensor::requires_grad() const {
  const auto& t = checked();
  return t.requires_grad || t.grad_fn != nullptr;
}

Tensor& Tensor::requires_grad_(bool on) {
  set_requires_grad(on);
  return *this;
}

const Tensor& Tensor::set_requires_grad(bool on) const {
  auto& t = const_cast<TensorImpl&>(checked());
  if (on && !xgrad::is_floating_point(t.dtype)) {
    throw std::invalid_argument(
        std::string("requires_grad_: only Tensors of floating point dtype can require gradients, got ") +
        dtype_name(t.dtype) + " of shape " + shape_str(t.shape));
  }
  if (!on && t.grad_fn) {
    throw std::invalid_argument(
        "requires_grad_(false) on a non-leaf tensor (grad_fn=" + t.grad_fn->name() +
        "): only leaves can stop requiring grad. Use detach() to get a tensor without history.");
  }
  t.requires_grad = on;
  return *this;
}

Tensor Tensor::grad() const {
  const auto& t = checked();
  return t.grad ? Tensor(t.grad) : Tensor();
}

Tensor& Tensor::mutable_grad() {
  // Tensor and TensorImpl::grad share one representation: a shared_ptr<TensorImpl>.
  static_assert(sizeof(Tensor) == sizeof(std::shared_ptr<TensorImpl>));
  return *reinterpret_cast<Tensor*>(&const_cast<TensorImpl&>(checked()).grad);
}

void Tensor::set_grad(const Tensor& g) const {
  auto& t = const_cast<TensorImpl&>(checked());
  if (g.defined() && g.shape() != t.shape) {
    throw std::invalid_argument("set_grad: gradient of shape " + shape_str(g.shape()) +
                                " does not match the tensor's shape " + shape_str(t.shape));
  }
  t.grad = g.impl_ptr();
}

void Tensor::retain_grad() const {
  auto& t = const_cast<TensorImpl&>(checked());
  if (!t.grad_fn) {
    if (!t.requires_grad) throw std::logic_error("retain_grad: the tensor does not require grad");
    return;  // leaves keep their grad anyway
  }
  if (t.retains_grad) return;
  t.retains_grad = true;
  // Weak: the node must not keep its output alive (that would be a reference cycle).
  std::weak_ptr<TensorImpl> weak = impl_;
  t.grad_fn->add_pre_hook(t.output_nr, [weak](const Tensor& g) -> Tensor {
    auto self = weak.lock();
    if (!self || !g.defined()) return Tensor();
    if (!self->grad) {
      self->grad = g.detach().clone().impl_ptr();
    } else {
      self->grad = (Tensor(self->grad) + g.detach()).impl_ptr();
    }
    return Tensor();
  });
}

HookHandle Tensor::register_hook(std::function<Tensor(const Tensor&)> hook) const {
  const auto& t = checked();
  if (!requires_grad())
    throw std::logic_error("register_hook: cannot register a hook on a tensor that doesn't require gradient");
  if (t.grad_fn) return t.grad_fn->add_pre_hook(t.output_nr, std::move(hook));
  auto& mt = const_cast<TensorImpl&>(t);
  if (!mt.leaf_hooks) mt.leaf_hooks = std::make_unique<std::vector<TensorImpl::LeafHook>>();
  HookHandle handle = autograd::next_hook_handle();
  mt.leaf_hooks->push_back({handle, std::move(hook)});
  return handle;
}

void Tensor::remove_hook(HookHandle handle) const {
  const auto& t = checked();
  if (t.grad_fn) {
    t.grad_fn->remove_pre_hook(handle);
  } else if (t.leaf_hooks) {
    auto& hooks = *const_cast<TensorImpl&>(t).leaf_hooks;
    std::erase_if(hooks, [handle](const TensorImpl::LeafHook& h) { return h.handle == handle; });
  }
}

void Tensor::backward(const Tensor& gradient, std::optional<bool> retain_graph, bool create_graph) const {
  autograd::backward({*this}, {gradient}, retain_graph, create_graph);
}

// ---- copies ------------------------------------------------------------------------------

Tensor Tensor::detach() const {
  const auto& t = checked();
  auto out = new_tensor_impl();
  out->storage = t.storage;
  out->offset = t.offset;
  out->shape = t.shape;
  out->strides = t.strides;
  out->numel = t.numel;
  out->dtype = t.dtype;
  out->contiguous = t.contiguous;
  out->is_view = t.is_view;
  return Tensor(std::move(out));
}

Tensor& Tensor::detach_() {
  auto& t = const_cast<TensorImpl&>(checked());
  if (t.grad_fn) autograd::release_node(std::move(t.grad_fn));
  t.grad_fn = nullptr;
  t.requires_grad = false;
  return *this;
}

// ---- printing ----------------------------------------------------------------------------

namespace {

// How the elements print: integers as they are; floats with 4 decimals, in fixed or scientific
// notation, right-aligned to `width`.
struct ElementFormat {
  bool integral = false;
  bool boolean = false;  // True / False, as PyTorch
  bool scientific = false;
  int width = 0;
  int precision = 4;
};

void print_element(std::ostream& os, const TensorImpl& t, std::int64_t off, const ElementFormat& f) {
  os << std::setw(f.width);
  if (f.boolean) os << (read_element<bool>(t, off) ? "True" : "False");
  else if (f.integral) os << read_element<std::int64_t>(t, off);
  else
    os << (f.scientific ? std::scientific : std::fixed) << std::setprecision(f.precision)
       << read_element<double>(t, off);
}

void print_values(std::ostream& os, const TensorImpl& t, std::size_t dim, std::int64_t offset, int indent,
                  bool summarize, const ElementFormat& f) {
  const std::int64_t n = t.shape[dim];
  const std::int64_t edge = 3;
  os << '[';
  for (std::int64_t i = 0; i < n; ++i) {
    if (summarize && n > 2 * edge && i == edge) {
      os << (dim + 1 == t.shape.size() ? "..., " : "...,\n" + std::string(indent + 1, ' '));
      i = n - edge;
    }
    std::int64_t off = offset + i * t.strides[dim];
    if (dim + 1 == t.shape.size()) {
      print_element(os, t, off, f);
      if (i + 1 < n) os << ", ";
    } else {
      print_values(os, t, dim + 1, off, indent + 1, summarize, f);
      if (i + 1 < n) os << ",\n" << std::string(static_cast<std::size_t>(indent + 1), ' ');
    }
  }
  os << ']';
}

// The notation and width, by PyTorch's rules (torch/_tensor_str.py, _Formatter): scientific
// when the nonzero finite magnitudes span more than a factor 1000, exceed 1e8, or go below 1e-4,
// so that 1e-8 prints as 1.0000e-08 rather than 0.0000.
ElementFormat element_format(const TensorImpl& t) {
  ElementFormat f;
  f.integral = t.dtype == Dtype::Int64;
  f.boolean = t.dtype == Dtype::Bool;
  if (t.numel == 0) return f;
  if (f.boolean) {
    for (std::int64_t i = 0; i < t.numel; ++i) f.width = read_element<bool>(t, strided_offset(t, i)) ? f.width : 5;
    f.width = std::max(f.width, 4);
    return f;
  }
  double maxabs = 0, minabs = INFINITY;
  bool negative = false;
  for (std::int64_t i = 0; i < t.numel; ++i) {
    double v = read_element<double>(t, strided_offset(t, i));
    if (std::isfinite(v) && v != 0) {
      maxabs = std::max(maxabs, std::abs(v));
      minabs = std::min(minabs, std::abs(v));
    }
    negative = negative || v < 0;
  }
  f.scientific = !f.integral && maxabs > 0 && (maxabs / minabs > 1000.0 || maxabs > 1.0e8 || minabs < 1.0e-4);
  if (f.scientific) {  // d.dddde+XX, with a third exponent digit beyond 1e+-99
    bool wide_exponent = maxabs >= 1e100 || minabs < 1e-99;
    f.width = (negative ? 1 : 0) + f.precision + 6 + (wide_exponent ? 1 : 0);
    return f;
  }
  int digits = maxabs >= 1 ? static_cast<int>(std::floor(std::log10(maxabs))) + 1 : 1;
  f.width = digits + (negative ? 1 : 0) + (f.integral ? 0 : f.precision + 1);
  return f;
}

// Restores the stream's formatting on scope exit (also when printing throws): printing a
// tensor must not change how the caller's later output looks. The width, like that of any
// formatted output, is consumed by the first item printed.
class StreamFormatGuard {
 public:
  explicit StreamFormatGuard(std::ostream& os)
      : os_(os), flags_(os.flags()), precision_(os.precision()), fill_(os.fill()) {
    os.flags(std::ios_base::dec);  // the caller's showpos, uppercase, ... must not alter the values
    os.fill(' ');
  }
  ~StreamFormatGuard() {
    os_.flags(flags_);
    os_.precision(precision_);
    os_.fill(fill_);
  }
  StreamFormatGuard(const StreamFormatGuard&) = delete;
  StreamFormatGuard& operator=(const StreamFormatGuard&) = delete;

 private:
  std::ostream& os_;
  std::ios_base::fmtflags flags_;
  std::streamsize precision_;
  char fill_;
};

}  // namespace

std::ostream& operator<<(std::ostream& os, const Tensor& tensor) {
  if (!tensor.defined()) return os << "tensor(undefined)";
  const TensorImpl& t = *tensor.impl();
  StreamFormatGuard guard(os);
  os << "tensor(";
  const ElementFormat f = element_format(t);
  if (t.shape.empty()) {
    print_element(os, t, t.offset, ElementFormat{f.integral, f.boolean, f.scientific, 0, f.precision});
  } else if (t.numel == 0) {
    os << "[]";
  } else {
    print_values(os, t, 0, t.offset, 7, t.numel > 1000, f);
  }
  os << ", shape=" << shape_str(t.shape) << ", dtype=" << dtype_name(t.dtype);
  if (t.grad_fn) {
    os << ", grad_fn=<" << t.grad_fn->name() << ">";
  } else if (t.requires_grad) {
    os << ", requires_grad=True";
  }
  return os << ')';
}

}  // namespace xgrad
