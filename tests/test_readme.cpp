// README.md stays true: its C++ and CMake code blocks are copied verbatim from files that the
// test suite builds and runs (examples/*.cpp, examples/consumer/), the scripts and examples it
// names exist, and its first two commands are the documented ones.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;
const fs::path kRoot = XGRAD_SOURCE_DIR;

std::string read_file(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

std::string strip(const std::string& line) {
  const auto b = line.find_first_not_of(" \t\r");
  const auto e = line.find_last_not_of(" \t\r");
  return b == std::string::npos ? "" : line.substr(b, e - b + 1);
}

// Lines without their indentation (a block may be indented differently inside a function).
std::vector<std::string> stripped_lines(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream s(text);
  for (std::string line; std::getline(s, line);) out.push_back(strip(line));
  return out;
}

struct Block {
  std::string language, text;
  int line = 0;  // of the opening fence in README.md
};

std::vector<Block> code_blocks(const std::string& markdown) {
  std::vector<Block> blocks;
  std::stringstream s(markdown);
  Block* open = nullptr;
  int line_no = 0;
  for (std::string line; std::getline(s, line);) {
    ++line_no;
    if (line.rfind("```", 0) == 0) {
      if (open) {
        open = nullptr;
      } else {
        blocks.push_back({strip(line.substr(3)), "", line_no});
        open = &blocks.back();
      }
    } else if (open) {
      open->text += line + "\n";
    }
  }
  return blocks;
}

// Whether `needle` appears as consecutive lines of `haystack` (indentation ignored).
bool contains_lines(const std::vector<std::string>& haystack, const std::vector<std::string>& needle) {
  if (needle.empty()) return true;
  for (std::size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    if (std::equal(needle.begin(), needle.end(), haystack.begin() + static_cast<std::ptrdiff_t>(i))) return true;
  }
  return false;
}

// The files whose code the test suite builds and runs.
std::vector<fs::path> compiled_sources() {
  std::vector<fs::path> files;
  for (const auto& entry : fs::recursive_directory_iterator(kRoot / "examples")) {
    const auto name = entry.path().filename().string();
    if (entry.path().extension() == ".cpp" || name == "CMakeLists.txt") files.push_back(entry.path());
  }
  return files;
}

const std::string kReadme = read_file(kRoot / "README.md");

}  // namespace

TEST_CASE("README.md opens with the two commands: the demo and the test suite") {
  REQUIRE_FALSE(kReadme.empty());
  const auto demo = kReadme.find("bash scripts/demo.sh"), test = kReadme.find("bash scripts/test.sh");
  REQUIRE(demo != std::string::npos);
  REQUIRE(test != std::string::npos);
  CHECK(demo < test);
  // Nothing but prose and the title before the first command.
  CHECK(kReadme.find("```") == kReadme.rfind("```", demo));
}

TEST_CASE("every C++ and CMake block of README.md is verbatim in a file that the test suite builds") {
  const auto blocks = code_blocks(kReadme);
  int checked = 0;
  for (const Block& b : blocks) {
    if (b.language != "cpp" && b.language != "cmake") continue;
    ++checked;
    const auto needle = stripped_lines(b.text);
    bool found = false;
    for (const fs::path& file : compiled_sources())
      found = found || contains_lines(stripped_lines(read_file(file)), needle);
    CHECK_MESSAGE(found, "README.md line " << b.line << ": this " << b.language
                                           << " block is not copied from examples/ (update both together):\n"
                                           << b.text);
  }
  CHECK(checked >= 3);
}

TEST_CASE("the scripts, examples and files README.md names exist") {
  const std::regex path_re(
      R"(((scripts|examples|datasets|data|benchmarks|cli)/[A-Za-z0-9_./-]+\.(sh|cpp|csv|gz|md|txt)))");
  int named = 0;
  for (auto it = std::sregex_iterator(kReadme.begin(), kReadme.end(), path_re); it != std::sregex_iterator(); ++it) {
    ++named;
    const std::string path = (*it)[1];
    CHECK_MESSAGE(fs::exists(kRoot / path), "README.md names " << path << ", which does not exist");
  }
  CHECK(named >= 5);
}

TEST_CASE("every C++ block of the quick tour is in examples/quick_tour.cpp: together they are that program") {
  // Checking each block against all examples would let the tour use a name that only another
  // example defines; one file means a reader who copies the blocks gets a program that builds.
  const auto tour = stripped_lines(read_file(kRoot / "examples" / "quick_tour.cpp"));
  const auto start = kReadme.find("## A quick tour");
  REQUIRE(start != std::string::npos);
  const auto end = kReadme.find("\n## ", start + 1);
  int checked = 0;
  for (const Block& b : code_blocks(kReadme.substr(start, end - start))) {
    if (b.language != "cpp") continue;
    CHECK_MESSAGE(contains_lines(tour, stripped_lines(b.text)), "this quick tour block is not in quick_tour.cpp:\n"
                                                                    << b.text);
    ++checked;
  }
  CHECK(checked >= 4);
}
