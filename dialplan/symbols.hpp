// The dial plan's alphabet: the thirteen symbols a called or calling number
// may hold (0-9, *, #, and + as the first symbol of an E.164 number). Sets of
// symbols are 16-bit masks so a pattern position, a regex class and a trie
// edge are one integer each. Pure constants and functions; any thread.
#pragma once

#include <bit>
#include <cstdint>
#include <string>
#include <string_view>

namespace outpost::dialplan {

using SymbolSet = uint16_t;

constexpr int kSymbolCount = 13;
constexpr int kStar = 10;
constexpr int kHash = 11;
constexpr int kPlus = 12;

constexpr SymbolSet kDigits = 0x03ff;                        // 0-9
constexpr SymbolSet kAllSymbols = (1u << kSymbolCount) - 1;  // 0-9 * # +
constexpr SymbolSet kDialSymbols = kDigits | (1u << kStar) | (1u << kHash);

// Index 0-12 of a symbol character, or -1.
constexpr int symbolIndex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c == '*') return kStar;
  if (c == '#') return kHash;
  if (c == '+') return kPlus;
  return -1;
}
constexpr char symbolChar(int i) {
  return i < 10 ? static_cast<char>('0' + i) : i == kStar ? '*' : i == kHash ? '#' : '+';
}
constexpr SymbolSet bit(int symbol) {
  return static_cast<SymbolSet>(1u << symbol);
}
constexpr int setSize(SymbolSet s) {
  return std::popcount(static_cast<unsigned>(s));
}
inline bool inSet(SymbolSet s, char c) {
  int i = symbolIndex(c);
  return i >= 0 && (s & bit(i));
}

// "X", "N", "Z", "7", "[1-5]", "[*#]": how a set reads in a pattern.
std::string describeSet(SymbolSet s);

// Maximum length of a number the plan looks at; longer input is refused, not
// truncated (E.164 is 15 digits; prefixes and feature codes add a few).
constexpr size_t kMaxNumberLength = 40;

// A number the plan can look at: only alphabet symbols, '+' only first.
// Returns the index of the first offending character, or npos.
size_t invalidNumberChar(std::string_view number);

}  // namespace outpost::dialplan
