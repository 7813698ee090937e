#include <boost/test/unit_test.hpp>

#include "core/config.hpp"
#include "tests/support/process.hpp"

using namespace outpost::core;
using outpost::test::TempDir;

namespace {
ConfigSchema demoSchema() {
  ConfigSchema s;
  s.add(SectionSpec{
      "general",
      false,
      false,
      true,
      "",
      {stringKey("site", ""), choiceKey("log_level", {"debug", "info", "warning"}, ""),
       intKey("port", 1, 65535, ""), durationKey("hold_down", ""), boolKey("enabled", "")}});
  s.add(SectionSpec{"peer", true, true, false, "", {stringKey("address", "", true)}});
  return s;
}

std::string firstError(const std::string& text, const std::string& name = "site.conf") {
  auto f = ConfigFile::parse(text, name);
  if (!f) return f.error().message;
  auto problems = demoSchema().check(*f);
  return problems.empty() ? "" : problems.front();
}
}  // namespace

BOOST_AUTO_TEST_SUITE(config)

BOOST_AUTO_TEST_CASE(reads_sections_keys_comments_and_quotes) {
  auto f = ConfigFile::parse(
      "# comment\n"
      "; also a comment\n"
      "[general]\n"
      "site = Chicago 12   # trailing comment\n"
      "log_level=debug\n"
      "hold_down = 90s\n"
      "\n"
      "[peer hq]\n"
      "address = \"sip:hq.example.com;transport=tcp # not a comment\"\n"
      "[peer trunk]\n"
      "address = 127.0.0.1:5080\n",
      "site.conf");
  BOOST_REQUIRE_MESSAGE(f, (f ? "" : f.error().message));
  BOOST_TEST(demoSchema().check(*f).empty());
  const ConfigSection* g = f->find("general");
  BOOST_REQUIRE(g);
  BOOST_TEST(g->getString("site").value() == "Chicago 12");
  BOOST_TEST(
      (g->getDuration("hold_down", Duration(0)).value() == Duration(std::chrono::seconds(90))));
  BOOST_TEST(f->all("peer").size() == 2u);
  BOOST_TEST(f->find("peer", "hq")->getString("address").value() ==
             "sip:hq.example.com;transport=tcp # not a comment");
  BOOST_TEST(f->find("peer", "hq")->find("address")->where.line == 9);
}

BOOST_AUTO_TEST_CASE(unknown_key_names_file_line_and_suggests) {
  std::string e = firstError("[general]\nsite = x\nlgo_level = info\n");
  BOOST_TEST(e == "site.conf:3: unknown key 'lgo_level' in [general] (did you mean 'log_level'?)");
}

BOOST_AUTO_TEST_CASE(unknown_section_suggests) {
  std::string e = firstError("[general]\n[pear hq]\naddress = x\n");
  BOOST_TEST(e == "site.conf:2: unknown section [pear hq] (did you mean [peer]?)");
}

BOOST_AUTO_TEST_CASE(bad_values_name_file_line_section_and_key) {
  BOOST_TEST(firstError("[general]\nport = 99999\n") ==
             "site.conf:2: [general] port: must be between 1 and 65535, got 99999");
  BOOST_TEST(firstError("[general]\nport = fifty\n") ==
             "site.conf:2: [general] port: expected a whole number, got 'fifty'");
  BOOST_TEST(firstError("[general]\nenabled = maybe\n") ==
             "site.conf:2: [general] enabled: expected yes or no, got 'maybe'");
  BOOST_TEST(firstError("[general]\nhold_down = soon\n") ==
             "site.conf:2: [general] hold_down: expected a duration such as 500ms, 10s, 5m or 3h, "
             "got 'soon'");
  BOOST_TEST(firstError("[general]\nlog_level = wraning\n") ==
             "site.conf:2: [general] log_level: expected one of debug, info, warning, got "
             "'wraning' (did you mean 'warning'?)");
}

BOOST_AUTO_TEST_CASE(structural_errors_name_the_line) {
  BOOST_TEST(firstError("[general\n") == "site.conf:1: section header is missing its closing ']'");
  BOOST_TEST(firstError("site = x\n") == "site.conf:1: key 'site' is outside any [section]");
  BOOST_TEST(firstError("[general]\nsite = a\nsite = b\n") ==
             "site.conf:3: [general] site: set twice (first at site.conf:2)");
  BOOST_TEST(
      firstError("[general]\njust words\n") ==
      "site.conf:2: expected 'key = value', '[section]' or 'include FILE', got 'just words'");
  BOOST_TEST(firstError("[general]\n[general]\n") ==
             "site.conf:2: section [general] is already defined at site.conf:1");
  BOOST_TEST(firstError("[general]\nsite = \"open\n") == "site.conf:2: unterminated quote");
  BOOST_TEST(firstError("[peer]\naddress = x\n[general]\n") ==
             "site.conf:1: section [peer] needs a name: [peer NAME]");
  BOOST_TEST(firstError("[general]\n[peer hq]\n") ==
             "site.conf:2: [peer hq] is missing the required key 'address'");
  BOOST_TEST(firstError("[peer hq]\naddress = x\n") ==
             "site.conf:1: missing required section [general]");
}

BOOST_AUTO_TEST_CASE(includes_resolve_relative_to_the_including_file) {
  TempDir dir;
  dir.write("main.conf", "[general]\nsite = x\ninclude peers/*.conf\n");
  dir.write("peers/hq.conf", "[peer hq]\naddress = 10.0.0.1\n");
  dir.write("peers/trunk.conf", "[peer trunk]\naddress = 10.0.0.2\nbogus = 1\n");
  auto f = ConfigFile::load(dir.file("main.conf"));
  BOOST_REQUIRE_MESSAGE(f, (f ? "" : f.error().message));
  BOOST_TEST(f->all("peer").size() == 2u);
  BOOST_TEST(f->files().size() == 3u);
  auto problems = demoSchema().check(*f);
  BOOST_REQUIRE(problems.size() == 1u);
  BOOST_TEST(problems[0] ==
             dir.file("peers/trunk.conf") + ":3: unknown key 'bogus' in [peer trunk]");
}

BOOST_AUTO_TEST_CASE(missing_include_and_include_loops_are_errors) {
  TempDir dir;
  dir.write("a.conf", "[general]\ninclude nothere.conf\n");
  auto f = ConfigFile::load(dir.file("a.conf"));
  BOOST_REQUIRE(!f);
  BOOST_TEST(f.error().message ==
             dir.file("a.conf") + ":2: cannot include 'nothere.conf': no such file");

  dir.write("b.conf", "include c.conf\n");
  dir.write("c.conf", "include b.conf\n");
  auto g = ConfigFile::load(dir.file("b.conf"));
  BOOST_REQUIRE(!g);
  BOOST_TEST(g.error().message.find("include loop") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_missing_file_is_an_error_naming_it) {
  auto f = ConfigFile::load("/nonexistent/outpost.conf");
  BOOST_REQUIRE(!f);
  BOOST_TEST(f.error().message == "/nonexistent/outpost.conf: No such file or directory");
}

BOOST_AUTO_TEST_SUITE_END()
