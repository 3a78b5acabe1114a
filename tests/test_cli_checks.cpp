// The `xgrad` program refusing what it cannot do right, before it starts (issue 16): outputs
// that are the same file as an input or as each other, numbers out of range on the command
// line, model files whose metadata does not match their tensors; and the regression units and
// `eval --split`, which scores exactly the rows training held out.
#include <doctest/doctest.h>

#ifndef XGRAD_CLI_PATH
TEST_CASE("the xgrad CLI is not built in this configuration") { MESSAGE("XGRAD_CLI_PATH is undefined: skipped"); }
#else

#include <string>
#include <vector>

#include <sys/stat.h>

#include <xgrad/xgrad.hpp>

#include "cli_run.hpp"

namespace {

// The command must fail before any training, with a message that contains every one of `parts`.
void check_refused(const TempDir& dir, const std::vector<std::string>& args, const std::vector<std::string>& parts) {
  CAPTURE(args.back());
  const Output r = run_cli(args, dir);
  CHECK(r.status != 0);
  CHECK_FALSE(contains(r.out, "epoch 1/"));
  for (const std::string& part : parts) CHECK_MESSAGE(contains(r.err, part), r.err);
}

// A small regression data set: y = 3 a - 2 b + 1 (+ noise), 200 rows, no header.
std::string linear_csv(const TempDir& dir) {
  std::ostringstream csv;
  xgrad::manual_seed(5);
  const auto ab = xgrad::randn({200, 2}, xgrad::kFloat64).to_vector<double>();
  for (int i = 0; i < 200; ++i) {
    const double a = ab[2 * i], b = ab[2 * i + 1];
    csv << a << "," << b << "," << 30 * a - 20 * b + 10 + 0.5 * ab[(2 * i + 7) % 400] << "\n";
  }
  return dir.write("linear.csv", csv.str());
}

}  // namespace

TEST_CASE("an output that is the same file as an input or another output is refused before training") {
  TempDir dir("same_file");
  const std::string data = dir.write("d.csv", read_file(kData + "iris.csv"));
  const std::string original = read_file(data);
  fs::create_symlink(dir.path / "d.csv", dir.path / "link.csv");
  fs::create_directories(dir.path / "sub");
  const std::vector<std::string> train = {"train", "--data", data, "--epochs", "1"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = train;
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  };
  // The input itself, spelled otherwise, through a symlink, and through a hard link.
  check_refused(dir, with({"--save", data}), {"--save", "--data", "same file"});
  check_refused(dir, with({"--log", (dir.path / "sub" / ".." / "." / "d.csv").string()}), {"--log", "--data"});
  check_refused(dir, with({"--plot", dir / "link.csv"}), {"--plot", "--data"});
  fs::create_hard_link(dir.path / "d.csv", dir.path / "hard.csv");
  check_refused(dir, with({"--save", dir / "hard.csv"}), {"--save", "--data"});
  // The data given through the symlink and the output by its real name.
  check_refused(dir, {"train", "--data", dir / "link.csv", "--epochs", "1", "--log", data}, {"--log", "--data"});
  // Two outputs that do not exist yet, one of them spelled through a directory that does not either.
  check_refused(dir, with({"--save", dir / "m.out", "--log", (dir.path / "new" / ".." / "m.out").string()}),
                {"--log", "--save", "one output would overwrite the other"});
  check_refused(dir, with({"--log", dir / "m.csv", "--plot", dir / "m.csv"}), {"--plot", "--log"});
  CHECK(read_file(data) == original);
  CHECK_FALSE(fs::exists(dir.path / "m.out"));

  // The demo's outputs in --out against its --data.
  fs::create_directories(dir.path / "out");
  const std::string digits = dir.write("out/regimes_curves.csv", "1,2,0\n");
  check_refused(dir, {"demo", "--out", dir / "out", "--data", digits, "--budget", "1"}, {"--out", "--data"});
  CHECK(read_file(digits) == "1,2,0\n");
}

TEST_CASE("an output that is a FIFO or a device is refused before training, and left in place") {
  TempDir dir("special_output");
  const std::string fifo = dir / "pipe";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  const std::vector<std::string> train = {"train", "--data", kData + "iris.csv", "--epochs", "1"};
  for (const std::string option : {"--save", "--log", "--plot"}) {
    std::vector<std::string> args = train;
    args.insert(args.end(), {option, fifo});
    check_refused(dir, args, {option, "pipe"});
    CHECK(fs::is_fifo(fifo));
  }
  std::vector<std::string> args = train;
  args.insert(args.end(), {"--save", "/dev/null"});
  check_refused(dir, args, {"--save", "/dev/null"});
  CHECK(fs::is_character_file("/dev/null"));
}

TEST_CASE("numeric options out of range say so with readable bounds; not-a-number is refused") {
  TempDir dir("numbers");
  const std::vector<std::string> train = {"train", "--data", kData + "iris.csv"};
  auto with = [&](const std::string& option, const std::string& value) {
    std::vector<std::string> args = train;
    args.push_back(option);
    args.push_back(value);
    return args;
  };
  check_refused(dir, with("--val-split", "nan"), {"--val-split", "'nan' is not a number", "from 0 to 0.9"});
  check_refused(dir, with("--val-split", "0.95"), {"--val-split", "out of range", "from 0 to 0.9"});
  check_refused(dir, with("--epochs", "99999999999999999999"), {"--epochs", "out of range"});
  check_refused(dir, with("--epochs", "0"), {"--epochs", "out of range", ">= 1"});
  check_refused(dir, with("--epochs", "ten"), {"--epochs", "'ten' is not a whole number"});
  check_refused(dir, with("--lr", "abc"), {"--lr", "'abc' is not a number"});
  check_refused(dir, with("--lr", "-1"), {"--lr", "out of range", "> 0"});
  check_refused(dir, with("--lr", "nan"), {"--lr", "not a number"});
  check_refused(dir, with("--momentum", "2"), {"--momentum", "from 0 to 1"});
  check_refused(dir, with("--weight-decay", "-0.5"), {"--weight-decay", ">= 0"});
  check_refused(dir, with("--batch-size", "-1"), {"--batch-size", ">= 0"});
  check_refused(dir, with("--seed", "-1"), {"--seed"});
  check_refused(dir, {"demo", "--budget", "nan"}, {"--budget", "not a number"});
  for (const char* value : {"-1", "abc", "0", "nan"}) {
    const Output r = run_cli(with("--lr", value), dir);
    CHECK_FALSE(contains(r.err, "1.79769e+308"));
    CHECK_FALSE(contains(r.err, "179769313486"));
    CHECK_FALSE(contains(r.err, "0.000000"));
  }
  // What was accepted before still is.
  const Output ok = run_cli({"train", "--data", kData + "iris.csv", "--epochs", "+1", "--lr", "1e-2", "--val-split",
                             "0", "--seed", "18446744073709551615", "--progress", "plain"},
                            dir);
  CHECK_MESSAGE(ok.status == 0, ok.err);
}

TEST_CASE("a model whose metadata does not match its tensors is refused before anything is built") {
  TempDir dir("tampered");
  const Output r =
      run_cli({"train", "--data", kData + "iris.csv", "--epochs", "1", "--save", dir / "m.safetensors"}, dir);
  REQUIRE_MESSAGE(r.status == 0, r.err);
  const auto saved = xgrad::nn::read_safetensors(dir / "m.safetensors");
  auto tampered = [&](const std::string& key, const std::string& value) {
    xgrad::nn::TensorDict tensors(saved.tensors.begin(), saved.tensors.end());
    xgrad::nn::Metadata metadata = saved.metadata;
    metadata[key] = value;
    const std::string path = dir / ("bad_" + std::to_string(std::hash<std::string>()(key + value)) + ".safetensors");
    xgrad::nn::save(tensors, path, metadata);
    return path;
  };
  auto check_eval_refused = [&](const std::string& key, const std::string& value) {
    CAPTURE(key);
    CAPTURE(value);
    const Output e = run_cli({"eval", "--model", tampered(key, value), "--data", kData + "iris.csv"}, dir);
    CHECK(e.status == 1);
    CHECK_MESSAGE(contains(e.err, "'" + key + "'"), e.err);
    CHECK_FALSE(contains(e.out, "accuracy"));
  };
  check_eval_refused("layers", "4,100000000,3");  // would allocate 3 GB before failing
  check_eval_refused("layers", "4,16,4");
  check_eval_refused("layers", "4,16,16,3");
  check_eval_refused("layers", "4,-16,3");
  check_eval_refused("layers", "4,0,3");
  check_eval_refused("feature_std", "0,0,0,0");  // loss NaN and exit status 0
  check_eval_refused("feature_std", "1,nan,1,1");
  check_eval_refused("feature_std", "1,inf,1,1");
  check_eval_refused("feature_std", "1,-1,1,1");
  check_eval_refused("feature_mean", "0,0,nan,0");
  check_eval_refused("target_std", "0");
  check_eval_refused("target_mean", "inf");
  check_eval_refused("activation", "softmax");
  check_eval_refused("split_fraction", "2");
  check_eval_refused("split_seed", "-3");
  // The untouched file still evaluates.
  const Output e = run_cli({"eval", "--model", dir / "m.safetensors", "--data", kData + "iris.csv"}, dir);
  CHECK_MESSAGE(e.status == 0, e.err);
}

TEST_CASE("regression: train says which units its loss is in; eval --split scores the held-out rows") {
  TempDir dir("regress_units");
  const std::string data = linear_csv(dir);
  const Output r = run_cli({"train", "--data", data, "--model", "linear", "--optim", "lbfgs", "--batch-size", "0",
                            "--epochs", "3", "--seed", "7", "--val-split", "0.25", "--save", dir / "m.safetensors"},
                           dir);
  REQUIRE_MESSAGE(r.status == 0, r.err);
  CHECK(contains(r.out, "standardised"));
  const double val_mse = number_after(r.out, "validation MSE ");
  const double train_mse = number_after(r.out, "train MSE ");
  REQUIRE(std::isfinite(val_mse));
  REQUIRE(std::isfinite(train_mse));

  const Output val = run_cli({"eval", "--model", dir / "m.safetensors", "--data", data, "--split", "validation"}, dir);
  REQUIRE_MESSAGE(val.status == 0, val.err);
  CHECK(contains(val.out, "50 rows"));  // ceil(0.25 * 200)
  CHECK(contains(val.out, "target's own units"));
  CHECK(number_after(val.out, "MSE: ") == doctest::Approx(val_mse).epsilon(1e-3));
  const Output tr = run_cli({"eval", "--model", dir / "m.safetensors", "--data", data, "--split", "train"}, dir);
  REQUIRE_MESSAGE(tr.status == 0, tr.err);
  CHECK(contains(tr.out, "150 rows"));
  CHECK(number_after(tr.out, "MSE: ") == doctest::Approx(train_mse).epsilon(1e-3));
  const Output all = run_cli({"eval", "--model", dir / "m.safetensors", "--data", data}, dir);
  REQUIRE_MESSAGE(all.status == 0, all.err);
  CHECK(contains(all.out, "200 rows"));

  // --split needs the file the model was trained on, and a model trained with a validation split.
  const Output other = run_cli({"eval", "--model", dir / "m.safetensors", "--data", kData + "iris.csv",
                                "--target-column", "-1", "--split", "validation"},
                               dir);
  CHECK(other.status == 1);
  const Output none = run_cli({"train", "--data", data, "--model", "linear", "--epochs", "1", "--val-split", "0",
                               "--save", dir / "none.safetensors"},
                              dir);
  REQUIRE_MESSAGE(none.status == 0, none.err);
  const Output no_val =
      run_cli({"eval", "--model", dir / "none.safetensors", "--data", data, "--split", "validation"}, dir);
  CHECK(no_val.status == 1);
  CHECK_MESSAGE(contains(no_val.err, "--val-split 0"), no_val.err);
  CHECK(run_cli({"eval", "--model", dir / "m.safetensors", "--data", data, "--split", "test"}, dir).status != 0);
}

#endif
