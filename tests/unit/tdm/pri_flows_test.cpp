// PRI call flows with libpri on both ends: overlap receiving and sending,
// every release path (caller first and callee first are in pri_calls_test;
// here: refusal with a cause, busy after ringing, caller abandons while
// ringing, no answer to SETUP), glare, RESTART, SERVICE, D-channel loss
// within the configured timers, and bad requests.
#include <boost/test/unit_test.hpp>

#include "tests/unit/tdm/pri_fixture.hpp"

using namespace outpost;
using namespace outpost::tdm;
using namespace outpost::tdm::testing;

namespace {
double secondsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}
}  // namespace

BOOST_AUTO_TEST_SUITE(pri_overlap)

BOOST_AUTO_TEST_CASE(digits_arrive_one_information_at_a_time_until_the_number_is_complete) {
  PriPair p;
  SideOptions o;
  o.switch_type = SwitchType::kEuroIsdnE1;
  o.line = LineType::kE1;
  o.overlap_receive = true;
  p.addSpan(1, o);
  BOOST_REQUIRE(p.waitSettled());
  // The network's "dial plan": ten digits make a number.
  p.netL.on_incoming = [&](const CallInfo& c) {
    BOOST_TEST(!c.sending_complete);
    BOOST_TEST(p.net.waitForDigits(c.id).isOk());
  };
  p.netL.on_digits = [&](const CallInfo& c, const DigitsEvent& ev) {
    if (ev.number.size() == 10) {
      BOOST_TEST(p.net.proceed(c.id).isOk());
      BOOST_TEST(p.net.answer(c.id).isOk());
    }
  };
  OutgoingCall out = callTo("31");
  out.overlap = true;
  auto id = p.cpe.placeCallOnSpan(1, out);
  BOOST_REQUIRE(id.isOk());
  BOOST_REQUIRE(p.runUntil([&] { return p.cpeL.events[*id].size() >= 1; }));
  BOOST_TEST(eventsOf(p.cpeL, *id) == "setup-ack");
  for (char d : std::string("25550123")) {
    BOOST_TEST(p.cpe.sendDigits(*id, std::string(1, d)).isOk());
    p.runFor(5ms);
  }
  BOOST_REQUIRE(p.runUntil([&] { return p.cpeL.isConnected(*id); }));
  BOOST_REQUIRE(p.netL.incoming.size() == 1u);
  BOOST_TEST(p.netL.incoming[0].called.digits == "31");
  CallId in = p.netL.incoming[0].id;
  // Each digit came in its own INFORMATION, in order.
  BOOST_TEST(eventsOf(p.netL, in) ==
             "incoming digits:2 digits:5 digits:5 digits:5 digits:0 digits:1 digits:2 digits:3");
  BOOST_TEST(p.net.call(in)->called.digits == "3125550123");
  BOOST_TEST(p.cpe.call(*id)->called.digits == "3125550123");
  BOOST_TEST(p.cpe.hangup(*id).isOk());
  BOOST_REQUIRE(p.runUntil([&] { return p.netL.isReleased(in); }));
}

BOOST_AUTO_TEST_CASE(digits_sent_before_setup_ack_wait_for_it) {
  PriPair p;
  SideOptions o;
  o.overlap_receive = true;
  p.addSpan(1, o);
  BOOST_REQUIRE(p.waitSettled());
  p.netL.on_digits = [&](const CallInfo& c, const DigitsEvent& ev) {
    if (ev.number == "933") BOOST_TEST(p.net.answer(c.id).isOk());
  };
  OutgoingCall out = callTo("");
  out.overlap = true;
  auto id = p.cpe.placeCallOnSpan(1, out);
  BOOST_REQUIRE(id.isOk());
  // Queued at once, before the network has acknowledged the SETUP.
  BOOST_TEST(p.cpe.sendDigits(*id, "933").isOk());
  BOOST_REQUIRE(p.runUntil([&] { return p.cpeL.isConnected(*id); }));
  BOOST_TEST(p.net.call(p.netL.incoming.at(0).id)->called.digits == "933");
}

BOOST_AUTO_TEST_CASE(the_interdigit_timer_clears_an_incomplete_number_with_cause_28) {
  PriPair p;
  SideOptions o;
  o.overlap_receive = true;
  o.overlap_timeout = 300ms;
  p.addSpan(1, o);
  BOOST_REQUIRE(p.waitSettled());
  OutgoingCall out = callTo("312");
  out.overlap = true;
  auto start = std::chrono::steady_clock::now();
  auto id = p.cpe.placeCallOnSpan(1, out);
  BOOST_REQUIRE(id.isOk());
  BOOST_REQUIRE(p.runUntil([&] { return p.cpeL.isReleased(*id); }));
  double took = secondsSince(start);
  BOOST_TEST(took >= 0.29);
  BOOST_TEST(took < 1.5);
  BOOST_TEST(p.cpeL.released[*id].why.cause == cause::kInvalidNumberFormat);
  CallId in = p.netL.incoming.at(0).id;
  BOOST_REQUIRE(p.runUntil([&] { return p.netL.isReleased(in); }));
  BOOST_TEST(eventsOf(p.netL, in) == "incoming digits-timeout released:28");
  BOOST_TEST(!p.netL.released[in].why.by_far_end);
}

BOOST_AUTO_TEST_CASE(the_listener_can_reject_a_number_while_it_is_being_dialled) {
  PriPair p;
  SideOptions o;
  o.overlap_receive = true;
  p.addSpan(1, o);
  BOOST_REQUIRE(p.waitSettled());
  p.netL.on_digits = [&](const CallInfo& c, const DigitsEvent& ev) {
    if (ev.number == "555") BOOST_TEST(p.net.hangup(c.id, cause::kUnallocated).isOk());
  };
  OutgoingCall out = callTo("5");
  out.overlap = true;
  auto id = p.cpe.placeCallOnSpan(1, out);
  BOOST_REQUIRE(id.isOk());
  BOOST_TEST(p.cpe.sendDigits(*id, "55").isOk());
  BOOST_REQUIRE(p.runUntil([&] { return p.cpeL.isReleased(*id); }));
  BOOST_TEST(p.cpeL.released[*id].why.cause == cause::kUnallocated);
  BOOST_TEST(p.cpeL.released[*id].why.by_far_end);
}

BOOST_AUTO_TEST_CASE(an_en_bloc_trunk_treats_every_setup_as_complete) {
  PriPair p;
  p.addSpan(1);  // overlap receiving off
  BOOST_REQUIRE(p.waitSettled());
  OutgoingCall out = callTo("3125550123");
  out.sending_complete = false;
  auto id = p.cpe.placeCallOnSpan(1, out);
  BOOST_REQUIRE(id.isOk());
  BOOST_REQUIRE(p.runUntil([&] { return p.cpeL.events[*id].size() >= 1; }));
  BOOST_TEST(p.netL.incoming.at(0).sending_complete);
  BOOST_TEST(eventsOf(p.cpeL, *id) == "proceeding");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(pri_release)

BOOST_AUTO_TEST_CASE(a_refusal_carries_its_cause_to_the_caller) {
  PriPair p;
  p.addSpan(1);
  BOOST_REQUIRE(p.waitSettled());
  for (int c :
       {cause::kUnallocated, cause::kUserBusy, cause::kNoCircuitAvailable, cause::kCallRejected}) {
    p.netL.on_incoming = [&, c](const CallInfo& in) { BOOST_TEST(p.net.hangup(in.id, c).isOk()); };
    auto id = p.cpe.placeCallOnSpan(1, callTo("3125550123"));
    BOOST_REQUIRE(id.isOk());
    BOOST_REQUIRE(p.runUntil([&] { return p.cpeL.isReleased(*id); }));
    BOOST_TEST(p.cpeL.released[*id].why.cause == c);
    BOOST_TEST(p.cpeL.released[*id].why.by_far_end);
    BOOST_TEST(p.cpeL.released[*id].why.reason == causeText(c));
  }
  BOOST_REQUIRE(p.runUntil([&] { return p.cpe.calls().empty() && p.net.calls().empty(); }));
}

BOOST_AUTO_TEST_CASE(busy_after_ringing_and_caller_abandoning_while_ringing) {
  PriPair p;
  p.addSpan(1);
  BOOST_REQUIRE(p.waitSettled());
  // The callee rings, then clears with busy.
  p.netL.on_incoming = [&](const CallInfo& in) { BOOST_TEST(p.net.alert(in.id, true).isOk()); };
  p.cpeL.on_alerting = [&](const CallInfo& c) {
    CallId netId = p.netL.incoming.back().id;
    (void)c;
    BOOST_TEST(p.net.hangup(netId, cause::kUserBusy).isOk());
  };
  auto id = p.cpe.placeCallOnSpan(1, callTo("3125550123"));
  BOOST_REQUIRE(id.isOk());
  BOOST_REQUIRE(p.runUntil([&] { return p.cpeL.isReleased(*id); }));
  BOOST_TEST(eventsOf(p.cpeL, *id) == "proceeding alerting-inband released:17");

  // The caller gives up while it rings.
  p.cpeL.on_alerting = [&](const CallInfo& c) { BOOST_TEST(p.cpe.hangup(c.id).isOk()); };
  auto id2 = p.cpe.placeCallOnSpan(1, callTo("3125550124"));
  BOOST_REQUIRE(id2.isOk());
  BOOST_REQUIRE(p.runUntil([&] { return p.netL.isReleased(p.netL.incoming.back().id); }));
  BOOST_TEST(p.netL.released[p.netL.incoming.back().id].why.cause == cause::kNormalClearing);
  BOOST_REQUIRE(p.runUntil([&] { return p.cpeL.isReleased(*id2); }));
  BOOST_TEST(!p.cpeL.released[*id2].why.by_far_end);
}

BOOST_AUTO_TEST_CASE(the_bearer_capability_reaches_the_far_end) {
  PriPair p;
  p.addSpan(1);
  BOOST_REQUIRE(p.waitSettled());
  for (Bearer b : {Bearer::kSpeech, Bearer::kAudio3k1, Bearer::kDigital64k}) {
    OutgoingCall o = callTo("3125550123");
    o.bearer = b;
    auto id = p.cpe.placeCallOnSpan(1, o);
    BOOST_REQUIRE(id.isOk());
    BOOST_REQUIRE(p.runUntil([&] { return !p.netL.incoming.empty(); }));
    BOOST_TEST(bearerName(p.netL.incoming.back().bearer) == std::string(bearerName(b)));
    BOOST_TEST(p.cpe.hangup(*id).isOk());
    BOOST_REQUIRE(p.runUntil([&] { return p.cpeL.isReleased(*id); }));
    p.netL.incoming.clear();
  }
}

BOOST_AUTO_TEST_CASE(progress_with_inband_information_reaches_the_caller) {
  PriPair p;
  p.addSpan(1);
  BOOST_REQUIRE(p.waitSettled());
  p.netL.on_incoming = [&](const CallInfo& in) {
    BOOST_TEST(p.net.progress(in.id, true).isOk());
    BOOST_TEST(p.net.answer(in.id).isOk());
  };
  auto id = p.cpe.placeCallOnSpan(1, callTo("3125550123"));
  BOOST_REQUIRE(id.isOk());
  BOOST_REQUIRE(p.runUntil([&] { return p.cpeL.isConnected(*id); }));
  BOOST_TEST(eventsOf(p.cpeL, *id) == "proceeding progress-inband connected");
  BOOST_TEST(p.cpe.call(*id)->inband);
}

BOOST_AUTO_TEST_CASE(a_setup_nobody_answers_fails_when_t303_runs_out_twice) {
  PriPair p;
  SideOptions o;
  o.timers.t303 = 300ms;
  p.addSpan(1, o);
  BOOST_REQUIRE(p.waitSettled());
  // The network stops hearing us, but the line itself stays up.
  p.net.emulated(1)->setDchannelBlocked(true);
  auto start = std::chrono::steady_clock::now();
  auto id = p.cpe.placeCallOnSpan(1, callTo("3125550123"));
  BOOST_REQUIRE(id.isOk());
  BOOST_REQUIRE(p.runUntil([&] { return p.cpeL.isReleased(*id); }));
  double took = secondsSince(start);
  // Q.931: SETUP again on the first expiry, give up on the second.
  BOOST_TEST(took >= 0.58);
  BOOST_TEST(took < 1.5);
  int c = p.cpeL.released[*id].why.cause;
  BOOST_TEST((c == cause::kNoUserResponse || c == cause::kRecoveryOnTimerExpiry), "cause " << c);
  BOOST_TEST(p.netL.incoming.empty());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(pri_glare_and_restart)

BOOST_AUTO_TEST_CASE(glare_gives_the_channel_to_the_network_and_our_call_goes_again) {
  PriPair p;
  p.addSpan(1);
  BOOST_REQUIRE(p.waitSettled());
  p.netL.on_incoming = [&](const CallInfo& in) { BOOST_TEST(p.net.answer(in.id).isOk()); };
  p.cpeL.on_incoming = [&](const CallInfo& in) { BOOST_TEST(p.cpe.answer(in.id).isOk()); };
  // Both ends seize channel 1 before either hears of the other.
  OutgoingCall fromCpe = callTo("3125550123");
  fromCpe.channel = 1;
  OutgoingCall fromNet = callTo("3125550142", "3125559999");
  fromNet.channel = 1;
  auto cpeCall = p.cpe.placeCallOnSpan(1, fromCpe);
  auto netCall = p.net.placeCallOnSpan(1, fromNet);
  BOOST_REQUIRE(cpeCall.isOk() && netCall.isOk());
  BOOST_REQUIRE_MESSAGE(
      p.runUntil([&] { return p.cpeL.isConnected(*cpeCall) && p.netL.isConnected(*netCall); }),
      "cpe: " << eventsOf(p.cpeL, *cpeCall) << " net: " << eventsOf(p.netL, *netCall));
  // The network's call kept channel 1; ours moved, under the same CallId.
  BOOST_TEST(p.net.call(*netCall)->channel == 1);
  BOOST_TEST(p.cpeL.incoming.at(0).channel == 1);
  int moved = p.cpe.call(*cpeCall)->channel;
  BOOST_TEST(moved != 1);
  BOOST_TEST(p.netL.incoming.at(0).channel == moved);
  BOOST_TEST(p.cpe.trunk(1)->statusJson()["counters"]["glares"] == 1);
  BOOST_TEST(p.net.trunk(1)->statusJson()["counters"]["glares"] == 1);
  BOOST_TEST(p.cpeL.release_count == 0);  // nobody saw the lost attempt
}

BOOST_AUTO_TEST_CASE(the_dchannel_coming_up_restarts_every_idle_channel) {
  PriPair p;
  p.addSpan(1);
  BOOST_REQUIRE(p.waitSettled());
  // Each side restarted all 23 channels; the other saw every RESTART.
  BOOST_TEST(p.cpeL.spanEvents(SpanEvent::Kind::kRestart) == 23u);
  BOOST_TEST(p.netL.spanEvents(SpanEvent::Kind::kRestart) == 23u);
  BOOST_TEST(p.cpeL.spanEvents(SpanEvent::Kind::kDchannelUp) == 1u);
}

BOOST_AUTO_TEST_CASE(restarting_one_channel_ends_its_call_on_both_sides) {
  PriPair p;
  p.addSpan(1);
  BOOST_REQUIRE(p.waitSettled());
  p.netL.on_incoming = [&](const CallInfo& in) { BOOST_TEST(p.net.answer(in.id).isOk()); };
  OutgoingCall out = callTo("3125550123");
  out.channel = 5;
  auto id = p.cpe.placeCallOnSpan(1, out);
  BOOST_REQUIRE(id.isOk());
  BOOST_REQUIRE(p.runUntil([&] { return p.cpeL.isConnected(*id); }));
  CallId netId = p.netL.incoming.at(0).id;
  size_t before = p.netL.spanEvents(SpanEvent::Kind::kRestart);
  BOOST_TEST(p.cpe.restartChannel(1, 5).isOk());
  BOOST_TEST(channelStateName(p.cpe.span(1)->state(5)) == std::string("restarting"));
  BOOST_REQUIRE(p.runUntil([&] { return p.netL.isReleased(netId) && p.cpeL.isReleased(*id); }));
  BOOST_TEST(p.netL.released[netId].why.cause == cause::kTemporaryFailure);
  BOOST_TEST(p.netL.released[netId].why.reason == "far end restarted the channel");
  BOOST_TEST(!p.cpeL.released[*id].why.by_far_end);
  BOOST_REQUIRE(p.runUntil([&] { return p.cpe.span(1)->isIdle(5) && p.net.span(1)->isIdle(5); }));
  BOOST_TEST(p.netL.spanEvents(SpanEvent::Kind::kRestart) == before + 1);
  // The channel carries calls again.
  auto again = p.cpe.placeCallOnSpan(1, out);
  BOOST_REQUIRE(again.isOk());
  BOOST_REQUIRE(p.runUntil([&] { return p.cpeL.isConnected(*again); }));
}

BOOST_AUTO_TEST_CASE(service_messages_take_a_channel_out_of_service_at_both_ends) {
  PriPair p;
  p.addSpan(1);  // NI2 has SERVICE messages
  BOOST_REQUIRE(p.waitSettled());
  BOOST_TEST(p.net.setChannelService(1, 7, false).isOk());
  BOOST_TEST(channelStateName(p.net.span(1)->state(7)) == std::string("maintenance"));
  BOOST_REQUIRE(p.runUntil([&] { return p.cpe.span(1)->state(7) == ChannelState::kMaintenance; }));
  BOOST_TEST(p.cpeL.spanEvents(SpanEvent::Kind::kService) == 1u);
  // Hunting passes it by; a call that asks for it is refused.
  OutgoingCall out = callTo("3125550123");
  out.channel = 7;
  BOOST_TEST(!p.cpe.placeCallOnSpan(1, out).isOk());
  BOOST_TEST(p.net.setChannelService(1, 7, true).isOk());
  BOOST_REQUIRE(p.runUntil([&] { return p.cpe.span(1)->isIdle(7); }));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(pri_dchannel_loss)

BOOST_AUTO_TEST_CASE(loss_is_detected_within_the_timers_and_ends_the_calls_on_it) {
  PriPair p;
  SideOptions o;
  o.timers.t200 = 100ms;
  o.timers.t203 = 300ms;
  o.timers.n200 = 3;
  o.timers.t309 = 500ms;
  p.addSpan(1, o);
  BOOST_REQUIRE(p.waitSettled());
  // One call answered, one still ringing.
  p.netL.on_incoming = [&](const CallInfo& in) {
    if (in.called.digits == "3125550001") {
      BOOST_TEST(p.net.answer(in.id).isOk());
    } else {
      BOOST_TEST(p.net.alert(in.id, true).isOk());
    }
  };
  auto answered = p.cpe.placeCallOnSpan(1, callTo("3125550001"));
  auto ringing = p.cpe.placeCallOnSpan(1, callTo("3125550002"));
  BOOST_REQUIRE(answered.isOk() && ringing.isOk());
  BOOST_REQUIRE(p.runUntil([&] {
    return p.cpeL.isConnected(*answered) && p.cpe.call(*ringing)->state == CallState::kAlerting;
  }));
  p.runFor(50ms);  // let the link go idle, so T203 is what notices

  auto start = std::chrono::steady_clock::now();
  p.net.emulated(1)->setDchannelBlocked(true);
  BOOST_REQUIRE(p.runUntil([&] { return !p.cpe.span(1)->dchannelUp(); }, 3s));
  double detected = secondsSince(start);
  // T203 idle, then N200 polls T200 apart: 0.3 + 3 x 0.1 s, give or take a T200.
  BOOST_TEST(detected >= 0.3);
  BOOST_TEST(detected <= 0.9);
  BOOST_TEST(p.cpeL.spanEvents(SpanEvent::Kind::kDchannelDown) == 1u);
  // The call not yet answered ends at once; the answered one when T309 runs out.
  BOOST_REQUIRE(p.runUntil([&] { return p.cpeL.isReleased(*ringing); }, 1s));
  BOOST_TEST(!p.cpeL.isReleased(*answered));
  BOOST_REQUIRE(p.runUntil([&] { return p.cpeL.isReleased(*answered); }, 2s));
  double ended = secondsSince(start);
  BOOST_TEST(ended >= detected + 0.45);
  BOOST_TEST(p.cpeL.released[*answered].why.cause == cause::kDestinationOutOfOrder);
  BOOST_TEST(p.cpeL.released[*ringing].why.cause == cause::kDestinationOutOfOrder);
  // Its channels are alarmed and it takes no calls.
  BOOST_TEST(channelStateName(p.cpe.span(1)->state(3)) == std::string("alarmed"));
  auto refused = p.cpe.placeCallOnSpan(1, callTo("3125550003"));
  BOOST_REQUIRE(!refused.isOk());
  BOOST_TEST((refused.error().code == core::ErrorCode::kUnavailable));

  // The D-channel returns by itself once frames pass again.
  p.net.emulated(1)->setDchannelBlocked(false);
  BOOST_REQUIRE(p.runUntil([&] { return p.cpe.span(1)->dchannelUp(); }, 3s));
  BOOST_REQUIRE(p.waitSettled());
  p.netL.on_incoming = [&](const CallInfo& in) { BOOST_TEST(p.net.answer(in.id).isOk()); };
  auto after = p.cpe.placeCallOnSpan(1, callTo("3125550004"));
  BOOST_REQUIRE(after.isOk());
  BOOST_REQUIRE(p.runUntil([&] { return p.cpeL.isConnected(*after); }));
}

BOOST_AUTO_TEST_CASE(a_red_alarm_ends_every_call_at_once) {
  PriPair p;
  p.addSpan(1);
  BOOST_REQUIRE(p.waitSettled());
  p.netL.on_incoming = [&](const CallInfo& in) { BOOST_TEST(p.net.answer(in.id).isOk()); };
  auto id = p.cpe.placeCallOnSpan(1, callTo("3125550123"));
  BOOST_REQUIRE(id.isOk());
  BOOST_REQUIRE(p.runUntil([&] { return p.cpeL.isConnected(*id); }));
  p.net.emulated(1)->simulateAlarm(SimulatedAlarm::kRed);
  BOOST_REQUIRE(p.runUntil([&] { return p.cpeL.isReleased(*id); }, 1s));
  BOOST_TEST(p.cpeL.released[*id].why.cause == cause::kNetworkOutOfOrder);
  BOOST_TEST(p.cpeL.released[*id].why.reason == "span in red alarm");
  BOOST_TEST(p.cpeL.spanEvents(SpanEvent::Kind::kAlarm) >= 1u);
  BOOST_TEST(p.cpe.span(1)->alarms().red);
  // The network side, which stopped sending, hears RAI back: yellow.
  BOOST_REQUIRE(p.runUntil([&] { return p.net.span(1)->alarms().yellow; }));
  p.net.emulated(1)->simulateAlarm(SimulatedAlarm::kNone);
  BOOST_REQUIRE(p.waitSettled(8s));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(pri_requests)

BOOST_AUTO_TEST_CASE(bad_requests_are_refused_and_change_nothing) {
  PriPair p;
  p.addSpan(1);
  BOOST_REQUIRE(p.waitSettled());
  BOOST_REQUIRE(p.cpe.addGroup({"pstn", {1}, HuntPolicy::kAscending}).isOk());
  auto bad = p.cpe.placeCall("pstn", callTo("31255501x3"));
  BOOST_REQUIRE(!bad.isOk());
  BOOST_TEST(bad.error().message.find("has characters other than 0-9") != std::string::npos);
  BOOST_TEST(!p.cpe.placeCall("pstn", callTo("")).isOk());
  auto unknown = p.cpe.placeCall("psnt", callTo("3125550123"));
  BOOST_REQUIRE(!unknown.isOk());
  BOOST_TEST(unknown.error().message == "no trunk group 'psnt' (did you mean 'pstn'?)");
  BOOST_TEST(!p.cpe.addGroup({"other", {9}, HuntPolicy::kAscending}).isOk());
  BOOST_TEST((p.cpe.answer(999).code() == core::ErrorCode::kNotFound));
  BOOST_TEST(!p.cpe.hangup(999).isOk());
  BOOST_TEST(!p.cpe.restartChannel(1, 24).isOk());  // the D-channel
  BOOST_TEST(!p.cpe.restartChannel(7, 1).isOk());
  BOOST_TEST(p.cpe.calls().empty());
  BOOST_TEST(p.cpe.span(1)->idleCount() == 23u);
}

BOOST_AUTO_TEST_CASE(garbage_on_the_dchannel_does_not_stop_the_trunk) {
  PriPair p;
  p.addSpan(1);
  BOOST_REQUIRE(p.waitSettled());
  // Frames that are not Q.921, and I-frames that are not Q.931.
  std::vector<std::vector<uint8_t>> junk = {
      {0xff, 0xff, 0xff},
      {0x00, 0x01, 0x00, 0x00},
      {0x02, 0x01, 0x00, 0x00, 0x08, 0xff},
      {0x02, 0x01, 0x02, 0x00, 0x08, 0x02, 0x80, 0x01, 0x05, 0x04, 0x99},
      std::vector<uint8_t>(300, 0x55),
  };
  for (auto& f : junk)
    BOOST_TEST(p.net.emulated(1)->sendFrame(f));
  p.runFor(200ms);
  p.netL.on_incoming = [&](const CallInfo& in) { BOOST_TEST(p.net.answer(in.id).isOk()); };
  auto id = p.cpe.placeCallOnSpan(1, callTo("3125550123"));
  BOOST_REQUIRE(id.isOk());
  BOOST_REQUIRE(p.runUntil([&] { return p.cpeL.isConnected(*id); }, 5s));
}

BOOST_AUTO_TEST_SUITE_END()
