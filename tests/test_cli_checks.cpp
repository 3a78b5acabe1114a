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
  const Output ok = run_cli({"train", "--data", kData + "iris.csv", "--epochs", "+1", "--lr", "1e-2", "--val-split", "0",
                             "--seed", "18446744073709551615", "--progress", "plain"},
                            dir);
  CHECK_MESSAGE(ok.status == 0, ok.err);
}

TEST_CASE("a model whose metadata does not match its tensors is refused before anything is built") {
  TempDir dir("tampered");
  const Output r = run_cli({"train", "--data", kData + "iris.csv", "--epochs", "1", "--save", dir / "m.safetensors"}, dir);
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
  // The untouched file still evaluates.
  const Output e = run_cli({"eval", "--model", dir / "m.safetensors", "--data", kData + "iris.csv"}, dir);
  CHECK_MESSAGE(e.status == 0, e.err);
}

#endif
