#include "core/log.hpp"

#include <syslog.h>
#include <unistd.h>

#include <mutex>

#include "core/clock.hpp"

namespace outpost::core {

namespace {
thread_local std::string t_context;
std::mutex g_log_mutex;

int syslogPriority(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace:
    case LogLevel::kDebug:
      return LOG_DEBUG;
    case LogLevel::kInfo:
      return LOG_INFO;
    case LogLevel::kNotice:
      return LOG_NOTICE;
    case LogLevel::kWarning:
      return LOG_WARNING;
    case LogLevel::kError:
      return LOG_ERR;
    case LogLevel::kCritical:
      return LOG_CRIT;
  }
  return LOG_INFO;
}
}  // namespace

const char* logLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace:
      return "trace";
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kNotice:
      return "notice";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
    case LogLevel::kCritical:
      return "critical";
  }
  return "info";
}

std::optional<LogLevel> parseLogLevel(std::string_view name) {
  for (LogLevel l : {LogLevel::kTrace, LogLevel::kDebug, LogLevel::kInfo, LogLevel::kNotice,
                     LogLevel::kWarning, LogLevel::kError, LogLevel::kCritical}) {
    if (name == logLevelName(l)) return l;
  }
  if (name == "warn") return LogLevel::kWarning;
  return std::nullopt;
}

Logger& Logger::instance() {
  static Logger logger;
  return logger;
}

void Logger::setTarget(LogTarget target, const std::string& ident) {
  std::lock_guard lock(g_log_mutex);
  if (target_ == LogTarget::kSyslog) closelog();
  target_ = target;
  if (target == LogTarget::kSyslog) {
    ident_ = ident;  // openlog keeps the pointer
    openlog(ident_.c_str(), LOG_PID | LOG_NDELAY, LOG_DAEMON);
  }
}

void Logger::setSink(std::function<void(const LogRecord&)> sink) {
  std::lock_guard lock(g_log_mutex);
  sink_ = std::move(sink);
}

void Logger::write(LogLevel level, std::string_view component, std::string_view message) {
  std::string_view ctx = t_context;
  std::string line;
  line.reserve(64 + message.size());
  if (target_ == LogTarget::kStderr) {
    line += formatUtc(SystemClock::instance().wallNow());
    line += ' ';
  }
  line += logLevelName(level);
  line += ' ';
  line += component;
  if (!ctx.empty()) {
    line += " [";
    line += ctx;
    line += ']';
  }
  line += ": ";
  // One event, one line: a newline inside a message would forge a second one.
  for (char c : message)
    line += (c == '\n' || c == '\r') ? ' ' : c;
  std::lock_guard lock(g_log_mutex);
  if (sink_) sink_(LogRecord{level, component, ctx, message});
  if (target_ == LogTarget::kSyslog) {
    syslog(syslogPriority(level), "%s", line.c_str());
  } else {
    line += '\n';
    // A single write keeps lines from different threads whole.
    ssize_t r = ::write(STDERR_FILENO, line.data(), line.size());
    (void)r;
  }
}

LogContext::LogContext(std::string_view key, std::string_view value) : previous_(t_context) {
  t_context.assign(key);
  t_context += '=';
  t_context += value;
}

LogContext::~LogContext() {
  t_context = std::move(previous_);
}

std::string_view LogContext::current() {
  return t_context;
}

}  // namespace outpost::core
