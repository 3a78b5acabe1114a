// Fuzzes the CSV loaders (data::read_csv, data::load_labeled_csv), plain and gzip. The first
// input byte picks the options, the rest is the file:
//   bit 0: gzip the rest before writing it (raw gzip inputs are recognised anyway)
//   bits 1-2: delimiter , ; TAB space    bits 3-4: skip_rows 0-3    bit 5: Float64 (else Float32)
//   bit 6: also load_labeled_csv (text labels included)   bit 7: label column 0 (else -1, the last)
// Any input either loads or throws the documented std::invalid_argument / std::out_of_range
// (bad content) or std::runtime_error (unreadable file) with a message.
#include <zlib.h>

#include <cstdint>
#include <stdexcept>

#include <xgrad/data/csv.hpp>

#include "scratch_file.hpp"

namespace {

void write_gzip(const std::string& path, const std::uint8_t* data, std::size_t size) {
  gzFile f = gzopen(path.c_str(), "wb");
  if (!f || (size && gzwrite(f, data, static_cast<unsigned>(size)) != static_cast<int>(size)) || gzclose(f) != Z_OK) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace xgrad;
  if (size == 0) return 0;
  const std::uint8_t flags = data[0];
  ++data, --size;
  const std::string& path = fuzz::scratch_path(".csv");
  if (flags & 1) {
    write_gzip(path, data, size);
  } else {
    fuzz::write_scratch(".csv", data, size);
  }
  static const char delimiters[] = {',', ';', '\t', ' '};
  data::CsvOptions options;
  options.delimiter(delimiters[(flags >> 1) & 3]).skip_rows((flags >> 3) & 3).dtype((flags & 32) ? kFloat64 : kFloat32);
  // Text labels load with load_labeled_csv where read_csv refuses them: each is tried on its own.
  auto documented_errors = [](auto&& load) {
    try {
      load();
    } catch (const std::invalid_argument& e) {
      fuzz::require_message(e.what());
    } catch (const std::out_of_range& e) {
      fuzz::require_message(e.what());
    } catch (const std::runtime_error& e) {
      fuzz::require_message(e.what());
    }
  };
  std::int64_t rows = -1, columns = -1;
  documented_errors([&] {
    Tensor t = data::read_csv(path, options);
    if (t.dim() != 2) std::abort();
    rows = t.size(0), columns = t.size(1);
  });
  if (flags & 64) {
    documented_errors([&] {
      data::LabeledData d = data::load_labeled_csv(path, options, (flags & 128) ? 0 : -1);
      if (d.labels.size(0) != d.features.size(0)) std::abort();
      if (rows >= 0 && (d.features.size(0) != rows || d.features.size(1) != columns - 1)) std::abort();
      for (std::int64_t label : d.labels.to_vector<std::int64_t>()) {
        if (!d.classes.empty() && (label < 0 || label >= static_cast<std::int64_t>(d.classes.size()))) std::abort();
      }
    });
  }
  return 0;
}
