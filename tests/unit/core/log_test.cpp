#include <boost/test/unit_test.hpp>
#include <thread>

#include "core/log.hpp"
#include "core/strings.hpp"

using namespace outpost::core;

namespace {
struct Captured {
  std::vector<std::string> lines;
  Captured() {
    Logger::instance().setSink([this](const LogRecord& r) {
      lines.push_back(std::string(logLevelName(r.level)) + " " + std::string(r.component) + " [" +
                      std::string(r.context) + "] " + std::string(r.message));
    });
  }
  ~Captured() {
    Logger::instance().setSink(nullptr);
    Logger::instance().setLevel(LogLevel::kInfo);
  }
};
}  // namespace

BOOST_FIXTURE_TEST_SUITE(logging, Captured)

BOOST_AUTO_TEST_CASE(levels_filter_and_call_context_tags_lines) {
  Logger::instance().setLevel(LogLevel::kInfo);
  int built = 0;
  auto expensive = [&] {
    ++built;
    return "x";
  };
  OUTPOST_LOG(Debug, "sip") << "hidden " << expensive();
  {
    LogContext call("call", "c42");
    OUTPOST_LOG(Warning, "pri") << "span 1 "
                                << "alarm";
    {
      LogContext inner("call", "c43");
      OUTPOST_LOG(Info, "pri") << "inner";
    }
    OUTPOST_LOG(Info, "pri") << "outer again";
  }
  OUTPOST_LOG(Error, "store") << "no context";
  BOOST_TEST(built == 0);  // a disabled level builds no message
  BOOST_REQUIRE(lines.size() == 4u);
  BOOST_TEST(lines[0] == "warning pri [call=c42] span 1 alarm");
  BOOST_TEST(lines[1] == "info pri [call=c43] inner");
  BOOST_TEST(lines[2] == "info pri [call=c42] outer again");
  BOOST_TEST(lines[3] == "error store [] no context");
}

BOOST_AUTO_TEST_CASE(context_is_per_thread) {
  LogContext call("call", "main");
  std::thread t([] { OUTPOST_LOG(Info, "media") << "from media thread"; });
  t.join();
  BOOST_REQUIRE(lines.size() == 1u);
  BOOST_TEST(lines[0] == "info media [] from media thread");
}

BOOST_AUTO_TEST_CASE(level_names_parse_back) {
  for (auto l : {LogLevel::kTrace, LogLevel::kDebug, LogLevel::kInfo, LogLevel::kNotice,
                 LogLevel::kWarning, LogLevel::kError, LogLevel::kCritical}) {
    BOOST_TEST((parseLogLevel(logLevelName(l)) == l));
  }
  BOOST_TEST(!parseLogLevel("loud").has_value());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(strings)

BOOST_AUTO_TEST_CASE(durations_and_suggestions) {
  BOOST_TEST((parseDuration("250ms") == Duration(std::chrono::milliseconds(250))));
  BOOST_TEST((parseDuration("3h") == Duration(std::chrono::hours(3))));
  BOOST_TEST((parseDuration("7") == Duration(std::chrono::seconds(7))));
  BOOST_TEST(!parseDuration("7 parsecs").has_value());
  BOOST_TEST(!parseDuration("").has_value());
  BOOST_TEST(editDistance("lgo_level", "log_level") == 1u);
  BOOST_TEST(suggest("stauts", {"status", "spans", "calls"}).value_or("") == "status");
  BOOST_TEST(!suggest("frobnicate", {"status", "spans"}).has_value());
  auto w = splitCommandLine("call 4100 \"+1 312 555 0100\" a\\ b");
  BOOST_REQUIRE(w.has_value());
  BOOST_TEST(w->size() == 4u);
  BOOST_TEST((*w)[2] == "+1 312 555 0100");
  BOOST_TEST((*w)[3] == "a b");
  BOOST_TEST(quoteWord("a b") == "\"a b\"");
}

BOOST_AUTO_TEST_SUITE_END()
