// JsonTree: a JSON text parsed in one pass into a flat, read-only tree whose
// strings point into the text: how reports are read, since a shard report of
// a 10-minute run holds hundreds of thousands of values, and reading one
// through a JsonDocument (an allocation per value, a key set per object)
// took ~120 ms against ~11 ms through this.
// It accepts exactly what ParseJsonDocument accepts; when it refuses a text,
// ParseJsonDocument says where and why.
#ifndef LOADGATE_METRICS_REPORT_JSON_TREE_H_
#define LOADGATE_METRICS_REPORT_JSON_TREE_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace loadgate {

class JsonTree {
 public:
  // As nlohmann's: a non-negative integer is kUnsigned, a negative one
  // kInteger, one beyond 64 bits or with a fraction or exponent kFloat.
  enum class Type : uint8_t {
    kNull,
    kBoolean,
    kInteger,
    kUnsigned,
    kFloat,
    kString,
    kArray,
    kObject,
  };

  // One value. Containers are followed by their elements (members), each
  // followed by its own, so a value and all it holds are contiguous.
  class Value {
   public:
    Type type() const { return type_; }
    bool is_object() const { return type_ == Type::kObject; }
    bool is_array() const { return type_ == Type::kArray; }
    bool is_number() const {
      return type_ == Type::kInteger || type_ == Type::kUnsigned ||
             type_ == Type::kFloat;
    }
    // Either sign (nlohmann's is_number_integer).
    bool is_integer() const {
      return type_ == Type::kInteger || type_ == Type::kUnsigned;
    }
    bool is_unsigned() const { return type_ == Type::kUnsigned; }
    // "object", "number", ... (nlohmann's type_name).
    const char* type_name() const;

    // Numbers of any type, converted as nlohmann's get<T>() does (a
    // static_cast); 0 for anything else.
    int64_t as_int64() const { return NumberAs<int64_t>(); }
    uint64_t as_uint64() const { return NumberAs<uint64_t>(); }
    double as_double() const { return NumberAs<double>(); }
    bool as_bool() const { return scalar_.boolean; }
    std::string_view as_string() const { return {scalar_.string, size_}; }

    // Arrays: the element count; objects: the member count.
    size_t size() const { return size_; }
    // Of an object: the member named `key`; nullptr if none or not an
    // object.
    const Value* find(std::string_view key) const;
    // Of an object's member: its name.
    std::string_view key() const { return {key_, key_size_}; }

    // Iterates over the elements (members) in the text's order.
    class Iterator {
     public:
      explicit Iterator(const Value* at) : at_(at) {}
      const Value& operator*() const { return *at_; }
      const Value* operator->() const { return at_; }
      Iterator& operator++() {
        at_ += at_->span_;
        return *this;
      }
      bool operator!=(const Iterator& other) const { return at_ != other.at_; }

     private:
      const Value* at_;
    };
    Iterator begin() const { return Iterator(this + 1); }
    Iterator end() const { return Iterator(this + span_); }

   private:
    friend class JsonTree;

    template <typename T>
    T NumberAs() const {
      switch (type_) {
        case Type::kInteger:
          return static_cast<T>(scalar_.integer);
        case Type::kUnsigned:
          return static_cast<T>(scalar_.unsigned_integer);
        case Type::kFloat:
          return static_cast<T>(scalar_.number);
        default:
          return T{};
      }
    }

    Type type_ = Type::kNull;
    uint32_t span_ = 1;  // this value and all it holds, in Values
    uint32_t size_ = 0;  // elements, members or string bytes
    uint32_t key_size_ = 0;
    const char* key_ = nullptr;
    union {
      bool boolean;
      int64_t integer;
      uint64_t unsigned_integer;
      double number;
      const char* string;
    } scalar_{.unsigned_integer = 0};
  };

  // Parses all of `text`, which must outlive the tree; nullopt when
  // ParseJsonDocument would refuse it.
  // Texts of 4 GiB or more are refused too (the sizes are 32 bits).
  static std::optional<JsonTree> Parse(std::string_view text);

  // Values point into decoded_: moving keeps them in place, copying would
  // not.
  JsonTree(JsonTree&&) = default;
  JsonTree& operator=(JsonTree&&) = default;
  JsonTree(const JsonTree&) = delete;
  JsonTree& operator=(const JsonTree&) = delete;

  const Value& root() const { return values_.front(); }

 private:
  class Parser;

  JsonTree() = default;

  std::vector<Value> values_;
  // Strings that held escapes, decoded (a deque keeps them in place).
  std::deque<std::string> decoded_;
};

}  // namespace loadgate

#endif  // LOADGATE_METRICS_REPORT_JSON_TREE_H_
