// Error messages: broken plans, each with the FILE:LINE:COLUMN and the words
// an admin needs. The plan is refused and nothing else is affected.
#include <boost/test/unit_test.hpp>

#include "tests/unit/dialplan/helpers.hpp"

using namespace dptest;

namespace {

struct Broken {
  const char* name;
  std::string text;
  std::string where;    // "file:line:column"
  std::string message;  // a piece of the message
  std::string hint;     // a piece of the hint ("" = none expected)
};

// Each plan is the prelude plus a few lines; the prelude is 16 lines long.
std::vector<Broken> brokenPlans() {
  return {
      {"misspelt statement", kPrelude + "context c\n  dail 41XX route phones\n",
       "test.dialplan:18:3", "unknown statement 'dail'", "did you mean 'dial'?"},
      {"bad pattern character", kPrelude + "context c\n  dial 41Y9 route phones\n",
       "test.dialplan:18:10", "'Y' is not a pattern character", "regular expression"},
      {"wildcard in the middle", kPrelude + "context c\n  dial 9.11 route pstn\n",
       "test.dialplan:18:10", "nothing may follow '.'", ""},
      {"unclosed set", kPrelude + "context c\n  dial 4[1-5XX route phones\n", "test.dialplan:18:9",
       "'[' without a closing ']'", ""},
      {"unknown route", kPrelude + "context c\n  dial 41XX route phnoes\n", "test.dialplan:18:19",
       "no route list or target named 'phnoes'", "did you mean 'phones'?"},
      {"unterminated quote", kPrelude + "context c \"branch phones\n", "test.dialplan:17:11",
       "unterminated quoted text", ""},
      {"rule outside a context", "dial 41XX route phones\n", "test.dialplan:1:1",
       "unknown statement 'dial' at the top level", ""},
      {"rule in the wrong block", kPrelude + "  dial 41XX route phones\n", "test.dialplan:17:3",
       "unknown statement 'dial' in a 'routes' block", ""},
      {"bad regular expression", kPrelude + "context c\n  dial /9(011\\d+/ route pstn\n",
       "test.dialplan:18:10", "'(' without a matching ')'", ""},
      {"strip of words", kPrelude + "context c\n  dial 41XX strip one route phones\n",
       "test.dialplan:18:19", "not a digit count", ""},
      {"unknown time zone", "site\n  country 1\n  timezone America/Chicgo\n", "test.dialplan:3:12",
       "unknown time zone 'America/Chicgo'", "did you mean 'America/Chicago'?"},
      {"impossible opening hours", kPrelude + "hours h\n  open mon-fri 25:00-18:00\n",
       "test.dialplan:18:16", "not a time range", ""},
      {"capture that does not exist",
       kPrelude + "context c\n  dial 9(NXX) called +1$2 route pstn\n", "test.dialplan:18:22",
       "uses $2 but the pattern has 1 capture group", ""},
      {"duplicate context", kPrelude + "context c\n  otherwise refuse 1\ncontext c\n",
       "test.dialplan:19:9", "context 'c' is already defined", ""},
      {"failover on a made-up cause", kPrelude + "routes r\n  via pstn failover 34 999\n",
       "test.dialplan:18:24", "'999' is neither a Q.850 cause", ""},
      {"emergency number as extension", kPrelude + "context c\n  dial 9110 route phones\n",
       "test.dialplan:18:8", "begins with the emergency number 911",
       "cannot be rewritten, shadowed or refused"},
      {"missing import", kPrelude + "import \"extensions.dialplan\"\n", "test.dialplan:17:8",
       "cannot read 'extensions.dialplan'", ""},
      {"rule that goes nowhere", kPrelude + "context c\n  dial 41XX category internal\n",
       "test.dialplan:18:8", "does not say where the call goes", "route"},
      {"failing inline test",
       kPrelude + "context c\n  dial 41XX route phones\n  otherwise refuse 1\n"
                  "  test 4100 expect route hq\n",
       "test.dialplan:20:3", "test failed: 4100 in c: expected route hq, got route phones", ""},
  };
}

}  // namespace

BOOST_AUTO_TEST_SUITE(errors)

BOOST_AUTO_TEST_CASE(broken_plans_name_file_line_and_column) {
  for (const auto& b : brokenPlans()) {
    LoadResult r = load(b.text);
    BOOST_TEST(!r.ok(), b.name << ": the plan was accepted");
    BOOST_REQUIRE_MESSAGE(!r.diagnostics.empty(), b.name);
    const Diagnostic& d = r.diagnostics.front();
    BOOST_TEST(d.severity == Severity::kError, b.name);
    BOOST_TEST(d.where.str() == b.where, b.name << ": at " << d.where.str() << ": " << d.message);
    BOOST_TEST(d.message.find(b.message) != std::string::npos, b.name << ": " << d.message);
    if (!b.hint.empty())
      BOOST_TEST(d.hint.find(b.hint) != std::string::npos, b.name << ": hint " << d.hint);
  }
}

BOOST_AUTO_TEST_CASE(the_message_quotes_the_line_and_underlines_the_text) {
  LoadResult r = load(kPrelude + "context c\n  dial 41XX route phnoes\n");
  BOOST_REQUIRE(!r.diagnostics.empty());
  std::string f = r.diagnostics.front().format();
  BOOST_TEST(f ==
             "test.dialplan:18:19: error: no route list or target named 'phnoes' [unknown-name]\n"
             "      dial 41XX route phnoes\n"
             "                      ^~~~~~\n"
             "  hint: did you mean 'phones'?");
  BOOST_TEST(r.summary().find("refused; 1 error, 0 warnings") == 0u, r.summary());
}

BOOST_AUTO_TEST_CASE(errors_in_an_imported_file_name_that_file) {
  LoadResult r =
      load(kPrelude + "import \"ext.dialplan\"\n",
           {{"ext.dialplan", "context ext\n  dial 41XX route phones\n  dial 4XXX rout hq\n"}});
  BOOST_REQUIRE(!r.diagnostics.empty());
  BOOST_TEST(r.diagnostics.front().where.str() == "ext.dialplan:3:13");
  LoadResult loop =
      load(kPrelude + "import \"a.dialplan\"\n", {{"a.dialplan", "import \"test.dialplan\"\n"}});
  BOOST_TEST(loop.diagnostics.front().message.find("import loop") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(many_errors_are_all_reported) {
  LoadResult r =
      load(kPrelude +
           "context c\n  dial 41Y9 route phones\n  dial 52[ route hq\n  dial 6X route nowhere\n");
  BOOST_TEST(r.errors == 3u, r.report());
}

BOOST_AUTO_TEST_SUITE_END()

// Inputs the fuzzer found that once crashed the loader or the JSON output.
BOOST_AUTO_TEST_SUITE(found_by_fuzzing)

BOOST_AUTO_TEST_CASE(a_target_with_a_bad_address_then_its_format_line) {
  LoadResult r = load(kPrelude + "target x trunk ps\xb8n\n  format called national\n");
  BOOST_TEST(!r.ok());
  BOOST_TEST(r.diagnostics.front().where.line == 17);
}

BOOST_AUTO_TEST_CASE(text_that_is_not_utf8_is_an_error_not_a_crash) {
  LoadResult r = load(kPrelude + "context c \"caf\xe9\"\n  otherwise refuse 1\n");
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.diagnostics.front().where.str() == "test.dialplan:17:15");
  BOOST_TEST(r.diagnostics.front().message.find("UTF-8") != std::string::npos);
  // A number a caller sends is echoed in reasons; JSON output stays valid.
  auto p = mustLoad(kPrelude + "context c\n  dial 41XX route phones\n  otherwise refuse 1\n");
  Query q;
  q.context = "c";
  q.called = "41\xff";
  q.caller_class = "x\xfe";
  std::string json = toJson(p->evaluate(q)).dump();
  BOOST_TEST(json.find("invalid") == std::string::npos);
  BOOST_TEST(json.find("41?") != std::string::npos, json);
}

BOOST_AUTO_TEST_CASE(a_time_zone_that_is_a_directory) {
  LoadResult r = load("site\n  country 1\n  timezone America\n");
  BOOST_REQUIRE(!r.ok());
  BOOST_TEST(r.diagnostics.front().message.find("unknown time zone 'America'") !=
             std::string::npos);
  LoadResult d = load(kPrelude + "import \"/usr/share/zoneinfo\"\n", {}, [] {
    LoadOptions o;
    o.reader = fileSystemReader();
    return o;
  }());
  BOOST_TEST(!d.ok());
  BOOST_TEST(d.diagnostics.front().message.find("is a directory") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
