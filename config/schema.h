#pragma once

// Declarative schemas: one line per config key, mapping YAML onto the plain config structs
// that core components declare. See config/README.md for how to add a section.
//
//   void describe(Schema<DecodeConfig>& s) {
//     s.size("max_record_bytes", &DecodeConfig::max_record_bytes,
//            "Longest record accepted; longer ones are dropped and counted.").min(1);
//     s.field("preset", &DecodeConfig::preset, "Field mapping of the input.");
//   }
//
// A schema is built once, on first use, by calling the `describe` overload for its type (found
// by argument-dependent lookup, so declare it in namespace stitch::config or in the struct's
// own namespace), and is immutable afterwards. The kind of each key follows from the member's
// type: bool, integers, float/double, std::string, enums (named by describe(EnumSchema<E>&)),
// std::chrono durations, nested structs, Box<struct>, std::vector, std::optional,
// std::map<std::string, V>. Sizes in bytes are std::uint64_t members declared with size().
// A struct may hold one tagged union (a std::variant selected by a `type` key, oneOf()).
// Each struct's `ConfigProblems validate() const`, when it has one, runs after its keys are
// read, and its problems are reported at the offending key's position.

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "config/codecs.h"
#include "config/decoder.h"
#include "config/node.h"
#include "config/text.h"
#include "config/yaml_writer.h"
#include "core/common/config_problem.h"

namespace stitch::config {

// ---------------------------------------------------------------------------------------------
// Fields of a struct.

template <class T>
class FieldBase {
public:
  virtual ~FieldBase() = default;
  const std::string& key() const { return key_; }
  const std::string& description() const { return description_; }
  bool isRequired() const { return required_; }

  // `value` is the node under the key, or null when the key is not in the file. The decoder
  // is already scoped to the key.
  virtual void decode(const Node* value, T& object, Decoder& d) const = 0;
  // Comments (when the writer wants them), the key and its value.
  virtual void write(const T& object, YamlWriter& w) const = 0;
  virtual FieldDoc doc(const T& object) const = 0;

protected:
  FieldBase(std::string key, std::string description)
      : key_(std::move(key)), description_(std::move(description)) {}

  std::string key_;
  std::string description_;
  bool required_ = false;
};

namespace detail {
// For an empty list of mappings: one commented item per kind, so that the default config shows
// every key even where the default has none. Empty when there is nothing to show.
template <class C, class V>
std::string exampleOf(const C& codec, const V& value, const YamlWriter& w) {
  if constexpr (requires {
                  codec.examples();
                  codec.element();
                }) {
    if (!value.empty() || !w.comments() || w.inExample()) {
      return {};
    }
    // The example is written two columns in, after the "# " of the comment.
    YamlWriter example(/*comments=*/true, YamlWriter::Root::kSequence, /*in_example=*/true,
                       w.width() - w.commentIndent() - 4);
    for (const auto& element : codec.examples()) {
      example.item();
      codec.element().write(element, example);
    }
    std::string text = "\n";
    std::size_t start = 0;
    const std::string& body = example.text();
    while (start < body.size()) {
      const std::size_t end = body.find('\n', start);
      text += cat("  ", std::string_view(body).substr(start, end - start), "\n");
      start = end + 1;
    }
    return text;
  } else {
    return {};
  }
}
}  // namespace detail

// One key mapped onto one member. Returned by Schema::field()/size() so that constraints
// chain: s.field("port", &C::port, "...").min(1).max(65535);
template <class T, class M, class C>
class Field final : public FieldBase<T> {
public:
  Field(std::string key, M T::*member, std::string description, C codec)
      : FieldBase<T>(std::move(key), std::move(description)),
        member_(member),
        codec_(std::move(codec)) {}

  // The key must be in the file (its default is never used).
  Field& required() {
    this->required_ = true;
    return *this;
  }
  // Inclusive bounds: numbers, durations (any std::chrono unit) and sizes; for lists and
  // optionals they bound each value.
  template <class B>
  Field& min(const B& bound) requires requires(C& c) {
    c.setMin(bound);
  }
  {
    codec_.setMin(bound);
    return *this;
  }
  template <class B>
  Field& max(const B& bound) requires requires(C& c) {
    c.setMax(bound);
  }
  {
    codec_.setMax(bound);
    return *this;
  }
  // Strings, lists and maps: an empty value is an error.
  Field& nonEmpty() requires requires(C& c) { c.setNonEmpty(); }
  {
    codec_.setNonEmpty();
    return *this;
  }

  void decode(const Node* value, T& object, Decoder& d) const override {
    if (value != nullptr) {
      codec_.decode(*value, object.*member_, d);
    } else if constexpr (requires { codec_.decodeAbsent(object.*member_, d); }) {
      codec_.decodeAbsent(object.*member_, d);
    }
  }

  void write(const T& object, YamlWriter& w) const override {
    const M& value = object.*member_;
    if (w.comments()) {
      const std::string example = detail::exampleOf(codec_, value, w);
      std::string comment = fieldComment(this->description_, codec_.doc(), this->required_);
      if (!example.empty()) {
        comment += " Empty by default; for example:";
      }
      w.comment(comment);
      w.commentVerbatim(example);
    }
    w.key(this->key_);
    codec_.write(value, w);
  }

  FieldDoc doc(const T& object) const override {
    FieldDoc d;
    d.key = this->key_;
    d.description = this->description_;
    d.required = this->required_;
    d.type = codec_.doc();
    const M& value = object.*member_;
    d.default_text = codec_.flow(value).value_or("");
    if constexpr (std::is_class_v<M> && std::is_same_v<C, StructCodec<M>>) {
      d.nested_instance = &value;
    } else if constexpr (detail::IsBox<M>::value) {
      d.nested_instance = &*value;
    }
    return d;
  }

private:
  M T::*member_;
  C codec_;
};

// The keys of a struct member shown at its parent's level (Schema::embed).
template <class T, class Sub>
class EmbeddedField final : public FieldBase<T> {
public:
  EmbeddedField(Sub T::*member, const FieldBase<Sub>& inner)
      : FieldBase<T>(inner.key(), inner.description()), member_(member), inner_(inner) {
    this->required_ = inner.isRequired();
  }
  void decode(const Node* value, T& object, Decoder& d) const override {
    inner_.decode(value, object.*member_, d);
  }
  void write(const T& object, YamlWriter& w) const override { inner_.write(object.*member_, w); }
  FieldDoc doc(const T& object) const override { return inner_.doc(object.*member_); }

private:
  Sub T::*member_;
  const FieldBase<Sub>& inner_;
};

// ---------------------------------------------------------------------------------------------
// Tagged unions: a std::variant member whose alternative is chosen by a `type` key; the
// alternative's own keys sit next to `type` in the same mapping.

template <class T>
class UnionBase : public FieldBase<T> {
public:
  virtual std::vector<std::string> typeNames() const = 0;
  // Reads the type key's value and switches the variant; the index, or -1 after a problem.
  virtual int decodeType(const Node& value, T& object, Decoder& d) const = 0;
  virtual int active(const T& object) const = 0;
  // Reads one key of alternative `alt`; false when it is not one of its keys.
  virtual bool decodeEntry(int alt, const Entry& entry, T& object, Decoder& d) const = 0;
  // After every key was read: required and absent keys, the alternative's validate().
  virtual void finish(int alt,
                      const Node* node,
                      const std::set<std::string>& seen,
                      T& object,
                      Decoder& d) const = 0;
  virtual std::vector<std::string> keysOf(int alt) const = 0;
  // The types having `key` among their keys.
  virtual std::vector<std::string> typesWithKey(std::string_view key) const = 0;
  virtual std::vector<T> examples() const = 0;

protected:
  using FieldBase<T>::FieldBase;
};

template <class T>
void collectValidation(const Schema<T>& schema, const T& object, ConfigProblems& out);

template <class T, class V>
class UnionField final : public UnionBase<T> {
public:
  UnionField(std::string key, V T::*member, std::string description)
      : UnionBase<T>(std::move(key), std::move(description)), member_(member) {}

  // Adds a type: `name` selects alternative Alt of the variant, whose keys come from
  // describe(Schema<Alt>&). Alt's schema is resolved on first use, so alternatives may hold
  // the union's own struct (recursion).
  template <class Alt>
  UnionField& alternative(std::string name, std::string description) {
    static_assert(VariantIndex<Alt>::value < std::variant_size_v<V>,
                  "Alt must be one of the variant's alternatives");
    for (const auto& a : alternatives_) {
      if (a->name == name || a->index() == VariantIndex<Alt>::value) {
        throw std::logic_error("union type registered twice: " + name);
      }
    }
    if (description.empty()) {
      throw std::logic_error("union type without a description: " + name);
    }
    alternatives_.push_back(
        std::make_unique<AlternativeImpl<Alt>>(std::move(name), std::move(description)));
    return *this;
  }

  std::vector<std::string> typeNames() const override {
    std::vector<std::string> names;
    for (const auto& a : alternatives_) {
      names.push_back(a->name);
    }
    return names;
  }

  int decodeType(const Node& value, T& object, Decoder& d) const override {
    if (value.poisoned) {
      return -1;
    }
    if (!value.isScalar()) {
      d.error(value.mark,
              detail::expectedButGot(cat("expected one of ", joinNames(typeNames())), value));
      return -1;
    }
    for (std::size_t i = 0; i < alternatives_.size(); ++i) {
      if (alternatives_[i]->name == value.scalar) {
        V& variant = object.*member_;
        if (variant.index() != alternatives_[i]->index()) {
          alternatives_[i]->emplace(variant);
        }
        return static_cast<int>(i);
      }
    }
    std::string message = cat("unknown type \"", value.scalar, "\"");
    if (auto suggestion = closestMatch(value.scalar, typeNames())) {
      message += cat("; did you mean \"", *suggestion, "\"?");
    } else {
      message += cat("; expected one of ", joinNames(typeNames()));
    }
    d.error(value.mark, std::move(message));
    return -1;
  }

  int active(const T& object) const override {
    const std::size_t index = (object.*member_).index();
    for (std::size_t i = 0; i < alternatives_.size(); ++i) {
      if (alternatives_[i]->index() == index) {
        return static_cast<int>(i);
      }
    }
    return -1;
  }

  bool decodeEntry(int alt, const Entry& entry, T& object, Decoder& d) const override {
    return alternatives_[static_cast<std::size_t>(alt)]->decodeEntry(entry, object.*member_, d);
  }

  void finish(int alt,
              const Node* node,
              const std::set<std::string>& seen,
              T& object,
              Decoder& d) const override {
    alternatives_[static_cast<std::size_t>(alt)]->finish(node, seen, object.*member_, d);
  }

  std::vector<std::string> keysOf(int alt) const override {
    return alternatives_[static_cast<std::size_t>(alt)]->keys();
  }

  std::vector<std::string> typesWithKey(std::string_view key) const override {
    std::vector<std::string> names;
    for (const auto& a : alternatives_) {
      const auto keys = a->keys();
      if (std::find(keys.begin(), keys.end(), key) != keys.end()) {
        names.push_back(a->name);
      }
    }
    return names;
  }

  std::vector<T> examples() const override {
    std::vector<T> out;
    for (const auto& a : alternatives_) {
      T object{};
      a->emplace(object.*member_);
      out.push_back(std::move(object));
    }
    return out;
  }

  void decode(const Node*, T&, Decoder&) const override {}  // Schema::decode drives unions

  void write(const T& object, YamlWriter& w) const override {
    const int alt = active(object);
    if (w.comments()) {
      w.comment(
          fieldComment(this->description_, TypeDoc{"type", typeNames(), {}, nullptr, {}}, false));
    }
    w.key(this->key_);
    if (alt < 0) {
      w.scalar("null");  // a variant alternative without a name: a schema bug
      return;
    }
    const auto& a = *alternatives_[static_cast<std::size_t>(alt)];
    w.scalar(a.name);
    a.writeFields(object.*member_, w);
  }

  FieldDoc doc(const T& object) const override {
    FieldDoc d;
    d.key = this->key_;
    d.description = this->description_;
    d.required = true;
    d.type = TypeDoc{"type", typeNames(), {}, nullptr, {}};
    const int alt = active(object);
    d.default_text = alt < 0 ? "" : alternatives_[static_cast<std::size_t>(alt)]->name;
    for (const auto& a : alternatives_) {
      d.alternatives.push_back(AlternativeDoc{a->name, a->description, a->info()});
    }
    return d;
  }

private:
  template <class Alt, class Variant = V>
  struct VariantIndex;
  template <class Alt, class... As>
  struct VariantIndex<Alt, std::variant<As...>> {
    static constexpr std::size_t value = [] {
      constexpr bool matches[] = {std::is_same_v<Alt, As>...};
      for (std::size_t i = 0; i < sizeof...(As); ++i) {
        if (matches[i]) {
          return i;
        }
      }
      return sizeof...(As);
    }();
  };

  struct Alternative {
    Alternative(std::string n, std::string d) : name(std::move(n)), description(std::move(d)) {}
    virtual ~Alternative() = default;
    virtual std::size_t index() const = 0;
    virtual void emplace(V& variant) const = 0;
    virtual bool decodeEntry(const Entry& entry, V& variant, Decoder& d) const = 0;
    virtual void finish(const Node* node,
                        const std::set<std::string>& seen,
                        V& variant,
                        Decoder& d) const = 0;
    virtual std::vector<std::string> keys() const = 0;
    virtual void writeFields(const V& variant, YamlWriter& w) const = 0;
    using InfoFunction = const StructInfo* (*)();
    virtual InfoFunction info() const = 0;
    std::string name;
    std::string description;
  };

  template <class Alt>
  struct AlternativeImpl final : Alternative {
    using Alternative::Alternative;
    std::size_t index() const override { return VariantIndex<Alt>::value; }
    void emplace(V& variant) const override { variant.template emplace<Alt>(); }
    bool decodeEntry(const Entry& entry, V& variant, Decoder& d) const override {
      const FieldBase<Alt>* field = schemaOf<Alt>().find(entry.key);
      if (field == nullptr) {
        return false;
      }
      const Decoder::Scope scope(d, entry.key, entry.key_mark);
      field->decode(&entry.value, std::get<Alt>(variant), d);
      return true;
    }
    void finish(const Node* node,
                const std::set<std::string>& seen,
                V& variant,
                Decoder& d) const override {
      Alt& object = std::get<Alt>(variant);
      const Schema<Alt>& schema = schemaOf<Alt>();
      schema.decodeMissing(seen, object, d);
      ConfigProblems problems;
      collectValidation(schema, object, problems);
      d.reportValidation(node, problems);
    }
    std::vector<std::string> keys() const override { return schemaOf<Alt>().keys(); }
    void writeFields(const V& variant, YamlWriter& w) const override {
      schemaOf<Alt>().writeFields(std::get<Alt>(variant), w);
    }
    typename Alternative::InfoFunction info() const override { return &structInfoOf<Alt>; }
  };

  V T::*member_;
  std::vector<std::unique_ptr<Alternative>> alternatives_;
};

// ---------------------------------------------------------------------------------------------
// The schema of one struct.

template <class T>
class Schema final : public StructInfo {
public:
  // Maps `key` onto `member`; the kind of value follows from the member's type.
  template <class M>
  auto& field(std::string key, M T::*member, std::string description) {
    return add(std::move(key), member, std::move(description), defaultCodec<M>());
  }

  // Maps `key` onto a byte count (std::uint64_t, or an optional/vector of them), written as
  // 64KiB, 256MiB, 10MB or a plain number of bytes.
  template <class M>
  auto& size(std::string key, M T::*member, std::string description) {
    return add(std::move(key), member, std::move(description), sizeCodec<M>());
  }

  // Shows the keys of struct member `member` at this level, as if they were this struct's
  // (RuntimeConfig's `shutdown_timeout` at the top of stitch.yaml). Its validate() runs too.
  template <class Sub>
  void embed(Sub T::*member) {
    const Schema<Sub>& sub = schemaOf<Sub>();
    if (sub.union_ != nullptr) {
      throw std::logic_error("an embedded struct cannot hold a union");
    }
    for (const auto& f : sub.fields_) {
      checkNewKey(f->key(), f->description());
      fields_.push_back(std::make_unique<EmbeddedField<T, Sub>>(member, *f));
    }
    embedded_.push_back([member, &sub](const T& object, ConfigProblems& out) {
      collectValidation(sub, object.*member, out);
    });
  }

  // The struct's tagged union: `key` (usually "type") selects the alternative of the variant
  // `member`. Add the types with .alternative<Alt>("name", "description"). One per struct.
  template <class V>
  UnionField<T, V>& oneOf(std::string key, V T::*member, std::string description) {
    static_assert(detail::IsVariant<V>::value, "oneOf() maps a std::variant member");
    if (union_ != nullptr) {
      throw std::logic_error("a struct holds at most one union");
    }
    checkNewKey(key, description);
    auto field = std::make_unique<UnionField<T, V>>(std::move(key), member, std::move(description));
    UnionField<T, V>& ref = *field;
    union_ = field.get();
    fields_.push_back(std::move(field));
    return ref;
  }

  // ---- used by the loader and the generators ----

  bool empty() const { return fields_.empty(); }

  const FieldBase<T>* find(std::string_view key) const {
    for (const auto& f : fields_) {
      if (f->key() == key && f.get() != union_) {
        return f.get();
      }
    }
    return nullptr;
  }

  std::vector<std::string> keys() const {
    std::vector<std::string> out;
    for (const auto& f : fields_) {
      out.push_back(f->key());
    }
    return out;
  }

  // Reads a mapping into `object` (whose members keep their defaults for absent keys).
  // `node` null: the struct is not in the file (required keys are still reported); a null
  // node (`log:` with nothing after it) reads as an empty mapping.
  void decode(const Node* node, T& object, Decoder& d) const;

  // Reports required keys of this schema missing from `seen`; lets absent nested structs
  // check theirs.
  void decodeMissing(const std::set<std::string>& seen, T& object, Decoder& d) const {
    for (const auto& f : fields_) {
      if (f.get() == union_ || seen.count(f->key()) != 0) {
        continue;
      }
      const Decoder::Scope scope(d, f->key(), d.anchor());
      if (f->isRequired()) {
        d.error(d.anchor(), "required key is missing");
      } else {
        f->decode(nullptr, object, d);
      }
    }
  }

  void writeFields(const T& object, YamlWriter& w) const {
    for (const auto& f : fields_) {
      f->write(object, w);
    }
  }

  // Default objects for a commented example: one per union type, or just T{}.
  std::vector<T> examples() const {
    if (union_ != nullptr) {
      return union_->examples();
    }
    return {T{}};
  }

  void document(const void* instance,
                const std::function<void(const FieldDoc&)>& sink) const override {
    std::optional<T> local;
    const T* object = static_cast<const T*>(instance);
    if (object == nullptr) {
      local.emplace();
      object = &*local;
    }
    for (const auto& f : fields_) {
      sink(f->doc(*object));
    }
  }

private:
  template <class>
  friend class Schema;
  template <class U>
  friend void collectValidation(const Schema<U>&, const U&, ConfigProblems&);

  template <class M, class C>
  Field<T, M, C>& add(std::string key, M T::*member, std::string description, C codec) {
    checkNewKey(key, description);
    auto field = std::make_unique<Field<T, M, C>>(std::move(key), member, std::move(description),
                                                  std::move(codec));
    Field<T, M, C>& ref = *field;
    fields_.push_back(std::move(field));
    return ref;
  }

  void checkNewKey(const std::string& key, const std::string& description) const {
    bool snake = !key.empty() && key[0] >= 'a' && key[0] <= 'z';
    for (const char c : key) {
      snake = snake && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
    }
    if (!snake) {
      throw std::logic_error("config keys are lower_snake_case: \"" + key + "\"");
    }
    if (description.empty()) {
      throw std::logic_error("config key without a description: \"" + key + "\"");
    }
    for (const auto& f : fields_) {
      if (f->key() == key) {
        throw std::logic_error("config key registered twice: \"" + key + "\"");
      }
    }
  }

  void unknownKey(const Entry& entry, int alt, Decoder& d) const;

  std::vector<std::unique_ptr<FieldBase<T>>> fields_;
  UnionBase<T>* union_ = nullptr;  // owned by fields_
  std::vector<std::function<void(const T&, ConfigProblems&)>> embedded_;
};

// Builds (once, on first use) and returns the schema of T, by calling describe(Schema<T>&).
template <class T>
const Schema<T>& schemaOf() {
  static const Schema<T> schema = [] {
    Schema<T> s;
    describe(s);  // declare `void describe(Schema<T>&)` in the section file that maps T
    return s;
  }();
  return schema;
}

// The problems of T's own validate() (when it has one) and of its embedded members.
template <class T>
void collectValidation(const Schema<T>& schema, const T& object, ConfigProblems& out) {
  if constexpr (requires {
                  { object.validate() } -> std::convertible_to<ConfigProblems>;
                }) {
    for (auto& p : object.validate()) {
      out.push_back(std::move(p));
    }
  }
  for (const auto& embedded : schema.embedded_) {
    embedded(object, out);
  }
}

std::string unknownKeyMessage(std::string_view key, const std::vector<std::string>& candidates);

template <class T>
void Schema<T>::unknownKey(const Entry& entry, int alt, Decoder& d) const {
  const std::string path = childPath(d.path(), entry.key);
  std::vector<std::string> candidates = keys();
  if (union_ != nullptr && alt >= 0) {
    const auto owners = union_->typesWithKey(entry.key);
    if (!owners.empty()) {
      d.errorAt(entry.key_mark, path,
                cat("not a key of type \"", union_->typeNames()[static_cast<std::size_t>(alt)],
                    "\" (it belongs to type ", joinNames(owners), ")"));
      return;
    }
    for (auto& k : union_->keysOf(alt)) {
      candidates.push_back(std::move(k));
    }
  } else if (union_ != nullptr) {
    for (std::size_t i = 0; i < union_->typeNames().size(); ++i) {
      for (auto& k : union_->keysOf(static_cast<int>(i))) {
        if (std::find(candidates.begin(), candidates.end(), k) == candidates.end()) {
          candidates.push_back(std::move(k));
        }
      }
    }
  }
  d.errorAt(entry.key_mark, path, unknownKeyMessage(entry.key, candidates));
}

template <class T>
void Schema<T>::decode(const Node* node, T& object, Decoder& d) const {
  if (node != nullptr && node->poisoned) {
    return;
  }
  if (node != nullptr && !node->isMapping() && !node->isNull()) {
    d.error(node->mark,
            cat("expected a mapping (keys ", joinNames(keys()), "), got ", describeValue(*node)));
    return;
  }
  const bool mapping = node != nullptr && node->isMapping();

  int alt = -1;
  if (union_ != nullptr) {
    const Entry* type_entry = mapping ? node->find(union_->key()) : nullptr;
    if (type_entry != nullptr) {
      const Decoder::Scope scope(d, type_entry->key, type_entry->key_mark);
      alt = union_->decodeType(type_entry->value, object, d);
    } else if (node != nullptr) {
      d.errorAt(d.anchor(), childPath(d.path(), union_->key()),
                cat("required key is missing; one of ", joinNames(union_->typeNames())));
    } else {
      alt = union_->active(object);  // not in the file: the default type
    }
  }

  std::set<std::string> seen;
  if (mapping) {
    for (const Entry& entry : node->entries) {
      seen.insert(entry.key);
      if (union_ != nullptr && entry.key == union_->key()) {
        continue;
      }
      if (const FieldBase<T>* field = find(entry.key)) {
        const Decoder::Scope scope(d, entry.key, entry.key_mark);
        field->decode(&entry.value, object, d);
        continue;
      }
      if (alt >= 0 && union_->decodeEntry(alt, entry, object, d)) {
        continue;
      }
      if (alt < 0 && union_ != nullptr && !union_->typesWithKey(entry.key).empty()) {
        continue;  // a key of some type: without a valid type, nothing more to say
      }
      unknownKey(entry, alt, d);
    }
  }

  decodeMissing(seen, object, d);
  if (alt >= 0) {
    union_->finish(alt, mapping ? node : nullptr, seen, object, d);
  }
  ConfigProblems problems;
  collectValidation(*this, object, problems);
  d.reportValidation(mapping ? node : nullptr, problems);
}

}  // namespace stitch::config
