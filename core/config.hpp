// Configuration reader: INI-style text files ([section] or [type name],
// key = value, # or ; comments, `include FILE` with globs) and a schema that
// checks them, so every mistake is reported as "FILE:LINE: ..." naming the key
// and, for a typo, the key that was probably meant. A ConfigFile is a plain
// value; build it on any thread, hand it over by move.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace outpost::core {

struct SourceLocation {
  std::string file;
  int line = 0;
  std::string str() const { return file + ":" + std::to_string(line); }
};

struct ConfigEntry {
  std::string key;
  std::string value;
  SourceLocation where;
};

class ConfigSection {
 public:
  ConfigSection(std::string type, std::string name, SourceLocation where)
      : type_(std::move(type)), name_(std::move(name)), where_(std::move(where)) {}

  const std::string& type() const { return type_; }
  const std::string& name() const { return name_; }  // "" for [general]
  const SourceLocation& where() const { return where_; }
  // "[peer hq]" or "[general]", for messages.
  std::string label() const;
  const std::vector<ConfigEntry>& entries() const { return entries_; }
  const ConfigEntry* find(const std::string& key) const;
  bool has(const std::string& key) const { return find(key) != nullptr; }

  // Typed getters: absent keys give the fallback; malformed values give an
  // error "FILE:LINE: [section] key: ...".
  Result<std::string> getString(const std::string& key, const std::string& fallback = "") const;
  Result<long long> getInt(const std::string& key, long long fallback, long long min,
                           long long max) const;
  Result<bool> getBool(const std::string& key, bool fallback) const;
  Result<Duration> getDuration(const std::string& key, Duration fallback,
                               Duration bareUnit = std::chrono::seconds(1)) const;
  Result<std::string> getChoice(const std::string& key, const std::string& fallback,
                                const std::vector<std::string>& choices) const;
  // Error at this key's line (or the section's when the key is absent).
  Error errorAt(const std::string& key, const std::string& message) const;

  void add(ConfigEntry e) { entries_.push_back(std::move(e)); }

 private:
  std::string type_;
  std::string name_;
  SourceLocation where_;
  std::vector<ConfigEntry> entries_;
};

class ConfigFile {
 public:
  // Reads `path` and everything it includes. Include paths are relative to
  // the including file.
  static Result<ConfigFile> load(const std::string& path);
  // Parses text already in memory (the embedded default); includes resolve
  // against `baseDir`.
  static Result<ConfigFile> parse(const std::string& text, const std::string& sourceName,
                                  const std::string& baseDir = ".");

  const std::vector<ConfigSection>& sections() const { return sections_; }
  const ConfigSection* find(const std::string& type, const std::string& name = "") const;
  std::vector<const ConfigSection*> all(const std::string& type) const;
  // Every file read, the main one first (for reload and status).
  const std::vector<std::string>& files() const { return files_; }

 private:
  Status parseText(const std::string& text, const std::string& sourceName,
                   const std::string& baseDir, int depth);
  Status parseFile(const std::string& path, int depth);

  std::vector<ConfigSection> sections_;
  std::vector<std::string> files_;
};

// What a valid configuration may contain. Modules add their own sections.
enum class ValueKind { kString, kInt, kBool, kDuration, kChoice, kPath };

struct KeySpec {
  std::string name;
  ValueKind kind = ValueKind::kString;
  std::string help;
  bool required = false;
  long long min = 0, max = 0;        // kInt
  std::vector<std::string> choices;  // kChoice
};

KeySpec stringKey(std::string name, std::string help, bool required = false);
KeySpec pathKey(std::string name, std::string help, bool required = false);
KeySpec intKey(std::string name, long long min, long long max, std::string help,
               bool required = false);
KeySpec boolKey(std::string name, std::string help);
KeySpec durationKey(std::string name, std::string help, bool required = false);
KeySpec choiceKey(std::string name, std::vector<std::string> choices, std::string help,
                  bool required = false);

struct SectionSpec {
  std::string type;
  bool named = false;     // [peer NAME] rather than [general]
  bool multiple = false;  // may appear more than once (with different names)
  bool required = false;
  std::string help;
  std::vector<KeySpec> keys;
};

class ConfigSchema {
 public:
  void add(SectionSpec spec);
  const SectionSpec* find(const std::string& type) const;
  // Every problem in the file, each one line "FILE:LINE: ...", in file order.
  std::vector<std::string> check(const ConfigFile& file) const;

 private:
  std::vector<SectionSpec> sections_;
};

}  // namespace outpost::core
