// Logging: one line per event, with the call's id when one is in scope, to
// stderr or syslog. The logger is process-wide; any thread may log. The call
// context is per thread (LogContext), so a media thread and the control thread
// each tag their own lines.
#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

namespace outpost::core {

enum class LogLevel { kTrace, kDebug, kInfo, kNotice, kWarning, kError, kCritical };

const char* logLevelName(LogLevel level);
std::optional<LogLevel> parseLogLevel(std::string_view name);

enum class LogTarget { kStderr, kSyslog };

struct LogRecord {
  LogLevel level;
  std::string_view component;
  std::string_view context;  // "call=..." or empty
  std::string_view message;
};

class Logger {
 public:
  static Logger& instance();

  void setLevel(LogLevel level) { level_.store(level); }
  LogLevel level() const { return level_.load(); }
  bool enabled(LogLevel level) const { return level >= level_.load(); }
  // kSyslog opens syslog with `ident`; kStderr closes it again.
  void setTarget(LogTarget target, const std::string& ident = "outpostd");
  LogTarget target() const { return target_; }
  // Tests: every record also goes to `sink` (nullptr removes it).
  void setSink(std::function<void(const LogRecord&)> sink);

  void write(LogLevel level, std::string_view component, std::string_view message);

 private:
  std::atomic<LogLevel> level_{LogLevel::kInfo};
  LogTarget target_ = LogTarget::kStderr;
  std::string ident_;
  std::function<void(const LogRecord&)> sink_;
};

// While alive, every line logged on this thread carries `key=value` (for
// example call=7f3a). Contexts nest; the innermost wins.
class LogContext {
 public:
  LogContext(std::string_view key, std::string_view value);
  ~LogContext();
  LogContext(const LogContext&) = delete;
  LogContext& operator=(const LogContext&) = delete;

  static std::string_view current();

 private:
  std::string previous_;
};

// Builds one line and emits it when destroyed.
class LogLine {
 public:
  LogLine(LogLevel level, std::string_view component) : level_(level), component_(component) {}
  ~LogLine() { Logger::instance().write(level_, component_, stream_.str()); }
  template <typename T>
  LogLine& operator<<(const T& v) {
    stream_ << v;
    return *this;
  }

 private:
  LogLevel level_;
  std::string_view component_;
  std::ostringstream stream_;
};

}  // namespace outpost::core

// OUTPOST_LOG(Info, "store") << "opened " << path;
// The message is not built at all when the level is off. A one-pass for loop,
// not if/else, so the macro is safe inside an unbraced if.
#define OUTPOST_LOG(lvl, component)                                                        \
  for (bool outpost_log_once_ =                                                            \
           ::outpost::core::Logger::instance().enabled(::outpost::core::LogLevel::k##lvl); \
       outpost_log_once_; outpost_log_once_ = false)                                       \
  ::outpost::core::LogLine(::outpost::core::LogLevel::k##lvl, component)
