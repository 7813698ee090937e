// The plan as a whole: the shipped default plan, reload keeping the old plan,
// diff between plans.
#include <atomic>
#include <boost/test/unit_test.hpp>
#include <thread>

#include "dialplan/diff.hpp"
#include "dialplan/live_plan.hpp"
#include "tests/support/process.hpp"
#include "tests/unit/dialplan/helpers.hpp"

using namespace dptest;

namespace {
const std::string kPlan =
    kPrelude +
    "context c\n  dial 41XX route phones\n  otherwise refuse 1\n  test 4100 expect route phones\n";
}  // namespace

BOOST_AUTO_TEST_SUITE(default_plan)

BOOST_AUTO_TEST_CASE(loads_clean_and_its_inline_tests_pass) {
  LoadResult r = loadPlan(outpost::test::srcPath("etc/outpost/default.dialplan"));
  BOOST_REQUIRE_MESSAGE(r.ok(), r.report(true));
  BOOST_TEST(r.errors == 0u);
  BOOST_TEST(r.warnings == 0u, r.report(true));
  BOOST_TEST(r.tests.size() >= 30u);
  for (const auto& t : r.tests)
    BOOST_TEST(t.passed, t.description << ": " << t.failure);
  const auto& info = r.plan->info();
  BOOST_TEST(info.contexts == 4u);
  BOOST_TEST(info.emergency_numbers == (std::vector<std::string>{"911", "9911", "933", "9933"}));
  BOOST_TEST(info.fingerprint.size() == 16u);
}

BOOST_AUTO_TEST_CASE(the_demo_branch_as_issue_5_will_use_it) {
  LoadResult r = loadPlan(outpost::test::srcPath("etc/outpost/default.dialplan"));
  BOOST_REQUIRE(r.ok());
  const Plan& p = *r.plan;
  for (const char* ctx : {"phones", "hq", "pstn"})
    BOOST_TEST(p.hasContext(ctx), ctx);
  // 911, 9911, 933 from a phone: flagged, on the emergency route, first time.
  for (const char* n : {"911", "9911", "933"}) {
    Ask a{"phones", n, "4101"};
    a.complete = false;
    Decision d = eval(p, a);
    BOOST_TEST(d.outcome == Outcome::kRoute, n);
    BOOST_TEST(d.emergency, n);
    BOOST_TEST(d.targets.size() == 1u);
    BOOST_TEST(d.targets[0].kind == TargetKind::kTrunkGroup);
    BOOST_TEST(d.targets[0].address == "pstn");
  }
  // A national call: HQ first (SIP, E.164) with failover to our PRI (Q.931 national).
  Decision d = eval(p, {"phones", "93125550100", "4101"});
  BOOST_REQUIRE(d.targets.size() == 2u);
  BOOST_TEST(d.targets[0].kind == TargetKind::kSipPeer);
  BOOST_TEST(d.targets[0].address == "hq");
  BOOST_TEST(d.targets[0].failover.onSip(503));
  BOOST_TEST(d.targets[1].called == "3125550100");
  BOOST_TEST(d.targets[1].called_ton == Ton::kNational);
  BOOST_TEST(d.targets[1].called_npi == Npi::kIsdn);
  BOOST_TEST(d.targets[1].failover.onQ850(34));
  // DIDs from the PRI in the forms the network delivers.
  for (const char* n : {"3125550142", "0142"}) {
    BOOST_TEST(eval(p, {"pstn", n, "3125559999"}).targets[0].called == "+13125550142");
    Decision s = eval(p, {"pstn", n, "3125559999", Mode::kSurvival});
    BOOST_TEST(s.targets[0].kind == TargetKind::kLocalUser);
    BOOST_TEST(s.targets[0].called == "4142");
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(reload)

BOOST_AUTO_TEST_CASE(a_refused_plan_leaves_the_old_one_live) {
  LivePlan live;
  auto now = outpost::core::WallTime(std::chrono::seconds(1767225600));
  BOOST_TEST(live.current() == nullptr);
  BOOST_TEST(live.reload([] { return load(kPlan); }, now).ok());
  PlanPtr first = live.current();
  BOOST_REQUIRE(first);
  // A syntax error, a failing inline test, a lint error: each refused.
  for (const std::string& bad :
       {kPlan + "  dial 4[1-5\n", kPlan + "  test 4100 expect route hq\n",
        kPrelude + "context c\n  dial 9. strip 1 route pstn\n  otherwise refuse 1\n"}) {
    const LoadResult& r = live.reload([&] { return load(bad); }, now);
    BOOST_TEST(!r.ok());
    BOOST_TEST(live.current() == first);  // the same plan object
    BOOST_TEST(!live.stats().last_error.empty());
  }
  BOOST_TEST(live.stats().refused == 3);
  BOOST_TEST(eval(*live.current(), {"c", "4100"}).route == "phones");
  // A good one replaces it; the old one lives on for whoever holds it.
  live.reload(
      [] { return load(kPrelude + "context c\n  dial 41XX route hq\n  otherwise refuse 1\n"); },
      now);
  BOOST_TEST(live.current() != first);
  BOOST_TEST(eval(*first, {"c", "4100"}).route == "phones");
  BOOST_TEST(eval(*live.current(), {"c", "4100"}).route == "hq");
  BOOST_TEST(live.stats().loads == 2);
  BOOST_TEST(live.stats().last_error.empty());
}

BOOST_AUTO_TEST_CASE(concurrent_readers_see_whole_plans) {
  LivePlan live;
  auto now = outpost::core::WallTime(std::chrono::seconds(1767225600));
  live.reload([] { return load(kPlan); }, now);
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  std::thread reader([&] {
    while (!stop) {
      PlanPtr p = live.current();
      std::string r = eval(*p, {"c", "4100"}).route;
      if (r != "phones" && r != "hq") ++bad;
    }
  });
  for (int i = 0; i < 20; ++i) {
    live.reload(
        [&] {
          return load(kPrelude + "context c\n  dial 41XX route " + (i % 2 ? "phones" : "hq") +
                      "\n  otherwise refuse 1\n");
        },
        now);
  }
  stop = true;
  reader.join();
  BOOST_TEST(bad == 0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(diff)

BOOST_AUTO_TEST_CASE(lists_the_numbers_that_route_differently) {
  PlanPtr a = mustLoad(kPrelude +
                       "context phones\n"
                       "  dial 41XX route phones\n"
                       "  dial 9NXXNXXXXXX strip 1 as national route outside category national\n"
                       "  otherwise refuse 1\n");
  PlanPtr b = mustLoad(kPrelude +
                       "context phones\n"
                       "  dial 41XX route phones\n"
                       "  dial 9NXXNXXXXXX strip 1 as national route pstn category national\n"
                       "  dial 42XX route phones\n"
                       "  otherwise refuse 1\n");
  auto cases =
      parseNumberList("# numbers\n4100 4101\nphones,4200\n93125550100 from-nothing\n", "n.txt");
  BOOST_TEST(!cases);  // "from-nothing" is not a number
  BOOST_TEST(cases.error().message.find("n.txt:4") == 0u);
  auto ok = parseNumberList("4100 4101\nphones,4200\n93125550100\n911\n", "n.txt");
  BOOST_REQUIRE(ok);
  auto r = diffPlans(*a, *b, *ok, {Mode::kNormal, Mode::kSurvival}, outpost::core::WallTime{});
  BOOST_TEST(r.compared == 8u);
  // 4200 (new extension) in both modes; 93125550100 in normal mode only (in
  // survival 'outside' is already pstn).
  BOOST_TEST(r.changed.size() == 3u);
  std::string all;
  for (const auto& e : r.changed)
    all += describeChange(e) + "\n";
  BOOST_TEST(all.find("phones 4200 (normal): refused") != std::string::npos, all);
  BOOST_TEST(all.find("phones 93125550100 (normal): route outside") != std::string::npos, all);
  BOOST_TEST(all.find("-> route pstn") != std::string::npos, all);
  BOOST_TEST(diffPlans(*a, *a, *ok, {Mode::kNormal}, {}).changed.empty());
}

BOOST_AUTO_TEST_SUITE_END()
