// Channel hunting over a trunk group of two spans, in each policy; spans in
// alarm or with the D-channel down passed over for the next span; an
// emergency call pre-empting a normal one when every channel is busy.
#include <boost/test/unit_test.hpp>

#include "tests/unit/tdm/pri_fixture.hpp"

using namespace outpost;
using namespace outpost::tdm;
using namespace outpost::tdm::testing;

namespace {

// Two spans, each with only channels 1 and 2 in service, so the order of a
// whole group fits in a few calls; the network answers everything.
struct TwoSpans : PriPair {
  explicit TwoSpans(HuntPolicy policy) {
    addSpan(1);
    addSpan(2);
    BOOST_REQUIRE(waitSettled());
    for (int s : {1, 2})
      for (int ts = 3; ts <= 23; ++ts)
        BOOST_REQUIRE(cpe.setChannelService(s, ts, false).isOk());
    BOOST_REQUIRE(cpe.addGroup({"pstn", {1, 2}, policy}).isOk());
    netL.on_incoming = [this](const CallInfo& in) { BOOST_TEST(net.answer(in.id).isOk()); };
  }

  // Places a call on the group and returns where it went ("1/2").
  std::pair<CallId, std::string> place(bool emergency = false) {
    OutgoingCall o = callTo("3125550123");
    o.emergency = emergency;
    auto id = cpe.placeCall("pstn", o);
    BOOST_REQUIRE_MESSAGE(id.isOk(), (id.isOk() ? std::string() : id.error().message));
    BOOST_REQUIRE(runUntil([&] { return cpeL.isConnected(*id); }));
    auto c = cpe.call(*id);
    return {*id, std::to_string(c->span) + "/" + std::to_string(c->channel)};
  }
  void drop(CallId id) {
    BOOST_REQUIRE(cpe.hangup(id).isOk());
    BOOST_REQUIRE(runUntil([&] { return cpeL.isReleased(id); }));
    runFor(5ms);  // the far end's RELEASE COMPLETE frees the channel there too
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(pri_hunting)

BOOST_AUTO_TEST_CASE(ascending_fills_the_first_span_from_its_lowest_channel) {
  TwoSpans p(HuntPolicy::kAscending);
  std::vector<std::string> got;
  for (int i = 0; i < 4; ++i)
    got.push_back(p.place().second);
  BOOST_TEST(got == (std::vector<std::string>{"1/1", "1/2", "2/1", "2/2"}));
  auto full = p.cpe.placeCall("pstn", callTo("3125550123"));
  BOOST_REQUIRE(!full.isOk());
  BOOST_TEST((full.error().code == core::ErrorCode::kUnavailable));
  BOOST_TEST(full.error().message == "no idle B-channel in trunk group 'pstn'");
}

BOOST_AUTO_TEST_CASE(descending_starts_at_the_last_span_and_highest_channel) {
  TwoSpans p(HuntPolicy::kDescending);
  std::vector<std::string> got;
  for (int i = 0; i < 4; ++i)
    got.push_back(p.place().second);
  BOOST_TEST(got == (std::vector<std::string>{"2/2", "2/1", "1/2", "1/1"}));
}

BOOST_AUTO_TEST_CASE(round_robin_moves_on_even_when_earlier_channels_are_free) {
  TwoSpans p(HuntPolicy::kRoundRobin);
  std::vector<std::string> got;
  for (int i = 0; i < 5; ++i) {
    auto [id, where] = p.place();
    got.push_back(where);
    p.drop(id);
  }
  BOOST_TEST(got == (std::vector<std::string>{"1/1", "1/2", "2/1", "2/2", "1/1"}));
}

BOOST_AUTO_TEST_CASE(least_recent_takes_the_channel_idle_for_longest) {
  TwoSpans p(HuntPolicy::kLeastRecent);
  std::map<std::string, CallId> held;
  for (int i = 0; i < 4; ++i) {
    auto [id, where] = p.place();
    held[where] = id;
  }
  // Released in this order, so this is the order they should come back in.
  for (const char* w : {"2/1", "1/1", "2/2", "1/2"}) {
    p.drop(held[w]);
    p.runFor(2ms);
  }
  std::vector<std::string> got;
  for (int i = 0; i < 4; ++i)
    got.push_back(p.place().second);
  BOOST_TEST(got == (std::vector<std::string>{"2/1", "1/1", "2/2", "1/2"}));
}

BOOST_AUTO_TEST_CASE(a_span_in_alarm_is_passed_over_for_the_next_one) {
  TwoSpans p(HuntPolicy::kAscending);
  auto [first, where] = p.place();
  BOOST_TEST(where == "1/1");
  p.net.emulated(1)->simulateAlarm(SimulatedAlarm::kRed);
  BOOST_REQUIRE(p.runUntil([&] { return p.cpe.span(1)->alarms().red; }));
  // The call on the broken span ended; the next goes out on span 2.
  BOOST_REQUIRE(p.runUntil([&] { return p.cpeL.isReleased(first); }));
  BOOST_TEST(p.place().second == "2/1");
  BOOST_TEST(channelStateName(p.cpe.span(1)->state(1)) == std::string("alarmed"));
}

BOOST_AUTO_TEST_CASE(a_span_whose_dchannel_is_down_is_passed_over) {
  PriPair p;
  SideOptions o;
  o.timers.t200 = 100ms;
  o.timers.t203 = 200ms;
  p.addSpan(1, o);
  p.addSpan(2, o);
  BOOST_REQUIRE(p.waitSettled());
  BOOST_REQUIRE(p.cpe.addGroup({"pstn", {1, 2}, HuntPolicy::kAscending}).isOk());
  p.netL.on_incoming = [&](const CallInfo& in) { BOOST_TEST(p.net.answer(in.id).isOk()); };
  p.net.emulated(1)->setDchannelBlocked(true);
  BOOST_REQUIRE(p.runUntil([&] { return !p.cpe.span(1)->dchannelUp(); }, 3s));
  auto id = p.cpe.placeCall("pstn", callTo("3125550123"));
  BOOST_REQUIRE(id.isOk());
  BOOST_REQUIRE(p.runUntil([&] { return p.cpeL.isConnected(*id); }));
  BOOST_TEST(p.cpe.call(*id)->span == 2);
  // With both spans down there is nothing to hunt.
  p.net.emulated(2)->setDchannelBlocked(true);
  BOOST_REQUIRE(p.runUntil([&] { return !p.cpe.span(2)->dchannelUp(); }, 3s));
  auto none = p.cpe.placeCall("pstn", callTo("3125550124"));
  BOOST_REQUIRE(!none.isOk());
  BOOST_TEST(none.error().message ==
             "no span of trunk group 'pstn' is usable (alarm or D-channel down)");
}

BOOST_AUTO_TEST_CASE(an_emergency_call_preempts_the_newest_normal_call) {
  TwoSpans p(HuntPolicy::kAscending);
  std::vector<CallId> normal;
  for (int i = 0; i < 4; ++i)
    normal.push_back(p.place().first);
  // Every channel is busy: a normal call is refused, an emergency call is not.
  BOOST_TEST(!p.cpe.placeCall("pstn", callTo("3125550999")).isOk());
  OutgoingCall e = callTo("911");
  e.called.ton = TypeOfNumber::kUnknown;
  e.emergency = true;
  auto id = p.cpe.placeCall("pstn", e);
  BOOST_REQUIRE(id.isOk());
  BOOST_TEST(p.cpe.call(*id)->emergency);
  BOOST_REQUIRE_MESSAGE(p.runUntil([&] { return p.cpeL.isConnected(*id); }), eventsOf(p.cpeL, *id));
  // The newest normal call gave way with cause 8 (preemption) ...
  BOOST_REQUIRE(p.cpeL.isReleased(normal.back()));
  BOOST_TEST(p.cpeL.released[normal.back()].why.cause == cause::kPreemption);
  for (size_t i = 0; i + 1 < normal.size(); ++i)
    BOOST_TEST(!p.cpeL.isReleased(normal[i]));
  // ... and the emergency call took its channel.
  BOOST_TEST(p.cpe.call(*id)->span == 2);
  BOOST_TEST(p.cpe.call(*id)->channel == 2);
  CallId netSide = p.netL.incoming.back().id;
  BOOST_TEST(p.net.call(netSide)->called.digits == "911");
}

BOOST_AUTO_TEST_SUITE_END()
