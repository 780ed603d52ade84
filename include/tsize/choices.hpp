// Choices — every enumerated option of tsize declared once.
//
// Each enum that a user picks from (a flag's value, a JSON string) has one table beside it: for
// every value its name (what the flag takes and JSON prints), its label for people and a line of
// help. Parsing, printing, the CLI's choices, the completion script and the docs tables all read
// that table, so they cannot drift apart.
//
//   template <> struct ChoiceTable<Precision> {
//     static constexpr std::string_view kFlag = "--precision";
//     static constexpr std::array<Choice<Precision>, 6> kChoices{{{Precision::kFp32, "fp32",
//         "fp32", "everything fp32"}, ...}};
//   };
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "tsize/error.hpp"

namespace tsize {

template <class E>
struct Choice {
  E value;
  std::string_view name;   // the flag's value and the JSON string: "amp-bf16"
  std::string_view label;  // for people, where it differs: "RMSNorm"
  std::string_view help;   // one line for --help and docs/cli.md
};

// Specialised beside each enum with kFlag and kChoices (above).
template <class E>
struct ChoiceTable;

template <class E>
concept Chosen = requires {
  ChoiceTable<E>::kChoices;
};

template <Chosen E>
constexpr const auto& choices() {
  return ChoiceTable<E>::kChoices;
}

template <Chosen E>
constexpr const Choice<E>& choice_of(E v) {
  for (const Choice<E>& c : choices<E>()) {
    if (c.value == v) return c;
  }
  return choices<E>().front();  // unreachable for a complete table (tests check every table)
}

// The value's name: "amp-bf16".
template <Chosen E>
constexpr const char* to_string(E v) {
  return choice_of(v).name.data();
}

// The value's label for people: "RMSNorm".
template <Chosen E>
constexpr std::string_view label_of(E v) {
  return choice_of(v).label;
}

// "a, b or c" — the names, as an error message lists them.
template <Chosen E>
std::string choice_list() {
  std::string out;
  const auto& all = choices<E>();
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (i > 0) out += i + 1 == all.size() ? " or " : ", ";
    out += all[i].name;
  }
  return out;
}

// The names, in table order (the CLI's allowed values).
template <Chosen E>
std::vector<std::string> choice_names() {
  std::vector<std::string> out;
  for (const Choice<E>& c : choices<E>()) out.emplace_back(c.name);
  return out;
}

// The value named `text`. Throws Error naming the flag, the text and the choices.
template <Chosen E>
E parse_choice(std::string_view text) {
  for (const Choice<E>& c : choices<E>()) {
    if (c.name == text) return c.value;
  }
  throw Error(std::string(ChoiceTable<E>::kFlag) + " " + std::string(text) + ": expected " +
              choice_list<E>());
}

}  // namespace tsize
