#include "dialplan/lexer.hpp"

namespace outpost::dialplan {

namespace {
bool isBlank(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}
}  // namespace

size_t invalidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xe ? 2 : (c >> 3) == 0x1e ? 3 : 99;
    if (n == 99 || (n == 1 && c < 0xc2) || i + n >= s.size() + (n ? 0 : 1)) return i;
    for (size_t k = 1; k <= n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return i;
    }
    i += n + 1;
  }
  return std::string_view::npos;
}

std::string validUtf8(std::string_view s) {
  std::string out(s);
  for (size_t at = invalidUtf8(out); at != std::string::npos; at = invalidUtf8(out))
    out[at] = '?';
  return out;
}

LexedLine lexLine(std::string_view line) {
  LexedLine out;
  if (size_t bad = invalidUtf8(line); bad != std::string_view::npos) {
    out.error_column = static_cast<int>(bad) + 1;
    out.error = "this line is not valid UTF-8 (save the plan as UTF-8)";
    return out;
  }
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
