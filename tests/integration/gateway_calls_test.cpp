// The working gateway, end to end with real processes: outpostd, pstn-sim as
// the PSTN on an emulated T1, sipp as HQ, rtp-tool as the SIP side's audio.
#define BOOST_TEST_MODULE gateway_calls
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <set>
#include <thread>

#include "tests/support/gateway.hpp"

using namespace outpost::test;

namespace {

// A tone sent on one side is found on the other; tone fraction thresholds
// allow for the jitter buffer's start and the call's setup and teardown.
constexpr double kHeard = 0.5;

}  // namespace

BOOST_AUTO_TEST_SUITE(sip_to_pstn)

BOOST_AUTO_TEST_CASE(call_completes_with_numbers_formatted_and_audio_both_ways) {
  GatewayHarness gw;
  RtpTool rtp(gw.ip(), {"--watch", "1004"});
  rtp.command("tone 1004");
  auto r = gw.sippCall(gw.callOptions("+13125551234", rtp.port(), 3000));
  BOOST_TEST(r.ok(), r.out << r.err);
  auto setup = gw.pstnEvent("setup");
  BOOST_REQUIRE(setup);
  // HQ sent E.164; the plan's pstn target formats national: 10 digits.
  BOOST_TEST((*setup)["called"] == "3125551234");
  BOOST_TEST((*setup)["called_ton"] == "national");
  BOOST_TEST((*setup)["calling"] == "2125550100");
  BOOST_TEST((*setup)["presentation"] == "allowed");
  BOOST_TEST((*setup)["name"] == "HQ Caller");
  auto disc = gw.pstnEvent("disconnect");
  BOOST_REQUIRE(disc);
  BOOST_TEST((*disc)["cause"] == 16);
  // The tone went RTP -> B-channel -> pstn-sim's echo -> B-channel -> RTP.
  auto stats = rtp.stats();
  int frames = stats.value("frames_in", 0);
  int tone = stats["tones"].value("1004", 0);
  BOOST_TEST(frames > 100);
  BOOST_TEST(tone > kHeard * frames, tone << " of " << frames << " frames carried the tone");
  BOOST_REQUIRE(gw.waitForCdrs(1));
  auto cdr = gw.cdrs().back();
  BOOST_TEST(cdr["direction"] == "sip-to-pstn");
  BOOST_TEST(cdr["called_in"] == "+13125551234");
  BOOST_TEST(cdr["called_out"] == "3125551234");
  BOOST_TEST(cdr["route"] == "pstn");
  BOOST_TEST(cdr["released_by"] == "sip");
  BOOST_TEST(cdr["cause"] == 16);
  BOOST_TEST(cdr["codec"] == "PCMU");
  BOOST_TEST(cdr["answered"] == 1);
  BOOST_TEST(cdr["span"] == 1);
  BOOST_TEST(cdr["channel"].get<int>() >= 1);
}

BOOST_AUTO_TEST_CASE(pstn_audio_reaches_sip_and_sip_audio_reaches_pstn) {
  // 555-71xx plays a 440 Hz tone into the call; 555-72xx records what it hears.
  GatewayOptions o;
  o.pstn_rules = "31255571XX answer media=tone:440\n31255572XX answer media=record\n";
  GatewayHarness gw(o);
  {
    RtpTool rtp(gw.ip(), {"--watch", "440"});
    auto r = gw.sippCall(gw.callOptions("+13125557123", rtp.port(), 2500));
    BOOST_TEST(r.ok(), r.out << r.err);
    auto stats = rtp.stats();
    int frames = stats.value("frames_in", 0);
    BOOST_TEST(stats["tones"].value("440", 0) > kHeard * frames, stats.dump());
  }
  {
    RtpTool rtp(gw.ip());
    rtp.command("tone 1004");
    auto r = gw.sippCall(gw.callOptions("+13125557234", rtp.port(), 2500));
    BOOST_TEST(r.ok(), r.out << r.err);
    auto rec = gw.pstnEvent("recorded");
    BOOST_REQUIRE(rec);
    std::string file = (*rec)["file"];
    double heard = wavToneFraction(file, 1004);
    BOOST_TEST(heard > kHeard, "1004 Hz in " << heard * 100 << "% of what pstn-sim recorded");
  }
}

BOOST_AUTO_TEST_CASE(pcma_offered_on_a_mulaw_span_is_converted) {
  GatewayHarness gw;
  RtpTool rtp(gw.ip(), {"--codec", "pcma", "--watch", "1004"});
  rtp.command("tone 1004");
  auto r = gw.sippCall(gw.callOptions("+13125551234", rtp.port(), 2500, "8"));
  BOOST_TEST(r.ok(), r.out << r.err);
  auto stats = rtp.stats();
  int frames = stats.value("frames_in", 0);
  BOOST_TEST(frames > 80);
  BOOST_TEST(stats["tones"].value("1004", 0) > kHeard * frames, stats.dump());
  BOOST_REQUIRE(gw.waitForCdrs(1));
  BOOST_TEST(gw.cdrs().back()["codec"] == "PCMA");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(pstn_to_sip)

BOOST_AUTO_TEST_CASE(did_call_reaches_hq_with_e164_numbers_and_audio_both_ways) {
  GatewayHarness gw;
  RtpTool rtp(gw.ip(), {"--watch", "1004"});
  rtp.command("tone 1004");
  auto hq = gw.sippHq(gw.answerOptions(rtp.port()));
  gw.pstnCommand("call 2125550100 3125550142 --name \"Jane Caller\"");
  auto connect = gw.pstnEvent("connect", {}, 15000ms);
  BOOST_REQUIRE_MESSAGE(connect, gw.outpostd().allStderr());
  std::this_thread::sleep_for(2500ms);
  gw.pstnCommand("hangup");
  BOOST_REQUIRE(gw.pstnEvent("disconnect"));
  auto code = hq->wait(15000ms);
  BOOST_TEST(code.value_or(-1) == 0, hq->allStdout());
  // pstn-sim echoes the calls it places: the tone made the round trip.
  auto stats = rtp.stats();
  int frames = stats.value("frames_in", 0);
  BOOST_TEST(frames > 50);
  BOOST_TEST(stats["tones"].value("1004", 0) > kHeard * frames, stats.dump());
  BOOST_REQUIRE(gw.waitForCdrs(1));
  auto cdr = gw.cdrs().back();
  BOOST_TEST(cdr["direction"] == "pstn-to-sip");
  BOOST_TEST(cdr["called_in"] == "3125550142");
  BOOST_TEST(cdr["called_out"] == "+13125550142");
  BOOST_TEST(cdr["calling_out"] == "+12125550100");
  BOOST_TEST(cdr["route"] == "hq");
  BOOST_TEST(cdr["released_by"] == "pstn");
  BOOST_TEST(cdr["cause"] == 16);
  BOOST_TEST(cdr["answered"] == 1);
}

BOOST_AUTO_TEST_CASE(hq_hanging_up_first_clears_the_pstn_call) {
  GatewayHarness gw;
  RtpTool rtp(gw.ip());
  auto hq = gw.sippHq(gw.answerOptions(rtp.port(), 100, 1500));
  gw.pstnCommand("call 2125550100 3125550142");
  BOOST_REQUIRE_MESSAGE(gw.pstnEvent("connect", {}, 15000ms), gw.outpostd().allStderr());
  auto disc = gw.pstnEvent("disconnect", {}, 15000ms);
  BOOST_REQUIRE(disc);
  BOOST_TEST((*disc)["cause"] == 16);
  BOOST_TEST((*disc)["by"] == "far_end");
  BOOST_TEST(hq->wait(10000ms).value_or(-1) == 0, hq->allStdout());
  BOOST_REQUIRE(gw.waitForCdrs(1));
  BOOST_TEST(gw.cdrs().back()["released_by"] == "sip");
}

BOOST_AUTO_TEST_CASE(sip_refusals_map_to_q850_causes_and_reason_wins) {
  GatewayHarness gw;
  struct Case {
    int status;
    std::string phrase, headers;
    int cause;
  };
  std::vector<Case> cases = {
      {486, "Busy Here", "", 17},
      {404, "Not Found", "", 1},
      {503, "Service Unavailable", "", 41},
      {480, "Temporarily Unavailable", "", 18},
      // A Reason header carries the exact cause across.
      {603, "Decline", "Reason: Q.850;cause=27;text=\"Destination out of order\"", 27},
  };
  for (const auto& c : cases) {
    SippOptions o;
    o.scenario = "uas_reject.xml.in";
    o.vars = {{"STATUS", std::to_string(c.status)}, {"PHRASE", c.phrase}, {"HEADERS", c.headers}};
    o.timeout_s = 30;
    auto hq = gw.sippHq(o);
    gw.pstnCommand("call 2125550100 3125550142");
    auto disc = gw.pstnEvent("disconnect", {}, 15000ms);
    BOOST_REQUIRE_MESSAGE(disc, "no disconnect for SIP " << c.status);
    BOOST_TEST((*disc)["cause"] == c.cause,
               "SIP " << c.status << " gave cause " << (*disc)["cause"]);
    BOOST_TEST(hq->wait(10000ms).value_or(-1) == 0);
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(releases)

BOOST_AUTO_TEST_CASE(pstn_causes_map_to_sip_statuses_with_reason) {
  GatewayOptions o;
  o.pstn_rules =
      "3125550017 reject cause=17\n"
      "3125550001 reject cause=1\n"
      "3125550034 reject cause=34\n"
      "3125550042 reject cause=42\n"
      "3125550021 reject cause=21\n";
  GatewayHarness gw(o);
  struct Case {
    std::string number;
    int status, cause;
  };
  for (const Case& c : std::vector<Case>{{"+13125550017", 486, 17},
                                         {"+13125550001", 404, 1},
                                         {"+13125550034", 503, 34},
                                         {"+13125550042", 503, 42},
                                         {"+13125550021", 403, 21}}) {
    auto r = gw.sippCall(gw.failOptions(c.number, c.status, c.cause));
    BOOST_TEST(r.ok(), c.number << ": " << r.out << r.err);
  }
  BOOST_REQUIRE(gw.waitForCdrs(5));
  auto cdrs = gw.cdrs();
  BOOST_TEST(cdrs[0]["sip_status"] == 486);
  BOOST_TEST(cdrs[0]["cause"] == 17);
  BOOST_TEST(cdrs[0]["released_by"] == "pstn");
}

BOOST_AUTO_TEST_CASE(no_answer_ends_with_cause_19_and_480) {
  GatewayOptions o;
  o.pstn_rules = "3125550019 ring\n";
  o.calls_section = "[calls]\nring_timeout = 3s\n";
  GatewayHarness gw(o);
  auto r = gw.sippCall(gw.failOptions("+13125550019", 480, 19));
  BOOST_TEST(r.ok(), r.out << r.err);
  auto disc = gw.pstnEvent("disconnect");
  BOOST_REQUIRE(disc);
  BOOST_TEST((*disc)["cause"] == 19);
}

BOOST_AUTO_TEST_CASE(span_down_refuses_calls_with_503_and_cause_38) {
  GatewayHarness gw;
  gw.pstnCommand("alarm red");
  BOOST_REQUIRE(eventually(
      [&] { return gw.ctl({"spans"}).out.find("D-channel down") != std::string::npos; }, 20000ms));
  auto r = gw.sippCall(gw.failOptions("+13125551234", 503, 38));
  BOOST_TEST(r.ok(), r.out << r.err);
  gw.pstnCommand("alarm clear");
  BOOST_REQUIRE(gw.pstnEvent("dchannel", {{"state", "up"}}, 20000ms));
  RtpTool rtp(gw.ip());
  BOOST_TEST(gw.sippCall(gw.callOptions("+13125551234", rtp.port(), 500)).ok());
}

BOOST_AUTO_TEST_CASE(span_loss_during_a_call_ends_it_with_a_cause) {
  GatewayHarness gw;
  RtpTool rtp(gw.ip());
  SippOptions o = gw.callOptions("+13125551234", rtp.port(), 8000);
  auto fut = std::async(std::launch::async, [&] { return gw.sippCall(o); });
  BOOST_REQUIRE(gw.pstnEvent("connect", {}, 15000ms));
  gw.pstnCommand("alarm red");
  auto r = fut.get();
  // The gateway sends BYE (with a Reason) before sipp does: sipp's own BYE
  // then fails, so its call counts as failed.
  BOOST_TEST(r.failed == 1, r.out);
  BOOST_REQUIRE(gw.waitForCdrs(1));
  auto cdr = gw.cdrs().back();
  BOOST_TEST(cdr["released_by"] != "sip");
  BOOST_TEST(cdr["cause"] != 16);
  BOOST_TEST(gw.ctl({"calls"}).out.find("0 call(s)") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(sip_features)

SippOptions scenario(GatewayHarness& gw, const std::string& file, const std::string& number,
                     int rtpPort, std::map<std::string, std::string> vars) {
  SippOptions o = gw.callOptions(number, rtpPort);
  o.scenario = file;
  for (auto& [k, v] : vars)
    o.vars[k] = v;
  o.timeout_s = 90;
  return o;
}

BOOST_AUTO_TEST_CASE(cancel_while_ringing_clears_the_pstn_call) {
  GatewayOptions o;
  o.pstn_rules = "3125550019 ring\n";
  GatewayHarness gw(o);
  RtpTool rtp(gw.ip());
  auto r = gw.sippCall(
      scenario(gw, "uac_cancel.xml.in", "+13125550019", rtp.port(), {{"RING_MS", "500"}}));
  BOOST_TEST(r.ok(), r.out << r.err);
  auto disc = gw.pstnEvent("disconnect");
  BOOST_REQUIRE(disc);
  BOOST_TEST((*disc)["cause"] == 16);
  BOOST_TEST((*disc)["by"] == "far_end");
  BOOST_REQUIRE(gw.waitForCdrs(1));
  auto cdr = gw.cdrs().back();
  BOOST_TEST(cdr["released_by"] == "sip");
  BOOST_TEST(cdr["answered"] == 0);
}

BOOST_AUTO_TEST_CASE(pstn_hanging_up_first_sends_bye_with_reason) {
  GatewayOptions o;
  o.pstn_rules = "3125550077 answer hangup_after=1500ms\n";
  GatewayHarness gw(o);
  RtpTool rtp(gw.ip());
  auto r = gw.sippCall(
      scenario(gw, "uac_wait_bye.xml.in", "+13125550077", rtp.port(), {{"CAUSE", "16"}}));
  BOOST_TEST(r.ok(), r.out << r.err);
  BOOST_REQUIRE(gw.waitForCdrs(1));
  BOOST_TEST(gw.cdrs().back()["released_by"] == "pstn");
}

BOOST_AUTO_TEST_CASE(late_offer_gets_our_offer_in_the_200_and_audio_flows) {
  GatewayHarness gw;
  RtpTool rtp(gw.ip(), {"--watch", "1004"});
  rtp.command("tone 1004");
  auto r = gw.sippCall(
      scenario(gw, "uac_late_offer.xml.in", "+13125551234", rtp.port(), {{"TALK_MS", "2500"}}));
  BOOST_TEST(r.ok(), r.out << r.err);
  auto stats = rtp.stats();
  int frames = stats.value("frames_in", 0);
  BOOST_TEST(frames > 50);
  BOOST_TEST(stats["tones"].value("1004", 0) > kHeard * frames, stats.dump());
}

BOOST_AUTO_TEST_CASE(hold_and_resume_keep_the_channel) {
  GatewayOptions o;
  o.pstn_rules = "31255572XX answer media=record\n";
  GatewayHarness gw(o);
  RtpTool rtp(gw.ip());
  rtp.command("tone 1004");
  auto r = gw.sippCall(
      scenario(gw, "uac_hold.xml.in", "+13125557200", rtp.port(), {{"TALK_MS", "1500"}}));
  BOOST_TEST(r.ok(), r.out << r.err);
  // One SETUP, one DISCONNECT: the B-channel stayed through hold and resume.
  auto disc = gw.pstnEvent("disconnect");
  BOOST_REQUIRE(disc);
  BOOST_TEST((*disc)["cause"] == 16);
  int setups = 0;
  for (const auto& e : gw.events())
    setups += e.value("event", "") == "setup";
  BOOST_TEST(setups == 1);
  // While held (a=inactive) the PSTN heard silence, not the tone: of 4.5 s
  // recorded, the tone filled well under the 3 s it was allowed to.
  auto rec = gw.pstnEvent("recorded");
  BOOST_REQUIRE(rec);
  double tone = wavToneFraction((*rec)["file"], 1004);
  BOOST_TEST(tone > 0.4, "tone heard in " << tone * 100 << "% of the call");
  BOOST_TEST(tone < 0.8, "tone heard in " << tone * 100 << "% of the call, through the hold too");
}

BOOST_AUTO_TEST_CASE(reliable_provisional_responses_when_required) {
  GatewayOptions o;
  o.pstn_rules = "3125550300 answer after=1s\n";
  GatewayHarness gw(o);
  RtpTool rtp(gw.ip());
  auto r = gw.sippCall(
      scenario(gw, "uac_100rel.xml.in", "+13125550300", rtp.port(), {{"TALK_MS", "500"}}));
  BOOST_TEST(r.ok(), r.out << r.err);
}

BOOST_AUTO_TEST_CASE(session_timers_are_refreshed_and_honoured) {
  // Two calls at once (the timers take a minute): on one the gateway is the
  // refresher and must re-INVITE within the interval; on the other HQ is,
  // never refreshes, and the gateway must end the call before the 90 s
  // interval is over, PSTN side included.
  GatewayHarness gw;
  RtpTool rtp(gw.ip()), rtp2(gw.ip());
  SippOptions lapsed = scenario(gw, "uac_session_expiry.xml.in", "+13125551235", rtp2.port(), {});
  lapsed.local_port = gw.hqPort() + 2;
  lapsed.timeout_s = 120;
  auto start = std::chrono::steady_clock::now();
  auto expiry = std::async(std::launch::async, [&] {
    auto r = gw.sippCall(lapsed);
    return std::make_pair(r, std::chrono::steady_clock::now() - start);
  });
  auto r = gw.sippCall(scenario(gw, "uac_session_timer.xml.in", "+13125551234", rtp.port(), {}));
  BOOST_TEST(r.ok(), r.out << r.err);
  auto [e, took] = expiry.get();
  BOOST_TEST(e.ok(), e.out << e.err);
  BOOST_TEST(took < std::chrono::seconds(90), "the gateway's BYE came after the session expired");
  BOOST_REQUIRE(gw.waitForCdrs(2));
  bool found = false;
  for (const auto& c : gw.cdrs()) {
    if (c["called_in"] != "+13125551235") continue;
    found = true;
    BOOST_TEST(c["answered"] == 1);
    // Released on the SIP side, by its timer: Q.850 102, recovery on timer expiry.
    BOOST_TEST(c["released_by"] == "sip", c.dump());
    BOOST_TEST(c["cause"] == 102, c.dump());
  }
  BOOST_TEST(found);
  // pstn-sim saw both calls cleared.
  BOOST_TEST(gw.pstnEvent("disconnect").has_value());
  BOOST_TEST(gw.pstnEvent("disconnect").has_value());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(dtmf)

BOOST_AUTO_TEST_CASE(rfc4733_digits_reach_the_pstn_once_each) {
  GatewayOptions o;
  o.pstn_rules = ". answer media=detect\n";
  GatewayHarness gw(o);
  RtpTool rtp(gw.ip());
  SippOptions call = gw.callOptions("+13125551234", rtp.port(), 4000);
  auto fut = std::async(std::launch::async, [&] { return gw.sippCall(call); });
  BOOST_REQUIRE(gw.pstnEvent("connect", {}, 15000ms));
  std::this_thread::sleep_for(500ms);
  rtp.command("dtmf 159# rfc4733 100");
  BOOST_TEST(fut.get().ok());
  BOOST_REQUIRE(gw.pstnEvent("disconnect"));
  std::string digits;
  for (const auto& e : gw.events()) {
    if (e.value("event", "") == "dtmf") digits += e.value("digit", "");
  }
  BOOST_TEST(digits == "159#");
  BOOST_REQUIRE(gw.waitForCdrs(1));
  BOOST_TEST(gw.cdrs().back()["dtmf"] == 4);
}

BOOST_AUTO_TEST_CASE(inband_digits_from_the_pstn_arrive_as_rfc4733_and_not_in_the_audio) {
  GatewayOptions o;
  o.pstn_rules = ". answer media=dtmf:4567\n";
  GatewayHarness gw(o);
  RtpTool rtp(gw.ip());
  auto r = gw.sippCall(gw.callOptions("+13125551234", rtp.port(), 4000));
  BOOST_TEST(r.ok(), r.out << r.err);
  auto stats = rtp.stats();
  BOOST_TEST(stats.value("rfc4733", "") == "4567", stats.dump());
  // Removed from the audio: nobody hears the digit twice.
  BOOST_TEST(stats.value("inband", "") == "", stats.dump());
}

BOOST_AUTO_TEST_CASE(sip_info_digits_are_played_to_the_pstn) {
  GatewayOptions o;
  o.pstn_rules = ". answer media=detect\n";
  GatewayHarness gw(o);
  RtpTool rtp(gw.ip());
  SippOptions call = gw.callOptions("+13125551234", rtp.port());
  call.scenario = "uac_info_dtmf.xml.in";
  call.vars["DIGIT"] = "7";
  call.vars["TALK_MS"] = "1000";
  auto r = gw.sippCall(call);
  BOOST_TEST(r.ok(), r.out << r.err);
  BOOST_REQUIRE(gw.pstnEvent("disconnect"));
  std::string digits;
  for (const auto& e : gw.events()) {
    if (e.value("event", "") == "dtmf") digits += e.value("digit", "");
  }
  BOOST_TEST(digits == "7");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(capacity_and_robustness)

BOOST_AUTO_TEST_CASE(overlap_receiving_collects_digits_until_the_plan_has_a_number) {
  GatewayOptions o;
  o.span_extra = "overlap = yes\noverlap_timeout = 5s\n";
  GatewayHarness gw(o);
  RtpTool rtp(gw.ip());
  auto hq = gw.sippHq(gw.answerOptions(rtp.port()));
  gw.pstnCommand("call 2125550100 3125550142 --overlap=3");
  auto connect = gw.pstnEvent("connect", {}, 20000ms);
  BOOST_REQUIRE(connect);
  gw.pstnCommand("hangup");
  BOOST_REQUIRE(gw.pstnEvent("disconnect"));
  BOOST_TEST(hq->wait(10000ms).value_or(-1) == 0);
  BOOST_REQUIRE(gw.waitForCdrs(1));
  auto cdr = gw.cdrs().back();
  BOOST_TEST(cdr["called_in"] == "3125550142");
  BOOST_TEST(cdr["called_out"] == "+13125550142");
}

namespace {
// `n` calls from HQ to a number pstn-sim rings without answering, cancelled
// after ringMs: they hold n B-channels meanwhile.
SippOptions ringingCalls(GatewayHarness& gw, RtpTool& rtp, int n, int ringMs) {
  SippOptions o = gw.callOptions("+13125550019", rtp.port());
  o.scenario = "uac_cancel.xml.in";
  o.vars["RING_MS"] = std::to_string(ringMs);
  o.calls = n;
  o.rate = 50;
  o.limit = n;
  o.local_port = gw.hqPort() + 1;
  return o;
}

int busyChannels(GatewayHarness& gw) {
  nlohmann::json j = gw.ctlJson({"channels"});
  int busy = 0;
  for (const auto& c : j["channels"])
    busy += c.value("state", "") == "in_use";
  return busy;
}
}  // namespace

BOOST_AUTO_TEST_CASE(a_full_span_refuses_the_24th_call_with_503_and_cause_34) {
  GatewayOptions o;
  o.pstn_rules = "3125550019 ring\n";
  GatewayHarness gw(o);
  RtpTool rtp(gw.ip());
  SippOptions ringing = ringingCalls(gw, rtp, 23, 10000);
  auto fut = std::async(std::launch::async, [&] { return gw.sippCall(ringing); });
  BOOST_REQUIRE(eventually([&] { return busyChannels(gw) == 23; }, 15000ms));
  auto r = gw.sippCall(gw.failOptions("+13125551234", 503, 34));
  BOOST_TEST(r.ok(), r.out << r.err);
  auto all = fut.get();
  BOOST_TEST(all.successful == 23, all.out);
  BOOST_REQUIRE(gw.waitForCdrs(24));
  BOOST_TEST(eventually(
      [&] { return gw.ctl({"channels"}).out.find("in_use") == std::string::npos; }, 10000ms));
}

// Overload sheds at the door: with max_in_setup unanswered calls a new call
// gets 503 with Retry-After and Reason cause 42 and no channel is taken; an
// emergency call at the same moment goes through. (The control-loop lag
// trigger uses the same door; its logic is in load_monitor_test, its effect
// in make bench's overload figures.)
BOOST_AUTO_TEST_CASE(overload_sheds_with_503_and_retry_after_but_never_an_emergency_call) {
  GatewayOptions o;
  o.pstn_rules = "3125550019 ring\n. answer media=echo\n";
  o.calls_section = "[calls]\nring_timeout = 20s\nmax_in_setup = 2\nretry_after = 7s\n";
  GatewayHarness gw(o);
  RtpTool rtp(gw.ip());
  SippOptions ringing = ringingCalls(gw, rtp, 2, 8000);
  auto fut = std::async(std::launch::async, [&] { return gw.sippCall(ringing); });
  auto busy = [&] { return busyChannels(gw); };
  if (!eventually([&] { return busy() == 2; }, 15000ms)) {
    auto r0 = fut.get();
    BOOST_FAIL("two ringing calls did not take two channels: " << r0.out << r0.err);
  }

  SippOptions shed = gw.failOptions("+13125551234", 503, 42);
  shed.vars["CHECKS"] =
      "<ereg regexp=\"^ *7 *$\" search_in=\"hdr\" header=\"Retry-After:\" check_it=\"true\" "
      "assign_to=\"retry\"/>";
  shed.vars["REFS"] = "<Reference variables=\"retry\"/>";
  auto r = gw.sippCall(shed);
  BOOST_TEST(r.ok(), r.out << r.err);
  BOOST_TEST(busy() == 2);  // the shed call took no channel

  // 911 while shedding: answered by the PSTN.
  auto e = gw.sippCall(gw.callOptions("911", rtp.port(), 300));
  BOOST_TEST(e.ok(), e.out << e.err);

  auto calls = gw.ctlJson({"status"});
  bool counted = false;
  for (const auto& sub : calls["subsystems"])
    if (sub["name"] == "calls") counted = sub["shed_503"].get<int>() >= 1;
  BOOST_TEST(counted, calls.dump());
  BOOST_TEST(fut.get().successful == 2);
  BOOST_REQUIRE(gw.waitForCdrs(4));
  int shedCdrs = 0, emergencyCdrs = 0;
  for (const auto& c : gw.cdrs()) {
    if (c["sip_status"] == 503 && c["cause"] == 42 && c["channel"] == 0) ++shedCdrs;
    if (c["emergency"] == 1 && c["answered"] == 1 && c["called_out"] == "911") ++emergencyCdrs;
  }
  BOOST_TEST(shedCdrs == 1);
  BOOST_TEST(emergencyCdrs == 1);
}

// The second trigger of the same door: SIP requests piling up unread in the
// kernel. outpostd is stopped while a burst of INVITEs arrives, as a stalled
// machine would be; when it runs again its timers are on time at once, but
// the queue is deep, so it sheds part of the burst with 503 instead of
// answering requests that have waited. The lag trigger is off here so only
// the queue can shed. Every call still ends answered or refused, with one CDR
// each, and the gateway serves normally afterwards.
BOOST_AUTO_TEST_CASE(a_deep_sip_receive_queue_sheds_part_of_a_burst_and_then_serves_again) {
  GatewayOptions o;
  o.spans = 16;  // channels for the whole burst: only the guard may refuse
  o.calls_section =
      "[calls]\nring_timeout = 20s\noverload_loop_lag = 0s\noverload_sip_queue_kb = 64\n";
  GatewayHarness gw(o);
  auto sipFacts = [&](const std::string& name) {
    nlohmann::json st = gw.ctlJson({"status"});
    for (const auto& sub : st["subsystems"])
      if (sub["name"] == name) return sub;
    return nlohmann::json();
  };
  // The socket got the buffer asked for (root may pass net.core.rmem_max).
  if (geteuid() == 0) {
    BOOST_TEST(sipFacts("sip")["udp_receive_buffer_kb"].get<int>() >= 4096, sipFacts("sip").dump());
  }

  const int kBurst = 300;
  TempDir dir;
  SippOptions load;
  load.scenario = "uac_load.xml";
  load.local_ip = gw.ip();
  load.remote = gw.sipAddress();
  load.service = "+13125551234";
  load.calls = kBurst;
  load.rate = 3000;
  load.limit = 1000;
  load.timeout_s = 60;
  ::kill(gw.outpostd().pid(), SIGSTOP);
  auto burst = std::async(std::launch::async, [&] { return runSipp(load, dir); });
  std::this_thread::sleep_for(300ms);  // the burst is sent; under T1 (500 ms)
  ::kill(gw.outpostd().pid(), SIGCONT);
  SippResult r = burst.get();
  // uac_load.xml ends a call well on 200 + BYE or on 503: none timed out.
  BOOST_TEST(r.successful == kBurst, r.out << r.err);

  nlohmann::json calls = sipFacts("calls");
  BOOST_TEST(calls["overload_episodes"].get<int>() >= 1, calls.dump());
  BOOST_TEST(calls["shed_by"].value("load", 0) >= 1, calls.dump());
  BOOST_TEST(calls["shed_by"].value("load", 0) < kBurst, calls.dump());
  BOOST_REQUIRE(gw.waitForCdrs(kBurst, 20000ms));
  int answered = 0, shed = 0;
  for (const auto& c : gw.cdrs()) {
    if (c["answered"] == 1) ++answered;
    if (c["sip_status"] == 503 && c["cause"] == 42 && c["channel"] == 0) ++shed;
  }
  BOOST_TEST(answered + shed == kBurst, answered << " answered, " << shed << " shed");
  BOOST_TEST(shed == calls["shed_by"].value("load", 0));

  // Once the queue has drained the guard lets every call in again.
  BOOST_TEST(eventually([&] { return !sipFacts("calls")["overloaded"].get<bool>(); }, 5000ms));
  RtpTool rtp(gw.ip());
  auto after = gw.sippCall(gw.callOptions("+13125551234", rtp.port(), 300));
  BOOST_TEST(after.ok(), after.out << after.err);
}

BOOST_AUTO_TEST_CASE(bad_offers_get_488_and_the_gateway_keeps_serving) {
  GatewayHarness gw;
  // Only G.729 offered: nothing we support.
  SippOptions g729 = gw.failOptions("+13125551234", 488, 65);
  g729.vars["CODECS"] = "18";
  BOOST_TEST(gw.sippCall(g729).ok());
  SippOptions junk = gw.failOptions("+13125551234", 488, 65);
  junk.scenario = "uac_bad_sdp.xml.in";
  BOOST_TEST(gw.sippCall(junk).ok());
  // Garbage datagrams from nowhere, then a stranger's INVITE.
  {
    int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(gw.sipPort()));
    inet_pton(AF_INET, gw.ip().c_str(), &a.sin_addr);
    std::string noise;
    for (int i = 0; i < 2000; ++i)
      noise += static_cast<char>((i * 7919) % 251);
    for (int i = 0; i < 200; ++i) {
      (void)::sendto(fd, noise.data(), 1 + (i * 37) % noise.size(), 0,
                     reinterpret_cast<sockaddr*>(&a), sizeof a);
      std::string half = "INVITE sip:x@" + gw.ip() + " SIP/2.0\r\nVia: broken\r\n\r\n";
      (void)::sendto(fd, half.data(), half.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
    }
    ::close(fd);
  }
  SippOptions stranger;
  stranger.scenario = "uac_expect_status.xml.in";
  stranger.vars = {{"STATUS", "403"}};
  stranger.local_ip = testLoopback(30);
  stranger.remote = gw.sipAddress();
  BOOST_TEST(runSipp(stranger, gw.dir()).ok());
  RtpTool rtp(gw.ip());
  BOOST_TEST(gw.sippCall(gw.callOptions("+13125551234", rtp.port(), 500)).ok());
  BOOST_TEST(gw.outpostd().running());
}

BOOST_AUTO_TEST_CASE(a_burst_of_junk_dchannel_frames_leaves_the_gateway_serving) {
  GatewayHarness gw;
  // A call in progress while the junk arrives, and calls after it.
  RtpTool rtp(gw.ip());
  auto during = std::async(std::launch::async, [&] {
    return gw.sippCall(gw.callOptions("+13125551234", rtp.port(), 3000));
  });
  BOOST_REQUIRE(gw.pstnEvent("connect"));
  gw.pstnCommand("junk 3000 --seed 11");
  auto reply = gw.pstnEvent("reply", {{"command", "junk 3000 --seed 11"}});
  BOOST_REQUIRE(reply);
  BOOST_TEST((*reply)["ok"] == true, reply->dump());
  // pstn-sim waits for room in the socket, so the whole burst reaches the
  // gateway however slowly it reads on a loaded machine.
  BOOST_TEST((*reply)["result"]["sent"].get<int>() == 3000, reply->dump());
  // Whatever Q.921 made of it (it may reset the link), the gateway is alive,
  // answers its control socket, and the span carries new calls.
  BOOST_TEST(gw.outpostd().running());
  BOOST_TEST(gw.ctl({"status"}).code == 0);
  during.get();
  BOOST_TEST(eventually(
      [&] {
        auto spans = gw.ctlJson({"spans"});
        return !spans.is_null() && spans.dump().find("\"up\"") != std::string::npos;
      },
      15000ms));
  for (int i = 0; i < 3; ++i) {
    auto r = gw.sippCall(gw.callOptions("+13125551234", rtp.port(), 300));
    BOOST_TEST(r.ok(), r.out << r.err);
  }
  BOOST_TEST(gw.outpostd().running());
  BOOST_REQUIRE(gw.waitForCdrs(4));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(soak)

namespace {
long rssKb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}
}  // namespace

BOOST_AUTO_TEST_CASE(a_thousand_calls_leave_nothing_behind_and_one_cdr_each) {
  GatewayOptions quiet;
  quiet.log_level = "warning";
  GatewayHarness gw(quiet);
  RtpTool rtp(gw.ip());
  auto batch = [&](int n) {
    SippOptions o = gw.callOptions("+13125551234", rtp.port(), 100);
    o.calls = n;
    o.rate = 100;
    o.limit = 20;
    o.timeout_s = 120;
    return gw.sippCall(o);
  };
  // Warm up (allocator pools, statement caches), then measure.
  BOOST_REQUIRE(batch(50).successful == 50);
  BOOST_REQUIRE(gw.waitForCdrs(50, 20000ms));
  pid_t pid = gw.outpostd().pid();
  int fds0 = openFdCount(pid);
  long rss0 = rssKb(pid);
  auto r = batch(1000);
  BOOST_TEST(r.successful == 1000, r.out << r.err);
  BOOST_TEST(r.failed == 0);
  BOOST_REQUIRE(gw.waitForCdrs(1050, 60000ms));
  BOOST_TEST(eventually(
      [&] {
        auto s = gw.ctlJson({"status"});
        for (const auto& sub : s["subsystems"]) {
          if (sub["name"] == "media" && sub["bridges"] != 0) return false;
          if (sub["name"] == "calls" && sub["active"] != 0) return false;
        }
        return true;
      },
      20000ms));
  auto channels = gw.ctlJson({"channels"});
  for (const auto& c : channels["channels"])
    BOOST_TEST(c["state"] == "idle");
  int fds1 = openFdCount(pid);
  long rss1 = rssKb(pid);
  BOOST_TEST(fds1 <= fds0 + 2, "file descriptors " << fds0 << " -> " << fds1);
  BOOST_TEST(rss1 - rss0 < 16 * 1024, "RSS " << rss0 << " kB -> " << rss1 << " kB");
  auto cdrs = gw.cdrs();
  BOOST_TEST(cdrs.size() == 1050u);
  std::set<std::string> refs, callIds;
  for (const auto& c : cdrs) {
    refs.insert(c["call_ref"].get<std::string>());
    callIds.insert(c["sip_call_id"].get<std::string>());
    BOOST_TEST_REQUIRE(c["answered"] == 1);
  }
  BOOST_TEST(refs.size() == 1050u);
  BOOST_TEST(callIds.size() == 1050u);
}

BOOST_AUTO_TEST_SUITE_END()
