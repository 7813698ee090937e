// The dial plan's lexer: splits one line of a plan into words. Words are
// separated by blanks; "double quotes" keep blanks and '#' (\" and \\ escape);
// a '#' at the start of a word starts a comment to the end of the line. Pure
// functions; any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "dialplan/diagnostic.hpp"

namespace outpost::dialplan {

struct Token {
  std::string text;  // unquoted, unescaped
  int column = 0;    // 1-based column of the first character (the quote for quoted words)
  int width = 0;     // columns the word occupies in the source, quotes included
  bool quoted = false;
};

struct LexedLine {
  std::vector<Token> tokens;
  // A problem with the line itself (unterminated quote, control character):
  // column and message; column 0 when the line is fine.
  int error_column = 0;
  std::string error;
};

LexedLine lexLine(std::string_view line);

// Offset of the first byte that breaks UTF-8, or npos.
size_t invalidUtf8(std::string_view s);
// `s` with every byte that breaks UTF-8 replaced by '?', for JSON output.
std::string validUtf8(std::string_view s);

}  // namespace outpost::dialplan
