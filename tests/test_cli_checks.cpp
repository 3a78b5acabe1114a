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

#endif
