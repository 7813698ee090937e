#include "dialplan/pattern.hpp"

namespace outpost::dialplan {

namespace {

PatternError perr(size_t offset, std::string msg, std::string hint = "", int length = 1) {
  return PatternError{static_cast<int>(offset), length, std::move(msg), std::move(hint)};
}

}  // namespace

std::variant<Pattern, PatternError> parsePattern(std::string_view text, bool wildcardsAny) {
  Pattern p;
  p.text = std::string(text);
  size_t i = 0;
  if (!text.empty() && text[0] == '_') i = 1;
  if (i >= text.size()) return perr(0, "empty pattern");
  std::vector<int> open;  // positions where groups start
  std::vector<size_t> openAt;
  bool sawTail = false;
  while (i < text.size()) {
    char c = text[i];
    if (sawTail && c != ')') {
      return perr(i,
                  "nothing may follow '" + std::string(1, p.tail_min ? '.' : '!') +
                      "': it matches the rest of the number",
                  "move the wildcard to the end, or spell the positions out with X");
    }
    int idx = symbolIndex(c);
    if (idx >= 0) {
      if (idx == kPlus && !p.positions.empty()) {
        return perr(i, "'+' can only begin a pattern (the '+' of an E.164 number)");
      }
      p.positions.push_back(bit(idx));
      ++i;
      continue;
    }
    switch (c) {
      case 'X':
      case 'x':
        p.positions.push_back(kDigits);
        ++i;
        continue;
      case 'Z':
      case 'z':
        p.positions.push_back(kDigits & ~bit(0));
        ++i;
        continue;
      case 'N':
      case 'n':
        p.positions.push_back(kDigits & ~bit(0) & ~bit(1));
        ++i;
        continue;
      case '.':
      case '!':
        p.tail = true;
        p.tail_min = c == '.' ? 1 : 0;
        p.tail_set = wildcardsAny ? kDialSymbols : kDigits;
        sawTail = true;
        ++i;
        continue;
      case '(':
        if (open.size() + p.groups.size() >= 9) return perr(i, "more than 9 capture groups");
        open.push_back(static_cast<int>(p.positions.size()));
        openAt.push_back(i);
        ++i;
        continue;
      case ')': {
        if (open.empty()) return perr(i, "')' without a matching '('");
        int begin = open.back();
        open.pop_back();
        openAt.pop_back();
        int end = sawTail ? Pattern::kToEnd : static_cast<int>(p.positions.size());
        if (end != Pattern::kToEnd && end == begin) return perr(i, "empty capture group '()'");
        p.groups.emplace_back(begin, end);
        ++i;
        continue;
      }
      case '[': {
        if (text.find(']', i) == std::string_view::npos)
          return perr(i, "'[' without a closing ']'");
        size_t j = i + 1;

        SymbolSet set = 0;
        int prev = -1;
        while (j < text.size() && text[j] != ']') {
          char d = text[j];
          if (d == '-' && prev >= 0 && j + 1 < text.size() && text[j + 1] != ']') {
            int hi = symbolIndex(text[j + 1]);
            if (prev > 9 || hi < 0 || hi > 9) {
              return perr(j, "a range in [...] runs between digits, like [2-5]");
            }
            if (hi < prev) {
              return perr(j - 1,
                          "range [" + std::string(text.substr(j - 1, 3)) + "] runs backwards", "",
                          3);
            }
            for (int k = prev; k <= hi; ++k)
              set |= bit(k);
            prev = -1;
            j += 2;
            continue;
          }
          int k = symbolIndex(d);
          if (k < 0 || k == kPlus) {
            return perr(j, std::string("'") + d + "' cannot appear in [...]",
                        "a set holds digits, ranges like 2-5, '*' and '#'");
          }
          set |= bit(k);
          prev = k;
          ++j;
        }
        if (j >= text.size()) return perr(i, "'[' without a closing ']'");
        if (set == 0) return perr(i, "empty set '[]'", "", static_cast<int>(j - i + 1));
        p.positions.push_back(set);
        i = j + 1;
        continue;
      }
      default:
        return perr(i, std::string("'") + c + "' is not a pattern character",
                    "patterns use digits, * # +, X Z N, [sets], and '.' or '!' at the end; "
                    "write a regular expression as /.../");
    }
  }
  if (!open.empty()) return perr(openAt.back(), "'(' without a matching ')'");
  if (p.positions.empty() && (!p.tail || p.tail_min == 0)) {
    return perr(0, "the pattern '" + p.text + "' matches an empty number");
  }
  return p;
}

bool Pattern::matches(std::string_view number) const {
  const size_t n = positions.size();
  if (number.size() < n) return false;
  for (size_t i = 0; i < n; ++i) {
    if (!inSet(positions[i], number[i])) return false;
  }
  if (number.size() == n) return !tail || tail_min == 0;
  if (!tail) return false;
  for (size_t i = n; i < number.size(); ++i) {
    if (!inSet(tail_set, number[i])) return false;
  }
  return true;
}

bool Pattern::canExtend(std::string_view number) const {
  const size_t n = positions.size();
  size_t k = std::min(number.size(), n);
  for (size_t i = 0; i < k; ++i) {
    if (!inSet(positions[i], number[i])) return false;
  }
  if (number.size() < n) return true;
  if (!tail) return false;
  for (size_t i = n; i < number.size(); ++i) {
    if (!inSet(tail_set, number[i])) return false;
  }
  return true;
}

std::vector<std::string> Pattern::captures(std::string_view number) const {
  std::vector<std::string> out;
  out.emplace_back(number);
  for (auto [b, e] : groups) {
    size_t begin = static_cast<size_t>(b);
    size_t end = e == kToEnd ? number.size() : static_cast<size_t>(e);
    if (begin > number.size()) begin = number.size();
    if (end > number.size()) end = number.size();
    out.emplace_back(number.substr(begin, end - begin));
  }
  return out;
}

std::string Pattern::literalPrefix() const {
  std::string s;
  for (SymbolSet set : positions) {
    if (setSize(set) != 1) break;
    for (int i = 0; i < kSymbolCount; ++i) {
      if (set & bit(i)) s += symbolChar(i);
    }
  }
  return s;
}

bool Pattern::covers(const Pattern& o) const {
  // Position by position: every set of `o` inside ours; o's extra fixed
  // positions must fall in our tail; o's tail inside our tail.
  if (o.positions.size() < positions.size()) {
    // o's tail would have to fill our remaining fixed positions: only when it
    // needs exactly one more symbol, we need none after it, and sets fit.
    if (!o.tail || !tail || o.positions.size() + 1 != positions.size() || o.tail_min != 1 ||
        tail_min != 0) {
      return false;
    }
    for (size_t i = 0; i < o.positions.size(); ++i) {
      if ((o.positions[i] & ~positions[i]) != 0) return false;
    }
    return (o.tail_set & ~positions.back()) == 0 && (o.tail_set & ~tail_set) == 0;
  }
  for (size_t i = 0; i < positions.size(); ++i) {
    if ((o.positions[i] & ~positions[i]) != 0) return false;
  }
  if (o.positions.size() > positions.size()) {
    if (!tail) return false;
    for (size_t i = positions.size(); i < o.positions.size(); ++i) {
      if ((o.positions[i] & ~tail_set) != 0) return false;
    }
    if (o.tail && (o.tail_set & ~tail_set) != 0) return false;
    // We need at least tail_min symbols beyond our fixed part: o has some.
    return true;
  }
  // Same fixed length.
  if (!o.tail) return !tail || tail_min == 0;
  if (!tail) return false;
  if ((o.tail_set & ~tail_set) != 0) return false;
  return tail_min <= o.tail_min;
}

}  // namespace outpost::dialplan
