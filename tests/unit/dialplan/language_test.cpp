// The language: contexts and includes, precedence, captures and rewrites,
// normalisation and per-target formats, route lists, `when` variants, goto,
// overlap dialling.
#include <boost/test/unit_test.hpp>

#include "tests/unit/dialplan/helpers.hpp"

using namespace dptest;

BOOST_AUTO_TEST_SUITE(language)

BOOST_AUTO_TEST_CASE(most_specific_pattern_wins_whatever_the_order) {
  // The same rules in two orders give the same answers.
  const std::string rules[] = {
      "  dial 9. route pstn category national international premium\n",
      "  dial 9NXXNXXXXXX strip 1 as national route outside category national\n",
      "  dial 91NXXNXXXXXX strip 2 as national route hq category national\n",
      "  dial 41XX route phones\n",
      "  dial 410X route hq\n",
  };
  for (int order = 0; order < 2; ++order) {
    std::string text = kPrelude + "context c\n  otherwise refuse 1\n";
    for (int i = 0; i < 5; ++i)
      text += rules[order == 0 ? i : 4 - i];
    auto p = mustLoad(text);
    BOOST_TEST(eval(*p, {"c", "93125550100"}).route == "outside");
    BOOST_TEST(eval(*p, {"c", "913125550100"}).route == "hq");
    BOOST_TEST(eval(*p, {"c", "9011442071234567"}).route == "pstn");
    BOOST_TEST(eval(*p, {"c", "4123"}).route == "phones");
    BOOST_TEST(eval(*p, {"c", "4105"}).route == "hq");
  }
}

BOOST_AUTO_TEST_CASE(regular_expressions_come_after_patterns_in_file_order) {
  auto p = mustLoad(kPrelude +
                    "context c\n"
                    "  dial /8(\\d+)/ called $1 route pstn\n"
                    "  dial /8(1\\d+)/ called $1 route hq\n"
                    "  dial 81NXXNXXXXXX strip 2 as national route outside\n"
                    "  otherwise refuse 1\n"
                    "  lint-ignore shadowed\n");
  BOOST_TEST(eval(*p, {"c", "813125550100"}).route == "outside");  // the pattern first
  Decision d = eval(*p, {"c", "8123"});
  BOOST_TEST(d.route == "pstn");  // then the first expression that matches
  BOOST_TEST(d.called == "123");
}

BOOST_AUTO_TEST_CASE(includes_make_one_table_and_own_rules_replace_included_ones) {
  auto p = mustLoad(kPrelude +
                    "context internal\n"
                    "  dial 41XX route phones\n"
                    "  dial 4199 route hq\n"
                    "  otherwise refuse 1\n"
                    "context phones\n"
                    "  include internal\n"
                    "  dial 4199 route pstn\n"     // same pattern: ours wins
                    "  dial 4XXX route outside\n"  // less specific than the included 41XX
                    "  otherwise refuse 1\n");
  BOOST_TEST(eval(*p, {"phones", "4123"}).route == "phones");
  BOOST_TEST(eval(*p, {"phones", "4199"}).route == "pstn");
  BOOST_TEST(eval(*p, {"phones", "4299"}).route == "outside");
  BOOST_TEST(eval(*p, {"internal", "4199"}).route == "hq");
  BOOST_TEST(eval(*p, {"internal", "4299"}).outcome == Outcome::kRefused);
}

BOOST_AUTO_TEST_CASE(rewrites_apply_in_the_order_written) {
  auto p =
      mustLoad(kPrelude +
               "context c\n"
               "  dial 9011(X.) called +$1 route outside category international\n"
               "  dial 8(NXXNXXXXXX) strip 1 prepend 1 as dialled route outside category national\n"
               "  dial 7X. replace 71 +4420 route outside category international\n"
               "  dial 6X. prepend 99 strip 1 route phones\n"
               "  dial 5(XX)(XX) called $2$1 calling 555${calling} route phones\n"
               "  otherwise refuse 1\n");
  BOOST_TEST(eval(*p, {"c", "9011442071234567"}).called == "+442071234567");
  BOOST_TEST(eval(*p, {"c", "83125550100"}).called == "+13125550100");
  BOOST_TEST(eval(*p, {"c", "7171234567"}).called == "+442071234567");
  BOOST_TEST(eval(*p, {"c", "612"}).called == "9612");  // prepend, then strip
  Decision d = eval(*p, {"c", "51234", "4100"});
  BOOST_TEST(d.called == "3412");
  BOOST_TEST(d.calling == "5554100");
}

BOOST_AUTO_TEST_CASE(normalisation_and_per_target_formats) {
  auto p = mustLoad(kPrelude +
                    "target pri trunk pri\n"
                    "  format called prefixed\n"
                    "  format calling subscriber ton unknown npi private\n"
                    "target intl trunk intl\n"
                    "  format called international\n"
                    "routes both\n"
                    "  via pstn\n  via hq\n  via pri\n  via intl\n"
                    "context c\n"
                    "  caller 41(XX) calling +131255501$1\n"
                    "  dial 9NXXNXXXXXX strip 1 as national route both category national\n"
                    "  dial 9011X. strip 1 as dialled route both category international\n"
                    "  dial 9NXXXXXX strip 1 as subscriber route both category national\n"
                    "  otherwise refuse 1\n");
  Decision d = eval(*p, {"c", "93125550100", "4101"});
  BOOST_REQUIRE(d.targets.size() == 4u);
  BOOST_TEST(d.called == "+13125550100");
  BOOST_TEST(d.calling == "+13125550101");
  const RouteTarget& pstn = d.targets[0];
  BOOST_TEST(pstn.called == "3125550100");
  BOOST_TEST(pstn.called_ton == Ton::kNational);
  BOOST_TEST(pstn.called_npi == Npi::kIsdn);
  BOOST_TEST(pstn.calling == "3125550101");
  const RouteTarget& hq = d.targets[1];
  BOOST_TEST(hq.called == "+13125550100");
  BOOST_TEST(hq.calling == "+13125550101");
  const RouteTarget& pri = d.targets[2];
  BOOST_TEST(pri.called == "13125550100");  // national prefix + national number
  BOOST_TEST(pri.called_ton == Ton::kUnknown);
  BOOST_TEST(pri.calling == "5550101");          // subscriber: the area code dropped
  BOOST_TEST(pri.calling_ton == Ton::kUnknown);  // explicit override
  BOOST_TEST(pri.calling_npi == Npi::kPrivate);
  BOOST_TEST(d.targets[3].called == "13125550100");
  BOOST_TEST(d.targets[3].called_ton == Ton::kInternational);
  Decision i = eval(*p, {"c", "9011442071234567", "4101"});
  BOOST_TEST(i.called == "+442071234567");
  BOOST_TEST(i.targets[0].called == "442071234567");  // national format abroad: international
  BOOST_TEST(i.targets[0].called_ton == Ton::kInternational);
  BOOST_TEST(i.targets[2].called == "011442071234567");
  BOOST_TEST(eval(*p, {"c", "95550100"}).called == "+13125550100");
}

BOOST_AUTO_TEST_CASE(a_number_that_cannot_be_e164_is_refused_with_cause_28) {
  auto p = mustLoad(kPrelude +
                    "context c\n"
                    "  dial 9X. strip 1 as international route pstn category international\n"
                    "  otherwise refuse 1\n");
  Decision d = eval(*p, {"c", "90123"});  // a country code never starts with 0
  BOOST_TEST(d.outcome == Outcome::kRefused);
  BOOST_TEST(d.cause == 28);
  Decision e = eval(*p, {"c", "91234567890123456"});  // 16 digits
  BOOST_TEST(e.cause == 28);
}

BOOST_AUTO_TEST_CASE(route_lists_fail_over_in_order_and_filter_by_mode) {
  auto p = mustLoad(kPrelude +
                    "routes mixed\n"
                    "  via hq when normal failover 408 503 down\n"
                    "  via pstn failover 34 congestion\n"
                    "  via phones when survival failover none\n"
                    "context c\n  dial 4XXX route mixed\n  otherwise refuse 1\n");
  Decision n = eval(*p, {"c", "4100"});
  BOOST_TEST(targetNames(n) == (std::vector<std::string>{"hq", "pstn"}));
  BOOST_TEST(n.targets[0].failover.onSip(503));
  BOOST_TEST(n.targets[0].failover.onSip(408));
  BOOST_TEST(!n.targets[0].failover.onQ850(34));
  BOOST_TEST(n.targets[0].failover.target_down);
  BOOST_TEST(n.targets[0].normal_only);
  BOOST_TEST(n.targets[1].failover.onQ850(34));
  BOOST_TEST(n.targets[1].failover.onQ850(42));
  BOOST_TEST(!n.targets[1].failover.target_down);
  Decision s = eval(*p, {"c", "4100", "", Mode::kSurvival});
  BOOST_TEST(targetNames(s) == (std::vector<std::string>{"pstn", "phones"}));
  BOOST_TEST(s.targets[1].survival_only);
  BOOST_TEST(s.targets[1].failover.str() == "none");
  // A target named directly takes the site's failover set (the documented default).
  auto q = mustLoad(kPrelude + "context c\n  dial 4XXX route pstn\n  otherwise refuse 1\n");
  BOOST_TEST(eval(*q, {"c", "4100"}).targets[0].failover.str() == "34 38 41 42 47 408 503 down");
}

BOOST_AUTO_TEST_CASE(when_variants_replace_what_they_say) {
  auto p = mustLoad(kPrelude +
                    "context pstn\n"
                    "  dial 31255501(XX)\n"
                    "    called +131255501$1\n"
                    "    route hq\n"
                    "    when survival called 41$1 route phones\n"
                    "  otherwise refuse 1\n");
  Decision n = eval(*p, {"pstn", "3125550123"});
  BOOST_TEST(n.route == "hq");
  BOOST_TEST(n.called == "+13125550123");
  Decision s = eval(*p, {"pstn", "3125550123", "", Mode::kSurvival});
  BOOST_TEST(s.route == "phones");
  BOOST_TEST(s.called == "4123");
}

BOOST_AUTO_TEST_CASE(goto_reevaluates_in_another_context) {
  auto p =
      mustLoad(kPrelude +
               "context internal\n  dial 41XX route phones\n  otherwise refuse 1\n"
               "context pstn\n  dial 01(XX) called 41$1 goto internal\n  otherwise refuse 1\n");
  Decision d = eval(*p, {"pstn", "0123"});
  BOOST_TEST(d.route == "phones");
  BOOST_TEST(d.called == "4123");
  BOOST_TEST(d.context == "internal");
}

BOOST_AUTO_TEST_CASE(overlap_dialling_asks_for_more_digits_only_while_more_could_change_it) {
  auto p = mustLoad(kPrelude +
                    "context c\n"
                    "  dial 41XX route phones\n"
                    "  dial 9NXXNXXXXXX strip 1 as national route outside category national\n"
                    "  dial 9011X. strip 1 as dialled route outside category international\n"
                    "  otherwise refuse 1\n");
  auto ask = [&](const std::string& n) {
    Ask a{"c", n};
    a.complete = false;
    return eval(*p, a).outcome;
  };
  BOOST_TEST(ask("4") == Outcome::kNeedMoreDigits);
  BOOST_TEST(ask("412") == Outcome::kNeedMoreDigits);
  BOOST_TEST(ask("4123") == Outcome::kRoute);  // fixed length: no wait
  BOOST_TEST(ask("931255501") == Outcome::kNeedMoreDigits);
  BOOST_TEST(ask("93125550100") == Outcome::kRoute);
  BOOST_TEST(ask("901144") == Outcome::kNeedMoreDigits);
  BOOST_TEST(ask("9011442071234567") == Outcome::kNeedMoreDigits);  // open-ended: waits for T302
  BOOST_TEST(ask("5") == Outcome::kRefused);  // nothing could ever match: otherwise
  BOOST_TEST(eval(*p, {"c", "9011442071234567"}).outcome == Outcome::kRoute);  // complete
  BOOST_TEST(eval(*p, {"c", "412"}).outcome == Outcome::kRefused);
}

BOOST_AUTO_TEST_CASE(no_match_unknown_context_and_bad_input) {
  auto p = mustLoad(kPrelude + "context c\n  dial 41XX route phones\n  lint-ignore no-default\n");
  Decision d = eval(*p, {"c", "5000"});
  BOOST_TEST(d.outcome == Outcome::kNoMatch);
  BOOST_TEST(d.cause == 1);
  Decision u = eval(*p, {"nowhere", "4100"});
  BOOST_TEST(u.outcome == Outcome::kNoMatch);
  BOOST_TEST(u.reason.find("nowhere") != std::string::npos);
  BOOST_TEST(eval(*p, {"c", "41a0"}).cause == 28);
  BOOST_TEST(eval(*p, {"c", std::string(200, '4')}).cause == 28);
  BOOST_TEST(eval(*p, {"c", "41-00"}).route == "phones");  // visual separators are ignored
}

BOOST_AUTO_TEST_CASE(trace_explains_every_step) {
  auto p = mustLoad(kPrelude +
                    "context c\n"
                    "  dial 9NXXNXXXXXX strip 1 as national route outside category national\n"
                    "  dial 9. strip 1 as dialled route pstn category national international\n"
                    "  otherwise refuse 1\n");
  Trace t;
  Query q;
  Decision d = eval(*p, {"c", "93125550100", "4101"}, &t);
  std::string text = renderTrace(q, t, d);
  for (const char* want :
       {"is not an emergency number", "pattern 9NXXNXXXXXX matches 93125550100 (the most specific",
        "pattern 9. matches 93125550100 (less specific", "strip 1: 93125550100 -> 3125550100",
        "as national: 3125550100 -> +13125550100", "route 'outside'",
        "1. hq (sip hq): called +13125550100",
        "2. pstn (trunk pstn): called 3125550100 [national, ton national", "test.dialplan:18"}) {
    BOOST_TEST(text.find(want) != std::string::npos, "missing '" << want << "' in:\n" << text);
  }
  Trace miss;
  Decision m = eval(*p, {"c", "8125550100"}, &miss);
  std::string mt = renderTrace(q, miss, m);
  BOOST_TEST(mt.find("position 1 is '8', the pattern wants 9") != std::string::npos, mt);
  BOOST_TEST(mt.find("'otherwise' applies") != std::string::npos, mt);
}

BOOST_AUTO_TEST_CASE(a_call_keeps_the_plan_it_started_with) {
  PlanPtr first =
      mustLoad(kPrelude + "context c\n  dial 41XX route phones\n  otherwise refuse 1\n");
  PlanPtr held = first;  // what a call in progress holds
  first = mustLoad(kPrelude + "context c\n  dial 41XX route hq\n  otherwise refuse 1\n");
  BOOST_TEST(eval(*held, {"c", "4100"}).route == "phones");
  BOOST_TEST(eval(*first, {"c", "4100"}).route == "hq");
}

BOOST_AUTO_TEST_SUITE_END()
