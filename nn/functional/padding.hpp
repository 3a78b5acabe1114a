// F::pad with every mode (constant, reflect, replicate, circular), the padding modes the
// convolution layers take, and the "same" / "valid" convolution paddings (kSame, kValid).
//   F::pad(x, F::PadFuncOptions({1, 1, 2, 2}).mode(torch::kReflect))
//   nn::Conv2d(nn::Conv2dOptions(3, 8, 3).padding(torch::kSame).padding_mode(torch::kCircular))
#pragma once
#include <cstdint>
#include <vector>

#include "../../autograd/tensor.hpp"
#include "../options.hpp"
#include "size2.hpp"

namespace xgrad::nn {

// LibTorch's padding modes. Conv layers take kZeros / kReflect / kReplicate / kCircular
// (padding_mode); F::pad takes kConstant / kReflect / kReplicate / kCircular (mode).
enum class PaddingMode { Zeros, Reflect, Replicate, Circular, Constant };
inline constexpr PaddingMode kZeros = PaddingMode::Zeros;
inline constexpr PaddingMode kReflect = PaddingMode::Reflect;
inline constexpr PaddingMode kReplicate = PaddingMode::Replicate;
inline constexpr PaddingMode kCircular = PaddingMode::Circular;
inline constexpr PaddingMode kConstant = PaddingMode::Constant;
// "zeros", "reflect", ... (PyTorch's spellings, for error messages and reprs).
const char* to_string(PaddingMode mode);

// The string paddings of PyTorch's convolutions: "valid" (no padding) and "same" (the output
// has the input's size; stride must be 1).
enum class PaddingKind { Explicit, Valid, Same };
struct SamePadding {};
struct ValidPadding {};
inline constexpr SamePadding kSame{};
inline constexpr ValidPadding kValid{};

// A convolution's padding: explicit sizes (one number or {h, w}), kSame or kValid, as
// LibTorch's Conv2dOptions::padding_t. For Conv1d only .w is used.
class ConvPadding {
 public:
  ConvPadding(std::int64_t v) : size_(v) {}  // NOLINT: `.padding(1)`
  ConvPadding(Size2 s) : size_(s) {}         // NOLINT
  ConvPadding(std::int64_t h, std::int64_t w) : size_(h, w) {}
  ConvPadding(SamePadding) : kind_(PaddingKind::Same) {}    // NOLINT: `.padding(torch::kSame)`
  ConvPadding(ValidPadding) : kind_(PaddingKind::Valid) {}  // NOLINT
  PaddingKind kind() const { return kind_; }
  bool is_same() const { return kind_ == PaddingKind::Same; }
  bool is_valid() const { return kind_ == PaddingKind::Valid; }
  // The explicit sizes (0 for kValid; meaningless for kSame).
  Size2 size() const { return size_; }
  bool operator==(const ConvPadding&) const = default;

 private:
  Size2 size_ = 0;
  PaddingKind kind_ = PaddingKind::Explicit;
};
// "(1, 2)", "same" or "valid".
std::string to_string(const ConvPadding& p);

}  // namespace xgrad::nn

namespace xgrad::nn::functional {

// Pads the last widths.size() / 2 dims of input: widths = {left, right} for the last dim,
// then {top, bottom} for the one before, ... (PyTorch's F.pad order). Modes:
//  - kConstant: fills with `value`, any number of dims, negative widths crop (xgrad::pad).
//  - kReflect: mirrors without repeating the edge ([1 2 3] by 2 -> [3 2 1 2 3 2 1]); each width
//    must be < that dim's size.
//  - kReplicate: repeats the edge element; the padded dims must be non-empty.
//  - kCircular: wraps around ([1 2 3] by 1 -> [3 1 2 3 1]); each width must be <= the size.
// The non-constant modes pad 1 to 3 dims (2, 4 or 6 widths) of a batched (N, C, *) or
// unbatched (C, *) input, i.e. a 2- or 3-D input for 2 widths, 3- or 4-D for 4, 4- or 5-D
// for 6, as PyTorch. Negative widths crop there too; every output size must stay positive.
// Costs one pass over the output; the backward sums gradients back into the source positions
// (nodes ReflectionPad{1,2,3}dBackward0, ReplicationPad{1,2,3}dBackward0, CircularPadNdBackward0)
// and is itself differentiable. Throws std::invalid_argument naming the widths and the input.
Tensor pad(const Tensor& input, const std::vector<std::int64_t>& widths, PaddingMode mode = kConstant,
           double value = 0.0);

// LibTorch's builder: F::pad(x, F::PadFuncOptions({1, 1}).mode(torch::kReplicate)).
struct PadFuncOptions {
  PadFuncOptions(std::vector<std::int64_t> pad) : pad_(std::move(pad)) {}  // NOLINT: as LibTorch
  XGRAD_ARG(std::vector<std::int64_t>, pad, {})
  XGRAD_ARG(PaddingMode, mode, kConstant)
  XGRAD_ARG(double, value, 0.0)
};
inline Tensor pad(const Tensor& input, const PadFuncOptions& o) { return pad(input, o.pad(), o.mode(), o.value()); }

// The (before, after) widths that make a stride-1 convolution with this kernel and dilation
// keep the size, as PyTorch's "same": total = dilation * (kernel - 1), before = total / 2,
// after = total - before (the odd extra goes after).
std::pair<std::int64_t, std::int64_t> same_padding(std::int64_t kernel, std::int64_t dilation);

}  // namespace xgrad::nn::functional

namespace xgrad {
// LibTorch spells these torch::kReflect, torch::kSame, ...
using nn::kCircular;
using nn::kConstant;
using nn::kReflect;
using nn::kReplicate;
using nn::kSame;
using nn::kValid;
using nn::kZeros;
}  // namespace xgrad
