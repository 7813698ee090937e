// Calls in both directions on every switch type, libpri on both ends over an
// emulated span: numbers, type of number, numbering plan, presentation,
// screening and calling name as the far end sees them; ALERTING with
// in-band indication, CONNECT, and release by the caller and by the callee.
#include <boost/test/unit_test.hpp>

#include "tests/unit/tdm/pri_fixture.hpp"

using namespace outpost;
using namespace outpost::tdm;
using namespace outpost::tdm::testing;

namespace {

struct Expect {
  // What the far end can see of a presentation/screening/name sent toward it.
  bool name_to_network = true;
  bool name_to_cpe = true;
  // Some switches rewrite "user provided, verified and passed" to "network
  // provided" on the way from network to CPE.
  Screening passed_screening_at_cpe = Screening::kUserPassed;
};

void callsBothWays(SwitchType sw, LineType line, Expect expect) {
  PriPair p;
  SideOptions o;
  o.switch_type = sw;
  o.line = line;
  p.addSpan(1, o);
  BOOST_REQUIRE_MESSAGE(p.waitSettled(), "span did not come up");

  // ---- CPE -> network: restricted, screened calling number with a name.
  p.netL.on_incoming = [&](const CallInfo& c) {
    BOOST_TEST(p.net.alert(c.id, true).isOk());
    BOOST_TEST(p.net.answer(c.id).isOk());
  };
  OutgoingCall out = callTo("3125550123", "3125550100");
  out.calling.presentation = Presentation::kRestricted;
  out.calling.screening = Screening::kUserPassed;
  out.calling_name = "Front Desk";
  auto id = p.cpe.placeCallOnSpan(1, out);
  BOOST_REQUIRE(id.isOk());
  BOOST_REQUIRE_MESSAGE(p.runUntil([&] { return p.cpeL.isConnected(*id); }),
                        "CPE call: " << eventsOf(p.cpeL, *id));
  BOOST_REQUIRE(p.netL.incoming.size() == 1u);
  const CallInfo& in = p.netL.incoming[0];
  BOOST_TEST(in.called.digits == "3125550123");
  BOOST_TEST(typeOfNumberName(in.called.ton) == std::string("national"));
  BOOST_TEST(numberingPlanName(in.called.plan) == std::string("e164"));
  BOOST_TEST(in.calling.digits == "3125550100");
  BOOST_TEST(typeOfNumberName(in.calling.ton) == std::string("national"));
  BOOST_TEST(numberingPlanName(in.calling.plan) == std::string("e164"));
  BOOST_TEST(presentationName(in.calling.presentation) == std::string("restricted"));
  BOOST_TEST(screeningName(in.calling.screening) == std::string("user_passed"));
  BOOST_TEST(in.calling_name == (expect.name_to_network ? "Front Desk" : ""));
  BOOST_TEST(in.sending_complete);
  BOOST_TEST(in.channel == p.cpe.call(*id)->channel);
  BOOST_TEST(eventsOf(p.cpeL, *id) == "proceeding alerting-inband connected");
  CallId netId = in.id;
  BOOST_REQUIRE(p.runUntil([&] {
    return p.netL.isConnected(netId) || p.net.call(netId)->state == CallState::kConnected;
  }));

  // The caller (CPE) hangs up first.
  BOOST_TEST(p.cpe.hangup(*id).isOk());
  BOOST_REQUIRE(p.runUntil([&] { return p.cpeL.isReleased(*id) && p.netL.isReleased(netId); }));
  BOOST_TEST(p.netL.released[netId].why.cause == 16);
  BOOST_TEST(p.netL.released[netId].why.by_far_end);
  BOOST_TEST(p.cpeL.released[*id].why.cause == 16);
  BOOST_TEST(!p.cpeL.released[*id].why.by_far_end);

  // ---- network -> CPE: an international caller, presentation allowed.
  p.cpeL.on_incoming = [&](const CallInfo& c) {
    BOOST_TEST(p.cpe.alert(c.id, false).isOk());
    BOOST_TEST(p.cpe.answer(c.id).isOk());
  };
  OutgoingCall back;
  back.called.digits = "3125550142";
  back.called.ton = TypeOfNumber::kNational;
  back.called.plan = NumberingPlan::kE164;
  back.calling.digits = "442079460000";
  back.calling.ton = TypeOfNumber::kInternational;
  back.calling.plan = NumberingPlan::kE164;
  back.calling.presentation = Presentation::kAllowed;
  back.calling.screening = Screening::kUserPassed;
  back.calling_name = "London Office";
  auto id2 = p.net.placeCallOnSpan(1, back);
  BOOST_REQUIRE(id2.isOk());
  BOOST_REQUIRE_MESSAGE(p.runUntil([&] { return p.netL.isConnected(*id2); }),
                        "network call: " << eventsOf(p.netL, *id2));
  BOOST_REQUIRE(p.cpeL.incoming.size() == 1u);
  const CallInfo& in2 = p.cpeL.incoming[0];
  BOOST_TEST(in2.called.digits == "3125550142");
  BOOST_TEST(typeOfNumberName(in2.called.ton) == std::string("national"));
  BOOST_TEST(in2.calling.digits == "442079460000");
  BOOST_TEST(typeOfNumberName(in2.calling.ton) == std::string("international"));
  BOOST_TEST(numberingPlanName(in2.calling.plan) == std::string("e164"));
  BOOST_TEST(presentationName(in2.calling.presentation) == std::string("allowed"));
  BOOST_TEST(screeningName(in2.calling.screening) ==
             std::string(screeningName(expect.passed_screening_at_cpe)));
  BOOST_TEST(in2.calling_name == (expect.name_to_cpe ? "London Office" : ""));
  BOOST_TEST(eventsOf(p.netL, *id2) == "proceeding alerting connected");

  // The callee (CPE) hangs up first.
  CallId cpeId = in2.id;
  BOOST_TEST(p.cpe.hangup(cpeId).isOk());
  BOOST_REQUIRE(p.runUntil([&] { return p.cpeL.isReleased(cpeId) && p.netL.isReleased(*id2); }));
  BOOST_TEST(p.netL.released[*id2].why.cause == 16);
  BOOST_TEST(p.netL.released[*id2].why.by_far_end);
  // Both ends' channels are free again.
  BOOST_REQUIRE(p.runUntil([&] {
    return p.cpe.span(1)->idleCount() == p.cpe.span(1)->bchannels().size() &&
           p.net.span(1)->idleCount() == p.net.span(1)->bchannels().size();
  }));
  BOOST_TEST(p.cpe.calls().empty());
  BOOST_TEST(p.net.calls().empty());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(pri_switch_types)

BOOST_AUTO_TEST_CASE(ni2_calls_both_ways) {
  callsBothWays(SwitchType::kNi2, LineType::kT1, {});
}

// DMS100 and 4ESS: libpri's network side marks every calling number it
// sends as network provided, whatever screening the caller gave it.
BOOST_AUTO_TEST_CASE(dms100_calls_both_ways) {
  callsBothWays(SwitchType::kDms100, LineType::kT1,
                {.passed_screening_at_cpe = Screening::kNetworkProvided});
}

BOOST_AUTO_TEST_CASE(lucent_5ess_calls_both_ways) {
  callsBothWays(SwitchType::k5ess, LineType::kT1, {});
}

BOOST_AUTO_TEST_CASE(att_4ess_calls_both_ways) {
  callsBothWays(SwitchType::k4ess, LineType::kT1,
                {.passed_screening_at_cpe = Screening::kNetworkProvided});
}

// ETSI calling name presentation (CNIP) is a network service: the user side
// does not send a name toward the network, so only network -> CPE has one.
BOOST_AUTO_TEST_CASE(euroisdn_e1_calls_both_ways) {
  callsBothWays(SwitchType::kEuroIsdnE1, LineType::kE1, {.name_to_network = false});
}

BOOST_AUTO_TEST_CASE(euroisdn_t1_calls_both_ways) {
  callsBothWays(SwitchType::kEuroIsdnT1, LineType::kT1, {.name_to_network = false});
}

BOOST_AUTO_TEST_CASE(qsig_calls_both_ways) {
  callsBothWays(SwitchType::kQsig, LineType::kE1, {});
}

BOOST_AUTO_TEST_SUITE_END()
