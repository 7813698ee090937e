// Diagnostics: every problem the dial plan loader, compiler, linter or inline
// tests find, as FILE:LINE:COLUMN with the offending text underlined, so an
// admin can jump to it from an editor or read it off a terminal. Plain values;
// build them on any thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace outpost::dialplan {

// 1-based line and column; column 0 means "the whole line" (or the file when
// line is 0 too).
struct SourcePos {
  std::string file;
  int line = 0;
  int column = 0;
  std::string str() const;  // "file:line:column"
  bool operator==(const SourcePos&) const = default;
};

enum class Severity { kNote, kWarning, kError };
const char* severityName(Severity s);

struct Diagnostic {
  Severity severity = Severity::kError;
  // Stable short name: "syntax", "unknown-name", "duplicate", "emergency",
  // "shadowed", "overlap", "open-wildcard", "no-emergency", "no-default",
  // "loop", "test", ... Lint findings can be silenced by code (lint-ignore).
  std::string code;
  SourcePos where;
  std::string message;
  std::string source_line;  // the text of where.line, when known
  int length = 1;           // how many columns to underline
  std::string hint;         // "did you mean ...", "write ... instead"

  // "FILE:LINE:COL: error: MESSAGE [code]" then the line with a caret under
  // the offending text, then "  hint: ..." when there is one.
  std::string format() const;
  // Just the first line.
  std::string headline() const;
};

// Collects diagnostics; knows the text of every file read so each diagnostic
// can quote its line.
class DiagnosticSink {
 public:
  // The sink keeps a reference to the text, not a copy: a million-row CSV is
  // not duplicated to quote the odd bad line.
  void addSource(const std::string& file, std::shared_ptr<const std::string> text);
  Diagnostic& add(Severity sev, std::string code, SourcePos where, std::string message,
                  int length = 1, std::string hint = "");
  Diagnostic& error(std::string code, SourcePos where, std::string message, int length = 1,
                    std::string hint = "") {
    return add(Severity::kError, std::move(code), std::move(where), std::move(message), length,
               std::move(hint));
  }
  const std::vector<Diagnostic>& all() const { return diags_; }
  std::vector<Diagnostic> take() { return std::move(diags_); }
  size_t errorCount() const;
  size_t count(Severity s) const;
  std::string lineText(const std::string& file, int line) const;

 private:
  struct File {
    std::string name;
    std::shared_ptr<const std::string> text;
  };
  std::vector<File> files_;
  std::vector<Diagnostic> diags_;
};

// Stable order for printing: by file order of first appearance is what the
// sink keeps; this sorts by (file, line, column) within each severity group.
void sortDiagnostics(std::vector<Diagnostic>& diags);

}  // namespace outpost::dialplan
