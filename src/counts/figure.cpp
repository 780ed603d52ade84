#include "tsize/figure.hpp"

#include <algorithm>
#include <cstring>

namespace tsize {
namespace {

std::string factor_text(const Input& in) { return in.name ? in.name : to_string(in.value); }

// "2*b*s*in*out", the product's formula.
std::string product_formula(std::span<const Input> inputs) {
  std::string out;
  for (const Input& in : inputs) {
    if (!in.name && in.value == 1) continue;  // an absent factor (a token count of 1 row)
    if (!out.empty()) out += '*';
    out += factor_text(in);
  }
  return out.empty() ? "1" : out;
}

bool identifier_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// True if `name` appears in `formula` as a whole identifier.
bool mentions(const std::string& formula, const char* name) {
  const std::size_t n = std::strlen(name);
  for (std::size_t at = formula.find(name); at != std::string::npos;
       at = formula.find(name, at + 1)) {
    const bool starts = at == 0 || !identifier_char(formula[at - 1]);
    const bool ends = at + n == formula.size() || !identifier_char(formula[at + n]);
    if (starts && ends) return true;
  }
  return false;
}

// The named inputs the formula uses: literals are in the formula itself.
std::vector<Input> used(const std::string& formula, std::span<const Input> inputs) {
  std::vector<Input> out;
  for (const Input& in : inputs) {
    if (in.name && mentions(formula, in.name)) out.push_back(in);
  }
  return out;
}

}  // namespace

Count product(std::span<const Input> inputs, const char* what) {
  Count v = 1;
  for (const Input& in : inputs) v = mul(v, in.value, what);
  return v;
}

Count Figure::product(const char* label, std::span<const Input> inputs, TermKind kind) {
  const Count v = tsize::product(inputs, "a count");
  std::string text = product_formula(inputs);
  std::vector<Input> names = used(text, inputs);
  terms_.push_back(Term{label, std::move(text), v, kind, std::move(names)});
  return v;
}

void Figure::formula(const char* label, Count value, const char* formula,
                     std::initializer_list<Input> inputs, TermKind kind) {
  terms_.push_back(Term{label, formula, value, kind, used(formula, as_span(inputs))});
}

Count Figure::value() const {
  Count v = 0;
  for (const Term& t : terms_) v = add(v, t.value, "a count");
  return v;
}

std::string Figure::formula() const {
  if (terms_.empty()) return "0";
  std::string out;
  for (const Term& t : terms_) {
    if (!out.empty()) out += " + ";
    out += t.formula;
  }
  return out;
}

std::vector<Input> Figure::inputs() const {
  std::vector<Input> out;
  for (const Term& t : terms_) {
    for (const Input& in : t.inputs) {
      const bool seen = std::any_of(out.begin(), out.end(), [&](const Input& o) {
        return std::strcmp(o.name, in.name) == 0;
      });
      if (!seen) out.push_back(in);
    }
  }
  return out;
}

}  // namespace tsize
