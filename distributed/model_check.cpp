#include "model_check.hpp"

#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "collectives.hpp"
#include "mpi_detail.hpp"
#include "process_group.hpp"

namespace xgrad::distributed::detail {

namespace {

std::vector<std::string> describe(const nn::Module& module) {
  std::vector<std::string> lines;
  for (const auto& [name, p] : module.named_parameters()) {
    lines.push_back("parameter " + name + ": " + dtype_name(p.dtype()) + " " + shape_str(p.shape()) +
                    (p.requires_grad() ? "" : " (requires_grad=false)"));
  }
  for (const auto& [name, b] : module.named_buffers())
    lines.push_back("buffer " + name + ": " + dtype_name(b.dtype()) + " " + shape_str(b.shape()));
  return lines;
}

std::string join(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += l + "\n";
  return s;
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> lines;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

// Every rank's text, by rank.
std::vector<std::string> gather_text(const std::string& mine, const char* op) {
  const int n = world_size();
  int len = static_cast<int>(mine.size());
  std::vector<int> lens(static_cast<std::size_t>(n)), offsets(static_cast<std::size_t>(n));
  auto lock = lock_mpi();
  check(MPI_Allgather(&len, 1, MPI_INT, lens.data(), 1, MPI_INT, comm()), op, "MPI_Allgather");
  int total = 0;
  for (int r = 0; r < n; ++r) {
    offsets[static_cast<std::size_t>(r)] = total;
    total += lens[static_cast<std::size_t>(r)];
  }
  std::string all(static_cast<std::size_t>(total), '\0');
  check(MPI_Allgatherv(mine.data(), len, MPI_CHAR, all.data(), lens.data(), offsets.data(), MPI_CHAR, comm()), op,
        "MPI_Allgatherv");
  std::vector<std::string> out;
  for (int r = 0; r < n; ++r)
    out.push_back(all.substr(static_cast<std::size_t>(offsets[static_cast<std::size_t>(r)]),
                             static_cast<std::size_t>(lens[static_cast<std::size_t>(r)])));
  return out;
}

}  // namespace

void check_same_model(const nn::Module& module, const char* op) {
  const auto texts = gather_text(join(describe(module)), op);
  const auto first = split(texts[0]);
  for (std::size_t r = 1; r < texts.size(); ++r) {
    if (texts[r] == texts[0]) continue;
    const auto other = split(texts[r]);
    std::size_t i = 0;
    while (i < first.size() && i < other.size() && first[i] == other[i]) ++i;
    const std::string a = i < first.size() ? "'" + first[i] + "'" : "nothing more";
    const std::string b = i < other.size() ? "'" + other[i] + "'" : "nothing more";
    throw std::invalid_argument(std::string(op) + ": the model differs across ranks (entry " + std::to_string(i) +
                                "): rank 0 has " + a + ", rank " + std::to_string(r) + " has " + b +
                                ". Every rank must build the same model.");
  }
}

void broadcast_state(const nn::Module& module) {
  for (auto t : module.parameters()) broadcast(t, 0);
  for (auto t : module.buffers()) broadcast(t, 0);
}

}  // namespace xgrad::distributed::detail
