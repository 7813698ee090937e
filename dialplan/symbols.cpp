#include "dialplan/symbols.hpp"

namespace outpost::dialplan {

std::string describeSet(SymbolSet s) {
  if (s == kDigits) return "X";
  if (s == (kDigits & ~bit(0))) return "Z";
  if (s == (kDigits & ~bit(0) & ~bit(1))) return "N";
  if (setSize(s) == 1) {
    for (int i = 0; i < kSymbolCount; ++i) {
      if (s & bit(i)) return std::string(1, symbolChar(i));
    }
  }
  std::string out = "[";
  for (int i = 0; i < kSymbolCount;) {
    if (!(s & bit(i))) {
      ++i;
      continue;
    }
    int j = i;
    // Runs of digits read as ranges; *, # and + stand alone.
    while (j + 1 < 10 && i < 10 && (s & bit(j + 1)))
      ++j;
    out += symbolChar(i);
    if (j >= i + 2) {
      out += '-';
      out += symbolChar(j);
    } else if (j == i + 1) {
      out += symbolChar(j);
    }
    i = j + 1;
  }
  return out + "]";
}

size_t invalidNumberChar(std::string_view number) {
  for (size_t i = 0; i < number.size(); ++i) {
    int s = symbolIndex(number[i]);
    if (s < 0 || (s == kPlus && i != 0)) return i;
  }
  return std::string_view::npos;
}

}  // namespace outpost::dialplan
