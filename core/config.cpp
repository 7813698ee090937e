#include "core/config.hpp"

#include <glob.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/strings.hpp"

namespace outpost::core {

namespace {
constexpr int kMaxIncludeDepth = 16;

std::string dirOf(const std::string& path) {
  auto p = std::filesystem::path(path).parent_path();
  return p.empty() ? "." : p.string();
}

// Strips an unquoted trailing comment and surrounding quotes.
Result<std::string> cleanValue(std::string_view raw, const SourceLocation& where) {
  raw = trim(raw);
  std::string out;
  bool quoted = false, wasQuoted = false;
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '"') {
      quoted = !quoted;
      wasQuoted = true;
      continue;
    }
    if (!quoted && (c == '#' || c == ';') && (i == 0 || raw[i - 1] == ' ' || raw[i - 1] == '\t')) {
      break;
    }
    if (quoted && c == '\\' && i + 1 < raw.size()) {
      out += raw[++i];
      continue;
    }
    out += c;
  }
  if (quoted) return invalidArgument(where.str() + ": unterminated quote");
  return wasQuoted ? out : std::string(trim(out));
}

bool validKey(std::string_view k) {
  if (k.empty()) return false;
  for (char c : k) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.')) {
      return false;
    }
  }
  return true;
}
}  // namespace

std::string ConfigSection::label() const {
  return name_.empty() ? "[" + type_ + "]" : "[" + type_ + " " + name_ + "]";
}

const ConfigEntry* ConfigSection::find(const std::string& key) const {
  for (const auto& e : entries_) {
    if (e.key == key) return &e;
  }
  return nullptr;
}

Error ConfigSection::errorAt(const std::string& key, const std::string& message) const {
  const ConfigEntry* e = find(key);
  const SourceLocation& at = e ? e->where : where_;
  return invalidArgument(at.str() + ": " + label() + " " + key + ": " + message);
}

Result<std::string> ConfigSection::getString(const std::string& key,
                                             const std::string& fallback) const {
  const ConfigEntry* e = find(key);
  return e ? e->value : fallback;
}

Result<long long> ConfigSection::getInt(const std::string& key, long long fallback, long long min,
                                        long long max) const {
  const ConfigEntry* e = find(key);
  if (!e) return fallback;
  auto v = parseInt(e->value);
  if (!v) return errorAt(key, "expected a whole number, got '" + e->value + "'");
  if (*v < min || *v > max) {
    return errorAt(key, "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                            ", got " + e->value);
  }
  return *v;
}

Result<bool> ConfigSection::getBool(const std::string& key, bool fallback) const {
  const ConfigEntry* e = find(key);
  if (!e) return fallback;
  auto v = parseBool(e->value);
  if (!v) return errorAt(key, "expected yes or no, got '" + e->value + "'");
  return *v;
}

Result<Duration> ConfigSection::getDuration(const std::string& key, Duration fallback,
                                            Duration bareUnit) const {
  const ConfigEntry* e = find(key);
  if (!e) return fallback;
  auto v = parseDuration(e->value, bareUnit);
  if (!v) {
    return errorAt(key, "expected a duration such as 500ms, 10s, 5m or 3h, got '" + e->value + "'");
  }
  return *v;
}

Result<std::string> ConfigSection::getChoice(const std::string& key, const std::string& fallback,
                                             const std::vector<std::string>& choices) const {
  const ConfigEntry* e = find(key);
  if (!e) return fallback;
  if (std::find(choices.begin(), choices.end(), e->value) != choices.end()) return e->value;
  std::string msg = "expected one of " + join(choices, ", ") + ", got '" + e->value + "'";
  if (auto s = suggest(e->value, choices)) msg += " (did you mean '" + *s + "'?)";
  return errorAt(key, msg);
}

Result<ConfigFile> ConfigFile::load(const std::string& path) {
  ConfigFile f;
  if (Status s = f.parseFile(path, 0); !s) return s;
  return f;
}

Result<ConfigFile> ConfigFile::parse(const std::string& text, const std::string& sourceName,
                                     const std::string& baseDir) {
  ConfigFile f;
  f.files_.push_back(sourceName);
  if (Status s = f.parseText(text, sourceName, baseDir, 0); !s) return s;
  return f;
}

const ConfigSection* ConfigFile::find(const std::string& type, const std::string& name) const {
  for (const auto& s : sections_) {
    if (s.type() == type && s.name() == name) return &s;
  }
  return nullptr;
}

std::vector<const ConfigSection*> ConfigFile::all(const std::string& type) const {
  std::vector<const ConfigSection*> out;
  for (const auto& s : sections_) {
    if (s.type() == type) out.push_back(&s);
  }
  return out;
}

Status ConfigFile::parseFile(const std::string& path, int depth) {
  if (std::find(files_.begin(), files_.end(), path) != files_.end()) {
    return invalidArgument(path + ": included more than once (include loop?)");
  }
  std::ifstream in(path);
  if (!in) return errnoError(path, errno);
  std::stringstream ss;
  ss << in.rdbuf();
  files_.push_back(path);
  return parseText(ss.str(), path, dirOf(path), depth);
}

Status ConfigFile::parseText(const std::string& text, const std::string& sourceName,
                             const std::string& baseDir, int depth) {
  std::istringstream in(text);
  std::string rawLine;
  int lineNo = 0;
  ConfigSection* current = nullptr;
  while (std::getline(in, rawLine)) {
    ++lineNo;
    SourceLocation where{sourceName, lineNo};
    std::string_view line = trim(rawLine);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;

    if (line[0] == '[') {
      size_t close = line.find(']');
      if (close == std::string_view::npos) {
        return invalidArgument(where.str() + ": section header is missing its closing ']'");
      }
      std::string_view rest = trim(line.substr(close + 1));
      if (!rest.empty() && rest[0] != '#' && rest[0] != ';') {
        return invalidArgument(where.str() + ": unexpected text after section header: '" +
                               std::string(rest) + "'");
      }
      auto words = split(line.substr(1, close - 1), ' ');
      if (words.empty() || words.size() > 2 || !validKey(words[0]) ||
          (words.size() == 2 && !validKey(words[1]))) {
        return invalidArgument(where.str() + ": a section header is [type] or [type name], got '" +
                               std::string(line.substr(0, close + 1)) + "'");
      }
      std::string type = words[0];
      std::string name = words.size() == 2 ? words[1] : "";
      if (const ConfigSection* dup = find(type, name)) {
        return invalidArgument(where.str() + ": section " + dup->label() +
                               " is already defined at " + dup->where().str());
      }
      sections_.emplace_back(type, name, where);
      current = &sections_.back();
      continue;
    }

    if (startsWith(line, "include ") || startsWith(line, "include\t")) {
      auto target = cleanValue(line.substr(8), where);
      if (!target) return target.status();
      if (target->empty()) return invalidArgument(where.str() + ": include needs a file name");
      if (depth + 1 > kMaxIncludeDepth) {
        return invalidArgument(where.str() + ": includes nested deeper than " +
                               std::to_string(kMaxIncludeDepth));
      }
      std::string pattern = *target;
      if (pattern[0] != '/') pattern = baseDir + "/" + pattern;
      glob_t g{};
      int rc = ::glob(pattern.c_str(), 0, nullptr, &g);
      std::vector<std::string> matches(g.gl_pathv, g.gl_pathv + (rc == 0 ? g.gl_pathc : 0));
      globfree(&g);
      bool hasWildcard = pattern.find_first_of("*?[") != std::string::npos;
      if (matches.empty() && !hasWildcard) {
        return invalidArgument(where.str() + ": cannot include '" + *target + "': no such file");
      }
      // Sections from an include end the including file's current section.
      for (const auto& m : matches) {
        if (Status s = parseFile(m, depth + 1); !s) {
          return invalidArgument(where.str() + ": in included file: " + s.message());
        }
      }
      current = nullptr;
      continue;
    }

    size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      return invalidArgument(where.str() +
                             ": expected 'key = value', '[section]' or 'include FILE', got '" +
                             std::string(line) + "'");
    }
    std::string key(trim(line.substr(0, eq)));
    if (!validKey(key)) {
      return invalidArgument(where.str() + ": '" + key +
                             "' is not a valid key (letters, digits, _ - . only)");
    }
    if (!current) {
      return invalidArgument(where.str() + ": key '" + key + "' is outside any [section]");
    }
    auto value = cleanValue(line.substr(eq + 1), where);
    if (!value) return value.status();
    if (const ConfigEntry* prev = current->find(key)) {
      return invalidArgument(where.str() + ": " + current->label() + " " + key +
                             ": set twice (first at " + prev->where.str() + ")");
    }
    current->add(ConfigEntry{key, *value, where});
  }
  return Status::ok();
}

KeySpec stringKey(std::string name, std::string help, bool required) {
  KeySpec k;
  k.name = std::move(name);
  k.help = std::move(help);
  k.required = required;
  return k;
}
KeySpec pathKey(std::string name, std::string help, bool required) {
  KeySpec k = stringKey(std::move(name), std::move(help), required);
  k.kind = ValueKind::kPath;
  return k;
}
KeySpec intKey(std::string name, long long min, long long max, std::string help, bool required) {
  KeySpec k = stringKey(std::move(name), std::move(help), required);
  k.kind = ValueKind::kInt;
  k.min = min;
  k.max = max;
  return k;
}
KeySpec boolKey(std::string name, std::string help) {
  KeySpec k = stringKey(std::move(name), std::move(help));
  k.kind = ValueKind::kBool;
  return k;
}
KeySpec durationKey(std::string name, std::string help, bool required) {
  KeySpec k = stringKey(std::move(name), std::move(help), required);
  k.kind = ValueKind::kDuration;
  return k;
}
KeySpec choiceKey(std::string name, std::vector<std::string> choices, std::string help,
                  bool required) {
  KeySpec k = stringKey(std::move(name), std::move(help), required);
  k.kind = ValueKind::kChoice;
  k.choices = std::move(choices);
  return k;
}

void ConfigSchema::add(SectionSpec spec) {
  sections_.push_back(std::move(spec));
}

const SectionSpec* ConfigSchema::find(const std::string& type) const {
  for (const auto& s : sections_) {
    if (s.type == type) return &s;
  }
  return nullptr;
}

std::vector<std::string> ConfigSchema::check(const ConfigFile& file) const {
  std::vector<std::pair<SourceLocation, std::string>> problems;
  auto report = [&](const SourceLocation& at, const std::string& msg) {
    problems.emplace_back(at, at.str() + ": " + msg);
  };
  std::vector<std::string> sectionTypes;
  for (const auto& s : sections_)
    sectionTypes.push_back(s.type);

  std::map<std::string, int> seen;
  for (const auto& sec : file.sections()) {
    const SectionSpec* spec = find(sec.type());
    if (!spec) {
      std::string msg = "unknown section " + sec.label();
      if (auto s = suggest(sec.type(), sectionTypes)) msg += " (did you mean [" + *s + "]?)";
      report(sec.where(), msg);
      continue;
    }
    if (spec->named && sec.name().empty()) {
      report(sec.where(), "section [" + sec.type() + "] needs a name: [" + sec.type() + " NAME]");
    }
    if (!spec->named && !sec.name().empty()) {
      report(sec.where(), "section [" + sec.type() + "] takes no name, got " + sec.label());
    }
    if (++seen[sec.type()] > 1 && !spec->multiple) {
      report(sec.where(), "section [" + sec.type() + "] may appear only once");
    }
    std::vector<std::string> keyNames;
    for (const auto& k : spec->keys)
      keyNames.push_back(k.name);
    for (const auto& e : sec.entries()) {
      auto k = std::find_if(spec->keys.begin(), spec->keys.end(),
                            [&](const KeySpec& ks) { return ks.name == e.key; });
      if (k == spec->keys.end()) {
        std::string msg = "unknown key '" + e.key + "' in " + sec.label();
        if (auto s = suggest(e.key, keyNames)) msg += " (did you mean '" + *s + "'?)";
        report(e.where, msg);
        continue;
      }
      Status st;
      switch (k->kind) {
        case ValueKind::kInt:
          st = sec.getInt(e.key, 0, k->min, k->max).status();
          break;
        case ValueKind::kBool:
          st = sec.getBool(e.key, false).status();
          break;
        case ValueKind::kDuration:
          st = sec.getDuration(e.key, Duration(0)).status();
          break;
        case ValueKind::kChoice:
          st = sec.getChoice(e.key, "", k->choices).status();
          break;
        case ValueKind::kPath:
          if (e.value.empty()) st = sec.errorAt(e.key, "needs a path");
          break;
        case ValueKind::kString:
          break;
      }
      if (!st) problems.emplace_back(e.where, st.message());
    }
    for (const auto& k : spec->keys) {
      if (k.required && !sec.has(k.name)) {
        report(sec.where(), sec.label() + " is missing the required key '" + k.name + "'");
      }
    }
  }
  for (const auto& spec : sections_) {
    if (spec.required && !seen.count(spec.type)) {
      SourceLocation top{file.files().empty() ? "config" : file.files().front(), 1};
      report(top, "missing required section [" + spec.type + "]");
    }
  }
  std::stable_sort(problems.begin(), problems.end(), [&](const auto& a, const auto& b) {
    if (a.first.file != b.first.file) {
      auto& fs = file.files();
      return std::find(fs.begin(), fs.end(), a.first.file) <
             std::find(fs.begin(), fs.end(), b.first.file);
    }
    return a.first.line < b.first.line;
  });
  std::vector<std::string> out;
  for (auto& p : problems)
    out.push_back(std::move(p.second));
  return out;
}

}  // namespace outpost::core
