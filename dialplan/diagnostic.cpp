#include "dialplan/diagnostic.hpp"

#include <algorithm>

namespace outpost::dialplan {

std::string SourcePos::str() const {
  std::string s = file;
  if (line > 0) {
    s += ":" + std::to_string(line);
    if (column > 0) s += ":" + std::to_string(column);
  }
  return s;
}

const char* severityName(Severity s) {
  switch (s) {
    case Severity::kNote:
      return "note";
    case Severity::kWarning:
      return "warning";
    case Severity::kError:
      return "error";
  }
  return "error";
}

std::string Diagnostic::headline() const {
  std::string s = where.str() + ": " + severityName(severity) + ": " + message;
  if (!code.empty()) s += " [" + code + "]";
  return s;
}

std::string Diagnostic::format() const {
  std::string s = headline();
  if (!source_line.empty()) {
    s += "\n    " + source_line;
    if (where.column > 0) {
      // Tabs stay tabs so the caret lines up under the same text.
      std::string pad;
      for (int i = 0; i < where.column - 1 && i < static_cast<int>(source_line.size()); ++i) {
        pad += source_line[static_cast<size_t>(i)] == '\t' ? '\t' : ' ';
      }
      s += "\n    " + pad + "^";
      if (length > 1) s += std::string(static_cast<size_t>(std::min(length - 1, 120)), '~');
    }
  }
  if (!hint.empty()) s += "\n  hint: " + hint;
  return s;
}

void DiagnosticSink::addSource(const std::string& file, std::shared_ptr<const std::string> text) {
  files_.push_back(File{file, std::move(text)});
}

std::string DiagnosticSink::lineText(const std::string& file, int line) const {
  for (const auto& f : files_) {
    if (f.name != file || !f.text || line < 1) continue;
    const std::string& t = *f.text;
    size_t start = 0;
    for (int i = 1; i < line; ++i) {
      start = t.find('\n', start);
      if (start == std::string::npos) return "";
      ++start;
    }
    size_t end = t.find('\n', start);
    std::string s = t.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!s.empty() && s.back() == '\r') s.pop_back();
    return s;
  }
  return "";
}

Diagnostic& DiagnosticSink::add(Severity sev, std::string code, SourcePos where,
                                std::string message, int length, std::string hint) {
  Diagnostic d;
  d.severity = sev;
  d.code = std::move(code);
  d.source_line = lineText(where.file, where.line);
  // Very long lines (CSV rows, generated plans) are quoted in part.
  if (d.source_line.size() > 200) d.source_line = d.source_line.substr(0, 200) + "...";
  d.where = std::move(where);
  d.message = std::move(message);
  d.length = std::max(1, length);
  d.hint = std::move(hint);
  diags_.push_back(std::move(d));
  return diags_.back();
}

size_t DiagnosticSink::errorCount() const {
  return count(Severity::kError);
}

size_t DiagnosticSink::count(Severity s) const {
  return static_cast<size_t>(std::count_if(diags_.begin(), diags_.end(),
                                           [s](const Diagnostic& d) { return d.severity == s; }));
}

void sortDiagnostics(std::vector<Diagnostic>& diags) {
  // Errors first, then warnings, then notes; within each, the order found
  // (which follows the files) is kept.
  std::stable_sort(diags.begin(), diags.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return static_cast<int>(a.severity) > static_cast<int>(b.severity);
  });
}

}  // namespace outpost::dialplan
