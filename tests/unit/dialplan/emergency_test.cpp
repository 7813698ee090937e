// Emergency classification: before any rule, on the last digit, never
// rewritten, shadowed or refused; and the plans that try are refused at load.
#include <boost/test/unit_test.hpp>

#include "tests/unit/dialplan/helpers.hpp"

using namespace dptest;

namespace {
const std::string kPhones =
    "class lobby\n"
    "  members 415X\n"
    "  allow internal\n"
    "hours never\n"
    "  open sun 00:00-00:01\n"
    "context phones\n"
    "  caller 41(XX) calling +131255501$1\n"
    "  dial 41XX route phones\n"
    "  dial N11 route pstn category services\n"
    "  dial 9NXXNXXXXXX strip 1 as national route outside category national\n"
    "  otherwise refuse 1\n";
}

BOOST_AUTO_TEST_SUITE(emergency)

BOOST_AUTO_TEST_CASE(us_numbers_with_and_without_the_outside_line) {
  auto p = mustLoad(kPrelude + kPhones);
  for (const char* n : {"911", "9911"}) {
    Decision d = eval(*p, {"phones", n, "4101"});
    BOOST_TEST(d.outcome == Outcome::kRoute);
    BOOST_TEST(d.emergency);
    BOOST_TEST(!d.emergency_test);
    BOOST_TEST(d.called == "911");  // the outside-line 9 never reaches the PSAP
    BOOST_TEST(d.calling == "+13125550101");
    BOOST_TEST(targetNames(d) == std::vector<std::string>{"pstn"});
    BOOST_TEST(d.targets[0].called == "911");
  }
  Decision t = eval(*p, {"phones", "9933", "4101"});
  BOOST_TEST(t.emergency);
  BOOST_TEST(t.emergency_test);
  BOOST_TEST(t.called == "933");
  BOOST_TEST(eval(*p, {"phones", "211", "4101"}).emergency ==
             false);  // N11 still works for the rest
  BOOST_TEST(eval(*p, {"phones", "211", "4101"}).route == "pstn");
}

BOOST_AUTO_TEST_CASE(fires_on_the_last_digit_without_waiting) {
  auto p = mustLoad(kPrelude + kPhones);
  Ask a{"phones", "9", "4101"};
  a.complete = false;
  BOOST_TEST(eval(*p, a).outcome == Outcome::kNeedMoreDigits);
  a.called = "99";
  BOOST_TEST(eval(*p, a).outcome == Outcome::kNeedMoreDigits);
  a.called = "991";
  BOOST_TEST(eval(*p, a).outcome == Outcome::kNeedMoreDigits);
  a.called = "9911";  // 9NXXNXXXXXX could still grow, but 9911 is complete: go now
  Decision d = eval(*p, a);
  BOOST_TEST(d.outcome == Outcome::kRoute);
  BOOST_TEST(d.emergency);
  a.called = "91";  // N11 would match 911 ... the emergency number wins at the 1
  BOOST_TEST(eval(*p, a).outcome == Outcome::kNeedMoreDigits);
  a.called = "911";
  BOOST_TEST(eval(*p, a).emergency);
  // Extra digits after an emergency number do not stop it.
  BOOST_TEST(eval(*p, {"phones", "91155", "4101"}).emergency);
}

BOOST_AUTO_TEST_CASE(no_class_mode_or_time_stops_it) {
  auto p = mustLoad(kPrelude + kPhones);
  Decision lobby = eval(*p, {"phones", "911", "4150"});
  BOOST_TEST(lobby.emergency);  // the lobby may not call national numbers, but 911 yes
  BOOST_TEST(eval(*p, {"phones", "93125550100", "4150"}).outcome == Outcome::kRefused);
  Ask s{"phones", "9911", "4150", Mode::kSurvival, "2026-12-25T03:00", "lobby"};
  Decision d = eval(*p, s);
  BOOST_TEST(d.emergency);
  BOOST_TEST(targetNames(d) == std::vector<std::string>{"pstn"});
  Ask unknown{"phones", "911", "4101"};
  unknown.cls = "no-such-class";
  BOOST_TEST(eval(*p, unknown).emergency);  // an unknown class refuses other calls, never 911
  // Even a context the plan does not know routes 911.
  Decision u = eval(*p, {"lobby-typo", "911", "4101"});
  BOOST_TEST(u.emergency);
  BOOST_TEST(u.outcome == Outcome::kRoute);
}

BOOST_AUTO_TEST_CASE(hostile_plans_are_refused_at_load) {
  struct Case {
    std::string rules;
    int line;
  };
  const std::vector<Case> cases = {
      {"  dial 911 route hq\n", 18},                 // shadow it
      {"  dial 9911 refuse 21\n", 18},               // refuse it
      {"  dial 911X strip 1 route pstn\n", 18},      // begin with it
      {"  dial [9]11 called 11 route pstn\n", 18},   // disguise it
      {"  dial 912 called 911 route hq\n", 18},      // rewrite into it
      {"  dial /911\\d*/ route hq\n", 18},           // as an expression
      {"  caller 9111 calling +13125550100\n", 18},  // an extension that begins with it
  };
  for (const auto& c : cases) {
    LoadResult r = load(kPrelude + "context phones\n" + c.rules + "  otherwise refuse 1\n");
    BOOST_TEST(!r.ok(), "accepted: " << c.rules);
    const Diagnostic* d = findDiag(r, "emergency", c.line);
    BOOST_TEST(d != nullptr,
               "no emergency error at line " << c.line << " for " << c.rules << r.report());
  }
  // A class cannot name emergency; a rule cannot claim the category either.
  BOOST_TEST(!load(kPrelude + "class x\n  deny emergency\n").ok());
  BOOST_TEST(!load(kPrelude +
                   "context c\n  dial 4XXX route pstn category emergency\n  otherwise refuse 1\n")
                  .ok());
  // A member pattern that is an emergency number.
  BOOST_TEST(findDiag(load(kPrelude + "class x\n  members 911\n"), "emergency") != nullptr);
}

BOOST_AUTO_TEST_CASE(a_prefix_rule_cannot_turn_911_into_11) {
  // "9." with strip 1 is the classic mistake that sends 9911 to "911"... or
  // 911 to "11": the emergency number is decided first, so the rule never sees it.
  auto p =
      mustLoad(kPrelude +
               "context phones\n"
               "  dial 9. strip 1 as dialled route pstn category national international premium\n"
               "  dial 9X. strip 1 route hq category national international premium\n"
               "  otherwise refuse 1\n"
               "  lint-ignore shadowed overlap open-wildcard\n");
  for (const char* n : {"911", "9911", "933", "9933"}) {
    Decision d = eval(*p, {"phones", n});
    BOOST_TEST(d.emergency, n);
    BOOST_TEST((d.called == "911" || d.called == "933"));
    BOOST_TEST(d.route == "pstn");
  }
}

BOOST_AUTO_TEST_CASE(emergency_route_rules) {
  // No emergency block: refused.
  BOOST_TEST(
      findDiag(
          load("target pstn trunk pstn\ncontext c\n  dial 4XXX route pstn\n  otherwise refuse 1\n"),
          "emergency") != nullptr);
  // A route that only works in normal mode, or depends on the time: refused.
  std::string base =
      "site\n  country 1\nhours day\n  open daily 08:00-18:00\ntarget pstn trunk pstn\n"
      "target hq sip hq\nroutes e\n";
  BOOST_TEST(findDiag(load(base + "  via hq when normal\nemergency\n  region us\n  route e\n"),
                      "emergency") != nullptr);
  BOOST_TEST(findDiag(load(base + "  via pstn when day\nemergency\n  region us\n  route e\n"),
                      "emergency") != nullptr);
  // Both modes covered: fine.
  LoadResult ok =
      load(base + "  via hq when normal\n  via pstn\nemergency\n  region us\n  route e\n");
  BOOST_TEST(ok.ok(), ok.report());
  // One emergency number hiding another.
  BOOST_TEST(findDiag(load(base + "  via pstn\nemergency\n  numbers 11 112\n  route e\n"),
                      "emergency") != nullptr);
}

BOOST_AUTO_TEST_CASE(eu_regions_and_per_context_routes) {
  auto p = mustLoad(
      "site\n  country 49\n  timezone Europe/Berlin\n"
      "emergency\n  region de\n  outside-line 0\n  route amt\n"
      "target amt trunk amt\ntarget local-amt trunk local-amt\n"
      "context lab\n  emergency-route local-amt\n  dial 0X. strip 1 as dialled route amt category "
      "national international\n"
      "  otherwise refuse 1\n"
      "context office\n  dial 0X. strip 1 as dialled route amt category national international\n  "
      "otherwise refuse 1\n");
  for (const char* n : {"112", "110", "0112", "0110"}) {
    BOOST_TEST(eval(*p, {"office", n}).emergency, n);
  }
  BOOST_TEST(eval(*p, {"office", "0112"}).called == "112");
  BOOST_TEST(eval(*p, {"office", "112"}).route == "amt");
  BOOST_TEST(eval(*p, {"lab", "112"}).route == "local-amt");
  // With 0 for an outside line, a Berlin number is 0 + 030 1234567.
  BOOST_TEST(eval(*p, {"office", "00301234567"}).called == "+49301234567");
}

BOOST_AUTO_TEST_CASE(no_emergency_contexts_are_flagged) {
  LoadResult r = load(
      kPrelude + "context pstn\n  no-emergency\n  dial 41XX route phones\n  otherwise refuse 1\n");
  BOOST_REQUIRE(r.ok());
  const Diagnostic* d = findDiag(r, "no-emergency");
  BOOST_REQUIRE(d);
  BOOST_TEST(d->severity == Severity::kWarning);
  BOOST_TEST(d->where.line == 18);
  BOOST_TEST(!eval(*r.plan, {"pstn", "911"}).emergency);
  LoadResult quiet =
      load(kPrelude +
           "context pstn\n  no-emergency\n  lint-ignore no-emergency\n  otherwise refuse 1\n");
  BOOST_TEST(findDiag(quiet, "no-emergency") == nullptr);
}

BOOST_AUTO_TEST_SUITE_END()
