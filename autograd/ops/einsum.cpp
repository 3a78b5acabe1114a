// einsum over one or two operands, built from differentiable ops (sum, permute, expand, reshape,
// matmul), so its gradients and second derivatives are theirs (PyTorch's einsum is likewise a
// composition: its grad_fn is that of the last op, e.g. BmmBackward0 or PermuteBackward0).
#include <algorithm>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "../kernels/kernels.hpp"
#include "../ops_manip.hpp"

namespace xgrad {

using namespace kernels;

namespace {

using Labels = std::vector<int>;  // 0-51: letters; 100 + k: the k-th ellipsis dim (from the left)

[[noreturn]] void fail(const std::string& eq, const std::string& why, const tensor_list& ops) {
  std::string s = "einsum(\"" + eq + "\"): " + why + " (operands";
  for (const auto& t : ops) s += " " + (t.defined() ? describe(t) : std::string("undefined"));
  throw std::invalid_argument(s + ")");
}

// Uppercase before lowercase, as ASCII and PyTorch's implicit output order.
int letter_id(char c) { return c >= 'A' && c <= 'Z' ? c - 'A' : c >= 'a' && c <= 'z' ? 26 + c - 'a' : -1; }

// Parses one term; ellipsis dims become 100 + k, k counted over `ell` dims (right-aligned).
Labels parse_term(const std::string& term, std::int64_t ndim, std::int64_t& ell, bool is_output, const std::string& eq,
                  const tensor_list& ops) {
  Labels out;
  bool seen_ellipsis = false;
  std::int64_t letters = 0;
  for (std::size_t i = 0; i < term.size(); ++i) {
    if (term[i] == ' ') continue;
    if (term.compare(i, 3, "...") == 0) {
      if (seen_ellipsis) fail(eq, "more than one ellipsis in a term", ops);
      seen_ellipsis = true;
      out.push_back(-1);  // placeholder
      i += 2;
      continue;
    }
    const int id = letter_id(term[i]);
    if (id < 0) {
      const std::string bad(1, term[i]);
      fail(eq, "invalid subscript '" + bad + "' (letters a-z, A-Z only)", ops);
    }
    out.push_back(id);
    ++letters;
  }
  std::int64_t n_ell = 0;
  if (!is_output) {
    if (seen_ellipsis ? letters > ndim : letters != ndim) {
      fail(
          eq,
          "a term has " + std::to_string(letters) + " subscripts for an operand with " + std::to_string(ndim) + " dims",
          ops);
    }
    n_ell = seen_ellipsis ? ndim - letters : 0;
    ell = std::max(ell, n_ell);
  } else {
    n_ell = seen_ellipsis ? ell : 0;
  }
  Labels expanded;
  for (int id : out) {
    if (id != -1) {
      expanded.push_back(id);
      continue;
    }
    for (std::int64_t k = 0; k < n_ell; ++k) expanded.push_back(static_cast<int>(100 + (ell - n_ell) + k));
  }
  return expanded;
}

// Sums t over the positions of `labels` not in `keep`; returns the remaining labels.
Tensor sum_out(const Tensor& t, Labels& labels, const std::vector<int>& keep) {
  Shape dims;
  Labels rest;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (std::find(keep.begin(), keep.end(), labels[i]) == keep.end()) dims.push_back(static_cast<std::int64_t>(i));
    else rest.push_back(labels[i]);
  }
  labels = rest;
  return dims.empty() ? t : sum(t, dims);
}

// t (with `labels`) permuted to `order` and expanded to the common sizes.
Tensor arrange(const Tensor& t, const Labels& labels, const Labels& order, const std::map<int, std::int64_t>& size) {
  Shape perm, target;
  for (int id : order) {
    perm.push_back(std::find(labels.begin(), labels.end(), id) - labels.begin());
    target.push_back(size.at(id));
  }
  Tensor p = permute(t, perm);
  return p.shape() == target ? p : expand(p, target);
}

std::int64_t product(const Labels& ids, const std::map<int, std::int64_t>& size) {
  std::int64_t n = 1;
  for (int id : ids) n *= size.at(id);
  return n;
}

}  // namespace

Tensor einsum(const std::string& equation, const tensor_list& operands) {
  const std::string& eq = equation;
  if (operands.empty() || operands.size() > 2) fail(eq, "one or two operands are supported", operands);
  for (const auto& t : operands)
    if (!t.defined()) fail(eq, "an operand is undefined", operands);
  const auto arrow = eq.find("->");
  const std::string lhs = eq.substr(0, arrow);
  std::vector<std::string> terms;
  for (std::size_t start = 0;;) {
    const auto comma = lhs.find(',', start);
    terms.push_back(lhs.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (terms.size() != operands.size()) {
    fail(eq, std::to_string(terms.size()) + " terms for " + std::to_string(operands.size()) + " operands", operands);
  }
  std::int64_t ell = 0;
  std::vector<Labels> in;
  for (std::size_t i = 0; i < terms.size(); ++i)
    in.push_back(parse_term(terms[i], operands[i].dim(), ell, false, eq, operands));
  // Ellipsis dims parsed before the widest operand was seen: re-parse with the final count.
  for (std::size_t i = 0; i < terms.size(); ++i)
    in[i] = parse_term(terms[i], operands[i].dim(), ell, false, eq, operands);
  std::map<int, std::int64_t> size, count;
  for (std::size_t i = 0; i < in.size(); ++i) {
    for (std::size_t k = 0; k < in[i].size(); ++k) {
      const int id = in[i][k];
      if (std::count(in[i].begin(), in[i].end(), id) > 1) {
        fail(eq, "an index repeated within one operand (trace or diagonal) is not supported", operands);
      }
      const std::int64_t s = operands[i].size(static_cast<std::int64_t>(k));
      auto it = size.find(id);
      if (it == size.end() || it->second == 1) size[id] = s;
      else if (s != 1 && s != it->second) fail(eq, "an index has different sizes in the operands", operands);
      ++count[id];
    }
  }
  Labels out;
  if (arrow == std::string::npos) {
    for (int k = 0; k < ell; ++k) out.push_back(100 + k);  // ellipsis dims first, then single letters
    for (auto [id, c] : count)
      if (id < 100 && c == 1) out.push_back(id);
  } else {
    out = parse_term(eq.substr(arrow + 2), 0, ell, true, eq, operands);
    for (int id : out) {
      if (!size.count(id)) fail(eq, "an output index appears in no operand", operands);
      if (std::count(out.begin(), out.end(), id) > 1) fail(eq, "an output index is repeated", operands);
    }
  }
  Tensor a = operands[0];
  Labels la = in[0];
  if (operands.size() == 1) {
    a = sum_out(a, la, out);
    return arrange(a, la, out, size).contiguous();
  }
  Tensor b = operands[1];
  Labels lb = in[1];
  // Indices only in one operand and not in the output are summed away first.
  Labels keep_a = out, keep_b = out;
  keep_a.insert(keep_a.end(), lb.begin(), lb.end());
  keep_b.insert(keep_b.end(), la.begin(), la.end());
  a = sum_out(a, la, keep_a);
  b = sum_out(b, lb, keep_b);
  Labels batch, contract, free_a, free_b;
  auto in_list = [](const Labels& l, int id) { return std::find(l.begin(), l.end(), id) != l.end(); };
  for (int id : la) {
    if (in_list(lb, id)) (in_list(out, id) ? batch : contract).push_back(id);
    else free_a.push_back(id);
  }
  for (int id : lb)
    if (!in_list(la, id)) free_b.push_back(id);
  Labels order_a = batch, order_b = batch;
  order_a.insert(order_a.end(), free_a.begin(), free_a.end());
  order_a.insert(order_a.end(), contract.begin(), contract.end());
  order_b.insert(order_b.end(), contract.begin(), contract.end());
  order_b.insert(order_b.end(), free_b.begin(), free_b.end());
  const std::int64_t B = product(batch, size), M = product(free_a, size), K = product(contract, size),
                     N = product(free_b, size);
  Tensor am = reshape(arrange(a, la, order_a, size), {B, M, K});
  Tensor bm = reshape(arrange(b, lb, order_b, size), {B, K, N});
  Tensor mm_out = matmul(am, bm);  // [B, M, N]
  Labels result = batch;
  result.insert(result.end(), free_a.begin(), free_a.end());
  result.insert(result.end(), free_b.begin(), free_b.end());
  Shape result_shape;
  for (int id : result) result_shape.push_back(size.at(id));
  Tensor r = reshape(mm_out, result_shape);
  return arrange(r, result, out, size).contiguous();
}

}  // namespace xgrad
