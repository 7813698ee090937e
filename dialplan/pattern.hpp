// Dial patterns as telecom admins know them from Asterisk: digits, * and #
// stand for themselves, X is 0-9, Z is 1-9, N is 2-9, [1-5] or [135-7] a set,
// and at the very end '.' means "one or more digits" and '!' "zero or more".
// Parentheses capture ($1..$9) for rewrites. A leading '+' matches the '+' of
// an E.164 number; a leading '_' (Asterisk habit) is accepted and ignored.
// Pure values; any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "dialplan/symbols.hpp"

namespace outpost::dialplan {

struct Pattern {
  static constexpr int kToEnd = -1;

  std::vector<SymbolSet> positions;  // one set per fixed position
  bool tail = false;                 // ends in '.' or '!'
  int tail_min = 0;                  // 1 for '.', 0 for '!'
  SymbolSet tail_set = 0;            // digits, or every symbol when asked
  // Capture groups as [begin, end) over positions; end kToEnd reaches the end
  // of the number (a group that encloses the tail).
  std::vector<std::pair<int, int>> groups;
  std::string text;  // as written

  bool matches(std::string_view number) const;
  // True when `number` is a proper prefix of some number this pattern matches
  // (more digits could still make it match).
  bool canExtend(std::string_view number) const;
  // $0..$N for a number this pattern matches.
  std::vector<std::string> captures(std::string_view number) const;
  // The fixed symbols at the start ("91" for 91NXX...).
  std::string literalPrefix() const;
  bool sameShape(const Pattern& o) const {
    return positions == o.positions && tail == o.tail && tail_min == o.tail_min &&
           tail_set == o.tail_set;
  }
  // Every number `o` matches, this pattern matches too.
  bool covers(const Pattern& o) const;
};

struct PatternError {
  int offset = 0;  // 0-based offset into the pattern text
  int length = 1;
  std::string message;
  std::string hint;
};

// `wildcardsAny`: '.' and '!' match * and # too (asked for with
// `wildcards any`); otherwise digits only.
std::variant<Pattern, PatternError> parsePattern(std::string_view text, bool wildcardsAny = false);

}  // namespace outpost::dialplan
