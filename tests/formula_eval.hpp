// Test helper: evaluates --explain's formulas exactly. The grammar is the JSON contract's: ASCII
// names, integer literals, + - * / ( ) and min max ceil floor; values are rationals of 128-bit
// integers, so a formula that does not equal its value to the last unit is caught.
#pragma once

#include <cctype>
#include <map>
#include <stdexcept>
#include <string>

namespace tsize::test {

__extension__ using Int = __int128;

struct Rational {
  Int num = 0, den = 1;
};

class FormulaEvaluator {
 public:
  FormulaEvaluator(std::string text, std::map<std::string, Int> inputs)
      : text_(std::move(text)), inputs_(std::move(inputs)) {}

  // The formula's value. Throws std::runtime_error on a syntax error, an unknown name,
  // division by zero or overflow.
  Rational evaluate() {
    const Rational r = expr();
    skip();
    if (at_ != text_.size()) fail("trailing text");
    return r;
  }

 private:
  [[noreturn]] void fail(const std::string& why) const {
    throw std::runtime_error(why + " at " + std::to_string(at_) + " in \"" + text_ + "\"");
  }
  void skip() {
    while (at_ < text_.size() && text_[at_] == ' ') ++at_;
  }
  bool eat(char c) {
    skip();
    if (at_ < text_.size() && text_[at_] == c) {
      ++at_;
      return true;
    }
    return false;
  }
  Int checked_mul(Int a, Int b) const {
    Int r;
    if (__builtin_mul_overflow(a, b, &r)) fail("overflow");
    return r;
  }
  Int checked_add(Int a, Int b) const {
    Int r;
    if (__builtin_add_overflow(a, b, &r)) fail("overflow");
    return r;
  }
  static Int gcd(Int a, Int b) {
    if (a < 0) a = -a;
    if (b < 0) b = -b;
    while (b != 0) {
      const Int t = a % b;
      a = b;
      b = t;
    }
    return a == 0 ? 1 : a;
  }
  Rational norm(Int num, Int den) const {
    if (den == 0) fail("division by zero");
    if (den < 0) {
      num = -num;
      den = -den;
    }
    const Int g = gcd(num, den);
    return {num / g, den / g};
  }
  Rational add(Rational a, Rational b, int sign) const {
    return norm(checked_add(checked_mul(a.num, b.den), sign * checked_mul(b.num, a.den)),
                checked_mul(a.den, b.den));
  }
  Rational mul(Rational a, Rational b) const {
    return norm(checked_mul(a.num, b.num), checked_mul(a.den, b.den));
  }
  bool less(Rational a, Rational b) const {
    return checked_mul(a.num, b.den) < checked_mul(b.num, a.den);
  }
  static Int floor_div(Int n, Int d) {
    Int q = n / d;
    if ((n % d != 0) && ((n < 0) != (d < 0))) --q;
    return q;
  }

  Rational expr() {
    Rational r = term();
    while (true) {
      if (eat('+')) {
        r = add(r, term(), 1);
      } else if (eat('-')) {
        r = add(r, term(), -1);
      } else {
        return r;
      }
    }
  }
  Rational term() {
    Rational r = factor();
    while (true) {
      if (eat('*')) {
        r = mul(r, factor());
      } else if (eat('/')) {
        const Rational d = factor();
        r = mul(r, norm(d.den, d.num));
      } else {
        return r;
      }
    }
  }
  Rational factor() {
    skip();
    if (eat('(')) {
      const Rational r = expr();
      if (!eat(')')) fail("expected )");
      return r;
    }
    if (at_ < text_.size() && text_[at_] >= '0' && text_[at_] <= '9') {
      Int v = 0;
      while (at_ < text_.size() && text_[at_] >= '0' && text_[at_] <= '9') {
        v = checked_add(checked_mul(v, 10), text_[at_++] - '0');
      }
      return {v, 1};
    }
    std::string name;
    while (at_ < text_.size() &&
           (std::isalnum(static_cast<unsigned char>(text_[at_])) || text_[at_] == '_')) {
      name += text_[at_++];
    }
    if (name.empty()) fail("expected a number, name or (");
    if (name == "min" || name == "max" || name == "ceil" || name == "floor") {
      if (!eat('(')) fail("expected ( after " + name);
      Rational a = expr();
      if (name == "ceil" || name == "floor") {
        if (!eat(')')) fail("expected )");
        const Int f = floor_div(a.num, a.den);
        return {name == "floor" || f * a.den == a.num ? f : f + 1, 1};
      }
      while (eat(',')) {
        const Rational b = expr();
        if ((name == "min") == less(b, a)) a = b;
      }
      if (!eat(')')) fail("expected )");
      return a;
    }
    const auto it = inputs_.find(name);
    if (it == inputs_.end()) fail("unknown name " + name);
    return {it->second, 1};
  }

  std::string text_;
  std::map<std::string, Int> inputs_;
  std::size_t at_ = 0;
};

}  // namespace tsize::test
