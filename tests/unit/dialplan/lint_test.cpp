// Lint findings, each on a small plan that has exactly that problem.
#include <boost/test/unit_test.hpp>

#include "tests/unit/dialplan/helpers.hpp"

using namespace dptest;

namespace {
LoadResult linted(const std::string& context) {
  return load(kPrelude + context);
}
}  // namespace

BOOST_AUTO_TEST_SUITE(lint)

BOOST_AUTO_TEST_CASE(shadowed_rules) {
  std::string rules = "context c\n  dial 41XX route phones\n";
  for (int d = 0; d < 10; ++d)
    rules += "  dial 41" + std::to_string(d) + "X route hq\n";
  rules += "  otherwise refuse 1\n";
  LoadResult r = linted(rules);
  BOOST_REQUIRE(r.ok());
  const Diagnostic* d = findDiag(r, "shadowed");
  BOOST_REQUIRE(d);
  BOOST_TEST(d->where.line == 18);
  BOOST_TEST(d->severity == Severity::kWarning);
  BOOST_TEST(d->message.find("410X (line 19)") != std::string::npos, d->message);
  // Nine of ten: 41XX still takes 4190-4199.
  LoadResult nine =
      linted("context c\n  dial 41XX route phones\n  dial 410X route hq\n  otherwise refuse 1\n");
  BOOST_TEST(findDiag(nine, "shadowed") == nullptr);
  // Shadowed by emergency numbers: a rule for 9911X.
  LoadResult e = linted("context c\n  dial 991[1]! route hq\n  otherwise refuse 1\n");
  BOOST_TEST(!e.ok());  // begins with 9911: an error, not just a finding
}

BOOST_AUTO_TEST_CASE(crossing_overlaps_with_different_routes) {
  LoadResult r = linted(
      "context c\n"
      "  dial 1NXXNXXXXXX route outside category national\n"
      "  dial [0-9]800NXXXXXX route hq category tollfree\n"
      "  otherwise refuse 1\n");
  const Diagnostic* d = findDiag(r, "overlap");
  BOOST_REQUIRE(d);
  BOOST_TEST(d->where.line == 19);
  BOOST_TEST(d->message.find("18002000000") != std::string::npos, d->message);
  // A specific exception inside a general rule is what precedence is for: no finding.
  LoadResult nested = linted(
      "context c\n"
      "  dial 1NXXNXXXXXX route outside category national\n"
      "  dial 1800NXXXXXX route hq category tollfree\n"
      "  otherwise refuse 1\n");
  BOOST_TEST(findDiag(nested, "overlap") == nullptr);
  // Same destination: no finding either.
  LoadResult same = linted(
      "context c\n"
      "  dial 1NXXNXXXXXX route outside\n"
      "  dial [0-9]800NXXXXXX route outside\n"
      "  otherwise refuse 1\n");
  BOOST_TEST(findDiag(same, "overlap") == nullptr);
  // Silenced on the rule.
  LoadResult quiet = linted(
      "context c\n"
      "  dial 1NXXNXXXXXX route outside category national\n"
      "  dial [0-9]800NXXXXXX route hq category tollfree lint-ignore overlap\n"
      "  otherwise refuse 1\n");
  BOOST_TEST(findDiag(quiet, "overlap") == nullptr);
}

BOOST_AUTO_TEST_CASE(open_wildcards_reaching_international_or_premium) {
  // Unclassified: an error, the plan is refused.
  LoadResult bad = linted("context c\n  dial 9. strip 1 route pstn\n  otherwise refuse 1\n");
  BOOST_TEST(!bad.ok());
  const Diagnostic* d = findDiag(bad, "open-wildcard");
  BOOST_REQUIRE(d);
  BOOST_TEST(d->severity == Severity::kError);
  BOOST_TEST(d->where.line == 18);
  BOOST_TEST(d->message.find("international") != std::string::npos);
  // Classified by the numbering plan only: a warning.
  LoadResult warn = linted(
      "context c\n  dial 9. strip 1 as dialled route pstn category national\n  otherwise refuse "
      "1\n");
  BOOST_TEST(warn.ok());
  const Diagnostic* w = findDiag(warn, "open-wildcard");
  BOOST_REQUIRE(w);
  BOOST_TEST(w->severity == Severity::kWarning);
  // Declared: fine.
  LoadResult ok = linted(
      "context c\n  dial 9011X. strip 1 as dialled route pstn category international\n  otherwise "
      "refuse 1\n");
  BOOST_TEST(findDiag(ok, "open-wildcard") == nullptr);
  // A regular expression is open-ended too.
  BOOST_TEST(
      findDiag(linted("context c\n  dial /9(\\d+)/ called $1 route pstn\n  otherwise refuse 1\n"),
               "open-wildcard") != nullptr);
  // So is an `otherwise` that routes everything.
  BOOST_TEST(findDiag(linted("context c\n  otherwise route pstn\n"), "open-wildcard") != nullptr);
}

BOOST_AUTO_TEST_CASE(missing_default_no_emergency_and_mode_gaps) {
  LoadResult r = linted(
      "routes wan\n  via hq when normal\n"
      "context c\n  dial 5XXX route wan\n  no-emergency\n");
  const Diagnostic* nd = findDiag(r, "no-default");
  BOOST_REQUIRE(nd);
  BOOST_TEST(nd->where.line == 19);
  BOOST_TEST(findDiag(r, "no-emergency", 21) != nullptr);
  const Diagnostic* gap = findDiag(r, "mode-gap");
  BOOST_REQUIRE(gap);
  BOOST_TEST(gap->where.line == 17);
  BOOST_TEST(gap->message.find("survival") != std::string::npos);
  BOOST_TEST(r.ok());  // warnings do not refuse a plan ...
  LoadOptions strict;
  strict.warnings_are_errors = true;
  BOOST_TEST(
      !load(kPrelude + "routes wan\n  via hq when normal\ncontext c\n  dial 5XXX route wan\n", {},
            strict)
           .ok());
}

BOOST_AUTO_TEST_CASE(loops_between_contexts_are_errors) {
  LoadResult inc = linted(
      "context a\n  include b\n  otherwise refuse 1\ncontext b\n  include a\n  otherwise refuse "
      "1\n");
  const Diagnostic* d = findDiag(inc, "loop");
  BOOST_REQUIRE(d);
  BOOST_TEST(d->message.find("a -> b -> a") != std::string::npos, d->message);
  LoadResult go = linted(
      "context a\n  dial 1X goto b\n  otherwise refuse 1\n"
      "context b\n  dial 1X goto c\n  otherwise refuse 1\n"
      "context c\n  dial 1X goto a\n  otherwise refuse 1\n");
  BOOST_TEST(findDiag(go, "loop") != nullptr);
  BOOST_TEST(!go.ok());
}

BOOST_AUTO_TEST_CASE(unused_definitions_and_repeated_when_lines) {
  LoadResult r = linted(
      "target spare sip spare\nclass nobody\n  deny premium\n"
      "hours day\n  open daily 08:00-18:00\n"
      "context c\n  dial 0 route phones\n    when day called 4100\n    when day called 4101\n  "
      "otherwise refuse 1\n");
  BOOST_TEST(findDiag(r, "unused", 17) != nullptr);  // target spare
  BOOST_TEST(findDiag(r, "unused", 18) != nullptr);  // class nobody
  BOOST_TEST(findDiag(r, "unreachable-when", 25) != nullptr);
}

BOOST_AUTO_TEST_SUITE_END()
