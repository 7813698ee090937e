// pstn-sim's rules file: patterns as telecom people write them, actions and
// options, completeness for overlap receiving, and errors as FILE:LINE.
#define BOOST_TEST_MODULE pstn_sim_rules
#include <boost/test/unit_test.hpp>

#include "tests/support/process.hpp"
#include "tools/pstn_sim_rules.hpp"

using namespace outpost::tools;

namespace {
NumberPattern pat(const std::string& s) {
  auto p = NumberPattern::parse(s);
  BOOST_REQUIRE_MESSAGE(p.isOk(), (p.isOk() ? std::string() : p.error().message));
  return *p;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(pstn_sim_rules)

BOOST_AUTO_TEST_CASE(patterns_match_the_way_dial_plans_do) {
  BOOST_TEST(pat("911").matches("911"));
  BOOST_TEST(!pat("911").matches("9111"));
  BOOST_TEST(pat("NXXNXXXXXX").matches("3125550123"));
  BOOST_TEST(!pat("NXXNXXXXXX").matches("1125550123"));  // N is 2-9
  BOOST_TEST(!pat("NXXNXXXXXX").matches("312555012"));
  BOOST_TEST(pat("1NXXNXXXXXX").matches("13125550123"));
  BOOST_TEST(pat("_555[0-4]XXX").matches("5553000"));
  BOOST_TEST(!pat("555[0-4]XXX").matches("5555000"));
  BOOST_TEST(pat("555[13-5]X").matches("55540"));
  BOOST_TEST(pat("011.").matches("01144207946"));
  BOOST_TEST(!pat("011.").matches("011"));  // "." wants at least one more
  BOOST_TEST(pat("011!").matches("011"));
  BOOST_TEST(pat(".").matches("5"));
  BOOST_TEST(pat("Z#*").matches("1#*"));
  BOOST_TEST(!pat("Z").matches("0"));
}

BOOST_AUTO_TEST_CASE(could_grow_tells_overlap_receiving_to_wait) {
  BOOST_TEST(pat("NXXNXXXXXX").couldGrow("312"));
  BOOST_TEST(!pat("NXXNXXXXXX").couldGrow("3125550123"));
  BOOST_TEST(!pat("NXXNXXXXXX").couldGrow("112"));
  BOOST_TEST(pat("011.").couldGrow("011"));
  BOOST_TEST(pat("011.").couldGrow("0114"));
  BOOST_TEST(pat("911").couldGrow(""));

  auto rules = RuleSet::parse("911 psap\n3125550123 answer\n555XXXX unallocated\n", "r");
  BOOST_REQUIRE(rules.isOk());
  using C = RuleSet::Completeness;
  BOOST_TEST((rules->completeness("91") == C::kIncomplete));
  BOOST_TEST((rules->completeness("911") == C::kComplete));
  BOOST_TEST((rules->completeness("312555") == C::kIncomplete));
  BOOST_TEST((rules->completeness("3125550123") == C::kComplete));
  BOOST_TEST((rules->completeness("7") == C::kNoMatch));
}

BOOST_AUTO_TEST_CASE(actions_options_and_the_first_match_wins) {
  auto r = RuleSet::parse(
      "# a PSAP and some numbers\n"
      "911   psap callback_from=3125559911   # emergency\n"
      "3125550199 busy\n"
      "3125550111 reject cause=congestion after=1s\n"
      "3125550142 answer after=2s progress=ringback inband=yes media=tone:1004,record:x.wav\n"
      "3125550150 ring\n"
      "3125550160 answer media=dtmf:12#,detect hangup_after=5s alert=no\n"
      ". answer\n",
      "rules");
  BOOST_REQUIRE_MESSAGE(r.isOk(), (r.isOk() ? std::string() : r.error().message));
  BOOST_TEST(r->rules().size() == 7u);
  const Rule* psap = r->match("911");
  BOOST_REQUIRE(psap);
  BOOST_TEST(psap->line == 2);
  BOOST_TEST((psap->action == Rule::Action::kPsap));
  BOOST_TEST(psap->callback_from == "3125559911");
  BOOST_TEST(r->match("3125550199")->cause == 17);
  const Rule* cong = r->match("3125550111");
  BOOST_TEST(cong->cause == 34);
  BOOST_TEST((cong->after == std::chrono::seconds(1)));
  const Rule* a = r->match("3125550142");
  BOOST_TEST(*a->progress == "ringback");
  BOOST_TEST(a->inband);
  BOOST_REQUIRE(a->media.size() == 2u);
  BOOST_TEST(mediaActionText(a->media[0]) == "tone:1004");
  BOOST_TEST(mediaActionText(a->media[1]) == "record:x.wav");
  BOOST_TEST((r->match("3125550150")->action == Rule::Action::kRing));
  const Rule* d = r->match("3125550160");
  BOOST_TEST(!d->alert);
  BOOST_TEST((d->hangup_after == std::chrono::seconds(5)));
  // Everything else: the catch-all, with the default media.
  const Rule* any = r->match("8005551212");
  BOOST_TEST(any->line == 8);
  BOOST_REQUIRE(any->media.size() == 2u);
  BOOST_TEST(mediaActionText(any->media[0]) == "echo");
  BOOST_TEST(mediaActionText(any->media[1]) == "detect");
  BOOST_TEST(RuleSet::defaults().match("123"));
}

BOOST_AUTO_TEST_CASE(mistakes_are_reported_with_file_and_line) {
  auto r = RuleSet::parse(
      "911\n"
      "91[1 psap\n"
      "555. answer\n"
      "5.5 answer\n"
      "123 answr\n"
      "124 answer aftr=1s\n"
      "125 reject cause=999\n"
      "126 answer media=tone:9999\n"
      "127 answer media=dtmf:12x\n"
      "128 answer media=ecko\n"
      "129 answer callback_from=abc\n",
      "rules.txt");
  BOOST_REQUIRE(!r.isOk());
  const std::string& e = r.error().message;
  auto has = [&](const std::string& s) {
    bool ok = e.find(s) != std::string::npos;
    if (!ok) BOOST_TEST_MESSAGE("missing '" << s << "' in:\n" << e);
    return ok;
  };
  BOOST_TEST(has("rules.txt:1: expected PATTERN ACTION [OPTION=VALUE ...], found '911'"));
  BOOST_TEST(has("rules.txt:2: unclosed '[' in pattern '91[1'"));
  BOOST_TEST(!has("rules.txt:3:"));
  BOOST_TEST(has("rules.txt:4: '.' must end the pattern '5.5'"));
  BOOST_TEST(has("rules.txt:5: unknown action 'answr'"));
  BOOST_TEST(has("did you mean 'answer'?"));
  BOOST_TEST(has("rules.txt:6: unknown option 'aftr' (did you mean 'after'?)"));
  BOOST_TEST(has("rules.txt:7: cause=999: not a Q.850 cause"));
  BOOST_TEST(has("rules.txt:8: tone:9999 is not a tone"));
  BOOST_TEST(has("rules.txt:9: dtmf:12x has 'x', which is not a DTMF digit"));
  BOOST_TEST(has("rules.txt:10: unknown media action 'ecko' (did you mean 'echo'?)"));
  BOOST_TEST(has("rules.txt:11: callback_from=abc: expected a number"));
}

BOOST_AUTO_TEST_CASE(the_demo_branchs_rules_file_reads_and_routes_as_documented) {
  auto r = RuleSet::load(outpost::test::srcPath("etc/pstn-sim/rules"));
  BOOST_REQUIRE_MESSAGE(r.isOk(), (r.isOk() ? std::string() : r.error().message));
  BOOST_TEST((r->match("911")->action == Rule::Action::kPsap));
  BOOST_TEST((r->match("933")->action == Rule::Action::kPsap));
  BOOST_TEST(r->match("3125550199")->cause == 17);
  BOOST_TEST(r->match("3125550197")->cause == 34);
  BOOST_TEST(r->match("5551234")->cause == 1);
  BOOST_TEST((r->match("3125550198")->action == Rule::Action::kRing));
  BOOST_TEST((r->match("3125550123")->action == Rule::Action::kAnswer));
  BOOST_TEST(mediaActionText(r->match("8005551004")->media.at(0)) == "tone:1004");
}

BOOST_AUTO_TEST_SUITE_END()
