// Anchored regular expressions over dialled numbers, for rules that patterns
// cannot say. Our own small engine (a Pike VM over the 13-symbol alphabet):
// matching time is linear in the number's length whatever the expression, so a
// hostile plan cannot stall the control thread, and it answers "could more
// digits still match?" for overlap dialling. Syntax: digits and '#' literal,
// \+ \* and other escapes, \d, '.' (a digit, like in patterns, unless
// `wildcards any`), [..] and [^..] sets, ( ) captures, (?: ) groups, |, and
// the quantifiers * + ? {m} {m,} {m,n}. The whole number must match; ^ and $
// are accepted at the ends. Immutable after compile; any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "dialplan/symbols.hpp"

namespace outpost::dialplan {

struct RegexError {
  int offset = 0;
  int length = 1;
  std::string message;
};

class Regex {
 public:
  static std::variant<Regex, RegexError> compile(std::string_view text, bool wildcardsAny = false);

  // Whole-number match; on success fills $0..$N (unset groups are "").
  bool match(std::string_view number, std::vector<std::string>* captures = nullptr) const;
  // True when some longer number starting with `number` would match.
  bool canExtend(std::string_view number) const;
  int groupCount() const { return groups_; }
  const std::string& text() const { return text_; }
  // Symbols every match must start with (for the emergency check).
  const std::string& literalPrefix() const { return literal_prefix_; }

  // For the linter's automaton: sets of program states.
  using StateSet = std::vector<int>;  // sorted program counters
  StateSet start() const;
  StateSet step(const StateSet& s, int symbol) const;
  bool accepts(const StateSet& s) const;

  enum class Op : uint8_t { kSymbols, kSplit, kJump, kSave, kMatch };
  struct Inst {
    Op op;
    SymbolSet set = 0;
    int x = 0, y = 0;  // split targets / jump target / save slot
  };

 private:
  void closure(std::vector<int>& out, std::vector<char>& seen, int pc) const;
  std::vector<Inst> prog_;
  int groups_ = 0;
  std::string text_;
  std::string literal_prefix_;
};

}  // namespace outpost::dialplan
