// The working gateway, end to end with real processes: outpostd, pstn-sim as
// the PSTN on an emulated T1, sipp as HQ, rtp-tool as the SIP side's audio.
#define BOOST_TEST_MODULE gateway_calls
#include <signal.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>

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
