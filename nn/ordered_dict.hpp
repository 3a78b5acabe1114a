// OrderedDict: LibTorch's insertion-ordered (key, value) list, the type of named_parameters(),
// named_buffers(), named_children() and state_dict(). It is a std::vector of items, so index
// and range-for work as on a vector, and each item reads both ways:
//   for (auto& p : net->named_parameters()) std::cout << p.key() << p.value().sizes();  // LibTorch
//   for (auto& [name, t] : net->named_parameters()) ...                                 // C++17
// Lookup by key (operator[](key), find, contains) is linear: modules hold few entries.
#pragma once
#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace xgrad::nn {

template <class Key, class Value>
struct OrderedDictItem {
  Key first;
  Value second;
  OrderedDictItem() = default;
  OrderedDictItem(Key k, Value v) : first(std::move(k)), second(std::move(v)) {}
  template <class K, class V>
  OrderedDictItem(const std::pair<K, V>& p) : first(p.first), second(p.second) {}  // NOLINT: from a map entry
  const Key& key() const noexcept { return first; }
  Value& value() noexcept { return second; }
  const Value& value() const noexcept { return second; }
  Value& operator*() noexcept { return second; }
  Value* operator->() noexcept { return &second; }
  const Value* operator->() const noexcept { return &second; }
  std::pair<Key, Value> pair() const { return {first, second}; }
  template <class K, class V>
  operator std::pair<K, V>() const {  // NOLINT: into a std::map
    return {first, second};
  }
};

template <class Key, class Value>
class OrderedDict : public std::vector<OrderedDictItem<Key, Value>> {
  using Base = std::vector<OrderedDictItem<Key, Value>>;

 public:
  using Item = OrderedDictItem<Key, Value>;
  using Base::Base;
  using Base::operator[];

  // The value under `key`; std::out_of_range naming the key when there is none.
  Value& operator[](const Key& key) { return at_key(key); }
  const Value& operator[](const Key& key) const { return const_cast<OrderedDict&>(*this).at_key(key); }
  // A pointer to the value under `key`, or nullptr.
  Value* find(const Key& key) noexcept {
    for (auto& item : *this)
      if (item.first == key) return &item.second;
    return nullptr;
  }
  const Value* find(const Key& key) const noexcept { return const_cast<OrderedDict&>(*this).find(key); }
  bool contains(const Key& key) const noexcept { return find(key) != nullptr; }
  // Appends; std::invalid_argument if the key is already present (as LibTorch's insert).
  Value& insert(Key key, Value value) {
    if (contains(key)) throw std::invalid_argument("OrderedDict::insert: key '" + key + "' already defined");
    this->emplace_back(std::move(key), std::move(value));
    return this->back().second;
  }
  const Base& items() const noexcept { return *this; }
  std::vector<Key> keys() const {
    std::vector<Key> out;
    for (const auto& item : *this) out.push_back(item.first);
    return out;
  }
  std::vector<Value> values() const {
    std::vector<Value> out;
    for (const auto& item : *this) out.push_back(item.second);
    return out;
  }

 private:
  Value& at_key(const Key& key) {
    if (Value* v = find(key)) return *v;
    throw std::out_of_range("OrderedDict: no key '" + key + "'");
  }
};

}  // namespace xgrad::nn
