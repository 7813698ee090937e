#include "dialplan/lexer.hpp"

namespace outpost::dialplan {

namespace {
bool isBlank(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}
}  // namespace

LexedLine lexLine(std::string_view line) {
  LexedLine out;
  size_t i = 0;
  const size_t n = line.size();
  while (i < n) {
    while (i < n && isBlank(line[i]))
      ++i;
    if (i >= n) break;
    if (line[i] == '#') break;  // comment
    Token t;
    t.column = static_cast<int>(i) + 1;
    if (line[i] == '"') {
      t.quoted = true;
      size_t j = i + 1;
      bool closed = false;
      while (j < n) {
        char c = line[j];
        if (c == '\\' && j + 1 < n && (line[j + 1] == '"' || line[j + 1] == '\\')) {
          t.text += line[j + 1];
          j += 2;
          continue;
        }
        if (c == '"') {
          closed = true;
          ++j;
          break;
        }
        t.text += c;
        ++j;
      }
      if (!closed) {
        out.error_column = t.column;
        out.error = "unterminated quoted text (a '\"' opens it; close it on the same line)";
        return out;
      }
      if (j < n && !isBlank(line[j]) && line[j] != '#') {
        out.error_column = static_cast<int>(j) + 1;
        out.error = "text directly after a closing quote; leave a space after '\"'";
        return out;
      }
      t.width = static_cast<int>(j - i);
      i = j;
    } else {
      size_t j = i;
      while (j < n && !isBlank(line[j])) {
        unsigned char c = static_cast<unsigned char>(line[j]);
        if (c < 0x20 || c == 0x7f) {
          out.error_column = static_cast<int>(j) + 1;
          out.error = "control character in the plan";
          return out;
        }
        if (c == '"') {
          out.error_column = static_cast<int>(j) + 1;
          out.error = "a quote inside a word; put quotes around the whole word";
          return out;
        }
        ++j;
      }
      t.text = std::string(line.substr(i, j - i));
      t.width = static_cast<int>(j - i);
      i = j;
    }
    out.tokens.push_back(std::move(t));
  }
  return out;
}

}  // namespace outpost::dialplan
