// Figure — a number together with its formula, the inputs put into it and its source.
//
// Every per-op figure (an op's parameters, forward FLOPs, bytes saved for backward) comes from
// one function that writes its terms to a sink. The counting folds pass a sink that only adds the
// values; --explain passes a Figure, which keeps everything. So the number a count uses and the
// formula --explain prints are the same object, and cannot drift.
//
// A term is a product of named sizes ("b*s*h*fp32": inputs b, s, h, fp32) or, where it is not a
// product, a formula over its inputs ("b*a*s*(s+1)/2"). Formulas are ASCII expressions over the
// inputs' names, integer literals, + - * / ( ) and min max ceil floor; evaluated exactly they
// equal the value (a test checks this for every op of every preset).
#pragma once

#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tsize/count.hpp"

namespace tsize {

// A named input of a formula. A null name is an integer literal (printed as its value).
struct Input {
  const char* name = nullptr;
  Count value = 0;
};

// What a term counts: FLOPs are matmul or other (pointwise); bytes and parameters are kPlain.
enum class TermKind { kPlain, kMatmul, kPointwise };

// The product of the inputs' values (checked: throws Error naming `what` on overflow).
Count product(std::span<const Input> inputs, const char* what);

inline std::span<const Input> as_span(std::initializer_list<Input> inputs) {
  return {inputs.begin(), inputs.size()};
}

struct Term {
  std::string label;    // what the term is: "matmul", "softmax probabilities"
  std::string formula;  // over the inputs' names
  Count value = 0;
  TermKind kind = TermKind::kPlain;
  std::vector<Input> inputs;
};

// The sink --explain passes: every term with its formula and inputs.
class Figure {
 public:
  void set_source(std::string_view source) { source_ = source; }
  // A term that is the product of its inputs.
  Count product(const char* label, std::span<const Input> inputs, TermKind kind = TermKind::kPlain);
  Count product(const char* label, std::initializer_list<Input> inputs,
                TermKind kind = TermKind::kPlain) {
    return product(label, as_span(inputs), kind);
  }
  // A term given by a formula over its inputs, with its value.
  void formula(const char* label, Count value, const char* formula,
               std::initializer_list<Input> inputs, TermKind kind = TermKind::kPlain);

  Count value() const;
  const std::vector<Term>& terms() const { return terms_; }
  const std::string& source() const { return source_; }
  // The terms' formulas joined by " + ": "b*s*h*fp32 + 2*b*s*fp32".
  std::string formula() const;
  // Every named input once, in the order first used.
  std::vector<Input> inputs() const;

 private:
  std::vector<Term> terms_;
  std::string source_;
};

// The sink the counting folds pass: the values, by kind, and nothing else.
class Tally {
 public:
  void set_source(std::string_view) {}
  Count product(const char*, std::span<const Input> inputs, TermKind kind = TermKind::kPlain) {
    const Count v = tsize::product(inputs, "a count");
    add(v, kind);
    return v;
  }
  Count product(const char* label, std::initializer_list<Input> inputs,
                TermKind kind = TermKind::kPlain) {
    return product(label, as_span(inputs), kind);
  }
  void formula(const char*, Count value, const char*, std::initializer_list<Input>,
               TermKind kind = TermKind::kPlain) {
    add(value, kind);
  }

  Count total() const { return add_checked(matmul_, add_checked(pointwise_, plain_)); }
  Count matmul() const { return matmul_; }
  Count pointwise() const { return pointwise_; }

 private:
  static Count add_checked(Count a, Count b) { return tsize::add(a, b, "a count"); }
  void add(Count v, TermKind kind) {
    Count& into = kind == TermKind::kMatmul      ? matmul_
                  : kind == TermKind::kPointwise ? pointwise_
                                                 : plain_;
    into = add_checked(into, v);
  }
  Count matmul_ = 0, pointwise_ = 0, plain_ = 0;
};

}  // namespace tsize
