// Device in LibTorch's spelling. xgrad computes on the CPU only: Device(kCUDA) can be named
// (so that "GPU if available" code compiles), cuda::is_available() is false, and moving a
// tensor or module to a CUDA device throws std::runtime_error saying so.
#pragma once
#include <cstdint>
#include <ostream>
#include <stdexcept>
#include <string>

namespace xgrad {

enum class DeviceType : std::int8_t { CPU = 0, CUDA = 1 };
inline constexpr DeviceType kCPU = DeviceType::CPU;
inline constexpr DeviceType kCUDA = DeviceType::CUDA;

class Device {
 public:
  using DeviceIndex = std::int8_t;
  Device(DeviceType type, DeviceIndex index = -1) : type_(type), index_(index) {}  // NOLINT: kCPU converts
  // "cpu", "cuda", "cuda:1" as LibTorch; anything else throws std::invalid_argument.
  Device(const std::string& spec) : Device(parse(spec)) {}  // NOLINT: Device("cpu")
  Device(const char* spec) : Device(std::string(spec)) {}   // NOLINT
  DeviceType type() const noexcept { return type_; }
  DeviceIndex index() const noexcept { return index_; }
  bool has_index() const noexcept { return index_ != -1; }
  bool is_cpu() const noexcept { return type_ == DeviceType::CPU; }
  bool is_cuda() const noexcept { return type_ == DeviceType::CUDA; }
  std::string str() const {
    std::string s = is_cpu() ? "cpu" : "cuda";
    return has_index() ? s + ":" + std::to_string(index_) : s;
  }
  bool operator==(const Device& o) const noexcept { return type_ == o.type_ && index_ == o.index_; }
  bool operator!=(const Device& o) const noexcept { return !(*this == o); }

 private:
  static Device parse(const std::string& spec) {
    const auto colon = spec.find(':');
    const std::string kind = spec.substr(0, colon);
    DeviceIndex index = -1;
    if (colon != std::string::npos) {
      const std::string digits = spec.substr(colon + 1);
      if (digits.empty() || digits.size() > 2 || digits.find_first_not_of("0123456789") != std::string::npos)
        throw std::invalid_argument("Device: invalid device index in '" + spec + "'");
      index = static_cast<DeviceIndex>(std::stoi(digits));
    }
    if (kind == "cpu") return Device(DeviceType::CPU, index);
    if (kind == "cuda") return Device(DeviceType::CUDA, index);
    throw std::invalid_argument("Device: expected 'cpu' or 'cuda[:N]', got '" + spec + "' (xgrad runs on the CPU)");
  }
  DeviceType type_;
  DeviceIndex index_;
};

inline std::ostream& operator<<(std::ostream& os, const Device& d) { return os << d.str(); }
inline std::ostream& operator<<(std::ostream& os, DeviceType t) { return os << (t == kCPU ? "cpu" : "cuda"); }

// Throws unless `d` is the CPU: the one check every .to(device) goes through.
inline void check_cpu_device(const Device& d, const char* op) {
  if (!d.is_cpu()) {
    throw std::runtime_error(std::string(op) + ": xgrad is CPU-only and cannot move data to " + d.str() +
                             " (cuda::is_available() is always false)");
  }
}

namespace cuda {
inline bool is_available() noexcept { return false; }
inline std::int64_t device_count() noexcept { return 0; }
inline bool cudnn_is_available() noexcept { return false; }
}  // namespace cuda

}  // namespace xgrad
