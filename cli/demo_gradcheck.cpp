#include "demo_gradcheck.hpp"

#include <filesystem>
#include <ostream>
#include <string>

#include <xgrad/xgrad.hpp>

namespace xgrad::cli {

namespace {

using autograd::AutogradContext;
using autograd::Function;

// The classic example: a tensor input, a weight input and a non-differentiable constant,
//   out = constant * input . weight^T      input [B, in], weight [out, in] -> [B, out]
struct ScaledLinear : Function<ScaledLinear> {
  static Tensor forward(AutogradContext* ctx, const Tensor& input, const Tensor& weight, double constant) {
    ctx->save_for_backward({input, weight});
    ctx->saved_data["constant"] = constant;
    return mm(input, weight.t()) * constant;
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list grad_outputs) {
    const tensor_list saved = ctx->get_saved_variables();
    const double c = ctx->saved_data["constant"].toDouble();
    const Tensor& g = grad_outputs[0];
    Tensor grad_input, grad_weight;
    if (ctx->needs_input_grad(0)) grad_input = mm(g, saved[1]) * c;
    if (ctx->needs_input_grad(1)) grad_weight = mm(g.t(), saved[0]) * c;
    return {grad_input, grad_weight, Tensor()};  // the constant gets no gradient
  }
};

// Its broken twin: backward forgets the constant, a bug that no shape check catches.
struct ScaledLinearBroken : Function<ScaledLinearBroken> {
  static Tensor forward(AutogradContext* ctx, const Tensor& input, const Tensor& weight, double constant) {
    ctx->save_for_backward({input, weight});
    return mm(input, weight.t()) * constant;
  }
  static tensor_list backward(AutogradContext* ctx, tensor_list grad_outputs) {
    const tensor_list saved = ctx->get_saved_variables();
    const Tensor& g = grad_outputs[0];
    return {mm(g, saved[1]), mm(g.t(), saved[0]), Tensor()};
  }
};

std::string index_text(const Shape& index) {
  std::string s = "[";
  for (std::size_t i = 0; i < index.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(index[i]);
  }
  return s + "]";
}

// The broken check as a picture: heatmaps of both Jacobians and their difference.
void write_pictures(std::ostream& out, const autograd::GradcheckResult& bad, const std::string& out_dir,
                    std::vector<std::string>* written) {
  std::filesystem::create_directories(out_dir);
  const std::string svg = (std::filesystem::path(out_dir) / kBrokenPictures[0]).string();
  const std::string html = (std::filesystem::path(out_dir) / kBrokenPictures[1]).string();
  bad.write_svg(svg);
  bad.write_html(html);
  out << "  picture of the failure: " << svg << " (and " << html << ")\n";
  if (written) {
    written->push_back(svg);
    written->push_back(html);
  }
}

}  // namespace

bool demo_gradcheck(std::ostream& out, const std::string& out_dir, std::vector<std::string>* written) {
  manual_seed(0);
  const auto f64 = TensorOptions(kFloat64).requires_grad(true);
  const auto options = autograd::GradcheckOptions().eps(1e-6).atol(1e-4).raise_exception(false);

  out << "ScaledLinear(input [20, 20], weight [30, 20], constant 2.0) = 2.0 * input . weight^T, Float64\n";
  const Tensor input = randn({20, 20}, f64), weight = randn({30, 20}, f64);
  const auto good = autograd::gradcheck_report(
      [](const tensor_list& in) { return ScaledLinear::apply(in[0], in[1], 2.0); }, {input, weight}, options);
  out << "  gradcheck: " << (good.passed ? "PASSED" : "FAILED") << " -- " << good.pairs.size()
      << " Jacobians compared with central differences (" << good.forward_calls << " forward calls, "
      << good.backward_calls << " backward calls)\n";
  if (!good.passed) out << good.message << "\n";

  out << "\nScaledLinearBroken: the same forward, but backward forgets the constant\n";
  const Tensor small_input = randn({3, 4}, f64), small_weight = randn({2, 4}, f64);
  const auto bad =
      autograd::gradcheck_report([](const tensor_list& in) { return ScaledLinearBroken::apply(in[0], in[1], 2.0); },
                                 {small_input, small_weight}, options);
  out << "  gradcheck: " << (bad.passed ? "PASSED (unexpected!)" : "FAILED, as it should") << "\n";
  const autograd::GradcheckPair* p = bad.first_failure();
  if (p) {
    out << "  which input: " << p->input << (p->input == 0 ? " (input)" : " (weight)") << "; " << p->failing << " of "
        << p->total << " Jacobian entries outside the tolerance\n"
        << "  worst element: input index " << index_text(p->worst_input_index) << ", output index "
        << index_text(p->worst_output_index) << ": analytical " << p->worst_analytical << " vs numerical "
        << p->worst_numerical << "\n"
        << "  diagnosis: " << autograd::gradcheck_diagnosis_name(p->diagnosis) << " -- " << p->diagnosis_text << "\n";
  }
  out << "\n  gradcheck's full report:\n" << bad.message << "\n";
  if (!out_dir.empty()) write_pictures(out, bad, out_dir, written);
  return good.passed && !bad.passed && p && p->diagnosis == autograd::GradcheckDiagnosis::ConstantFactor;
}

}  // namespace xgrad::cli
