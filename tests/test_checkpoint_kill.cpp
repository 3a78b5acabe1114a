// A training process killed (SIGKILL) at random moments, mostly while it writes a checkpoint,
// never loses its previous checkpoint: after every kill the checkpoint file loads, holds
// exactly the state of the step it names, and resuming from it ends bit-identical to a run
// that was never interrupted. The checkpoint is one safetensors file holding the model's
// state_dict and the optimizer's, so the two can never come from different steps.
#include <doctest/doctest.h>

#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <xgrad/xgrad.hpp>

using namespace xgrad;

namespace {

namespace fs = std::filesystem;

constexpr std::int64_t kSteps = 100000;  // more than any child gets through before its kill

struct Run {
  std::shared_ptr<nn::SequentialImpl> model;
  std::unique_ptr<optim::Adam> opt;
  Tensor x, y;
  std::int64_t step = 0;

  Run() {
    manual_seed(7);
    model =
        std::make_shared<nn::SequentialImpl>(std::make_shared<nn::LinearImpl>(4, 16), std::make_shared<nn::TanhImpl>(),
                                             std::make_shared<nn::LinearImpl>(16, 3));
    opt = std::make_unique<optim::Adam>(model->parameters(), optim::AdamOptions(0.01));
    x = randn({32, 4});
    y = randint(0, 3, {32});
  }
  void train_step() {
    opt->zero_grad();
    nn::functional::cross_entropy(model->forward(x), y).backward();
    opt->step();
    ++step;
  }
  std::vector<float> params() const {
    std::vector<float> out;
    for (const Tensor& p : model->parameters()) {
      auto v = p.detach().to_vector<float>();
      out.insert(out.end(), v.begin(), v.end());
    }
    return out;
  }
  // Model and optimizer state of this step, in one file.
  void save_checkpoint(const std::string& path) const {
    nn::TensorDict all;
    for (const auto& [name, t] : model->state_dict()) all["model." + name] = t;
    for (const auto& [name, t] : opt->state_dict()) all["optim." + name] = t;
    all["step"] = tensor(std::vector<double>{static_cast<double>(step)}, {}).to(kInt64);
    nn::save(all, path);
  }
  void load_checkpoint(const std::string& path) {
    nn::TensorDict all;
    nn::load(all, path);
    std::map<std::string, Tensor> opt_state;
    for (const auto& [name, t] : all) {
      if (name.rfind("optim.", 0) == 0) opt_state[name.substr(6)] = t;
    }
    NoGradGuard guard;
    for (const auto& entry : model->state_dict()) {  // no structured binding: clang 14 cannot capture one
      const auto& name = entry.first;
      const auto& t = entry.second;
      auto it = all.find("model." + name);
      REQUIRE_MESSAGE(it != all.end(), "checkpoint lacks model." << name);
      Tensor dst = t;
      dst.copy_(it->second);
    }
    opt->load_state_dict(opt_state);
    step = all.at("step").item<std::int64_t>();
  }
};

// Shared with the child: whether it is inside save_checkpoint right now.
struct Shared {
  std::atomic<int> saving{0};
  std::atomic<std::int64_t> saves{0};
};

std::vector<fs::path> temporaries(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().filename().string().find(".tmp.") != std::string::npos) out.push_back(e.path());
  }
  return out;
}

}  // namespace

TEST_CASE("a checkpoint survives SIGKILL at any moment, and resuming from it is bit-exact") {
  const fs::path dir = fs::temp_directory_path() / ("xgrad-ckpt-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string path = (dir / "ckpt.safetensors").string();

  // The uninterrupted run's parameters after each step, computed as far as the test needs.
  Run reference;
  std::vector<std::vector<float>> expected{reference.params()};
  auto expected_at = [&](std::int64_t step) -> const std::vector<float>& {
    while (static_cast<std::int64_t>(expected.size()) <= step) {
      reference.train_step();
      expected.push_back(reference.params());
    }
    return expected[static_cast<std::size_t>(step)];
  };

  Run(/*fresh*/).save_checkpoint(path);  // step 0: there is always a previous checkpoint
  auto* shared =
      static_cast<Shared*>(::mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
  REQUIRE(shared != MAP_FAILED);
  new (shared) Shared();

  std::mt19937 rng(12345);  // fixed: the same kill schedule every run
  std::uniform_int_distribution<int> delay_us(0, 20000);
  std::int64_t last_step = 0;
  int kills = 0, kills_while_saving = 0;
  // Kill until 20 kills have landed inside a save (they do most of the time: the fsyncs
  // dominate), with a cap so that a machine where they never do still ends.
  while (kills_while_saving < 20 && kills < 300) {
    shared->saves = 0;
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      // The child resumes from the checkpoint and keeps training and checkpointing until killed.
      int status = 0;
      try {
        Run run;
        run.load_checkpoint(path);
        while (run.step < kSteps) {
          run.train_step();
          shared->saving = 1;
          run.save_checkpoint(path);
          shared->saving = 0;
          ++shared->saves;
        }
      } catch (...) {
        status = 3;
      }
      ::_exit(status);
    }
    // Let it load and reach its first save before the random delay, so each round makes progress.
    while (shared->saves == 0) {
      int status = 0;
      if (::waitpid(child, &status, WNOHANG) == child) FAIL("the child ended early, status " << status);
      ::usleep(100);
    }
    ::usleep(static_cast<useconds_t>(delay_us(rng)));
    const bool was_saving = shared->saving.load() != 0;
    REQUIRE(::kill(child, SIGKILL) == 0);
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    REQUIRE(WIFSIGNALED(status));
    ++kills;
    kills_while_saving += was_saving;
    shared->saving = 0;

    // The checkpoint on disk is whole and exactly the state of the step it names.
    Run restored;
    REQUIRE_NOTHROW(restored.load_checkpoint(path));
    CHECK(restored.step >= last_step + 1);
    last_step = restored.step;
    REQUIRE(restored.params() == expected_at(restored.step));
    // A kill during a save leaves at most that save's temporary file behind (never in place
    // of the checkpoint); clear it so the next round starts clean.
    for (const fs::path& t : temporaries(dir)) fs::remove(t);
  }
  MESSAGE(kills << " kills, " << kills_while_saving << " of them inside a save; last checkpoint at step " << last_step);
  WARN(kills_while_saving >= 1);  // likely, not guaranteed: where the kills land depends on timing

  // Resuming from the last checkpoint reproduces the uninterrupted run bit for bit.
  Run resumed;
  resumed.load_checkpoint(path);
  const std::int64_t target = resumed.step + 50;
  while (resumed.step < target) resumed.train_step();
  CHECK(resumed.params() == expected_at(target));

  ::munmap(shared, sizeof(Shared));
  fs::remove_all(dir);
}

TEST_CASE("nn::save replaces the file atomically and leaves no temporary behind") {
  const fs::path dir = fs::temp_directory_path() / ("xgrad-ckpt-atomic-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string path = (dir / "t.safetensors").string();
  nn::save(tensor(std::vector<double>{1, 2, 3}), path);
  const auto perms_before = fs::status(path).permissions();
  nn::save(tensor(std::vector<double>{4, 5}), path);
  Tensor t;
  nn::load(t, path);
  CHECK(t.to_vector<double>() == std::vector<double>{4, 5});
  CHECK(temporaries(dir).empty());
  CHECK(fs::status(path).permissions() == perms_before);
  // A save that fails (the target is a directory) leaves the old file and no temporary.
  const std::string sub = (dir / "sub").string();
  fs::create_directories(sub);
  CHECK_THROWS_AS(nn::save(tensor(std::vector<double>{1}), sub), nn::FileError);
  CHECK(temporaries(dir).empty());
  fs::remove_all(dir);
}
