#include <boost/test/unit_test.hpp>

#include "gateway/sdp.hpp"

using namespace outpost;
using media::Direction;

namespace {
const char* kOffer =
    "v=0\r\no=- 1 1 IN IP4 10.0.0.5\r\ns=-\r\nc=IN IP4 10.0.0.5\r\nt=0 0\r\n"
    "m=audio 40000 RTP/AVP 8 0 96\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:96 telephone-event/8000\r\na=fmtp:96 0-16\r\na=ptime:30\r\na=rtcp:40011\r\n";
}

BOOST_AUTO_TEST_SUITE(sdp)

BOOST_AUTO_TEST_CASE(parses_address_port_formats_ptime_and_rtcp) {
  auto r = gateway::parseAudioSdp(kOffer);
  BOOST_REQUIRE_MESSAGE(r, (r ? "" : r.error().message));
  BOOST_TEST(r->address == "10.0.0.5");
  BOOST_TEST(r->port == 40000);
  BOOST_REQUIRE(r->formats.size() == 3u);
  BOOST_TEST(r->formats[0].payloadType == 8);
  BOOST_TEST(r->formats[0].encoding == "PCMA");
  BOOST_TEST(r->formats[2].encoding == "telephone-event");
  BOOST_TEST(r->formats[2].fmtp == "0-16");
  BOOST_TEST(r->ptimeMs.value_or(0) == 30);
  BOOST_TEST(r->rtcpPort.value_or(0) == 40011);
  BOOST_TEST((r->direction == Direction::kSendRecv));
}

BOOST_AUTO_TEST_CASE(hold_directions_and_static_payloads_without_rtpmap) {
  auto r = gateway::parseAudioSdp(
      "v=0\r\no=- 1 2 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=audio 5004 RTP/AVP 0\r\n"
      "c=IN IP4 1.2.3.4\r\na=sendonly\r\n");
  BOOST_REQUIRE(r);
  BOOST_TEST((r->direction == Direction::kSendOnly));
  BOOST_REQUIRE(r->formats.size() == 1u);
  BOOST_TEST(r->formats[0].payloadType == 0);
}

BOOST_AUTO_TEST_CASE(malformed_or_useless_sdp_is_an_error_saying_why) {
  auto junk = gateway::parseAudioSdp("this is not sdp\r\n");
  BOOST_REQUIRE(!junk);
  BOOST_TEST(junk.error().message.find("malformed SDP") == 0u);
  auto video = gateway::parseAudioSdp(
      "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\n"
      "m=video 5004 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n");
  BOOST_REQUIRE(!video);
  BOOST_TEST(video.error().message == "no audio stream in SDP");
  auto noc = gateway::parseAudioSdp(
      "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\n"
      "m=audio 5004 RTP/AVP 0\r\n");
  BOOST_REQUIRE(!noc);
  BOOST_TEST(noc.error().message.find("malformed SDP: No c=") == 0u);
}

BOOST_AUTO_TEST_CASE(what_we_build_parses_back) {
  gateway::LocalSdp l;
  l.address = "127.0.0.1";
  l.port = 20000;
  l.formats = {{0, "PCMU", 8000, 1, ""}, {101, "telephone-event", 8000, 1, "0-15"}};
  l.direction = Direction::kRecvOnly;
  l.session_id = 42;
  l.version = 3;
  std::string text = gateway::buildSdp(l);
  auto r = gateway::parseAudioSdp(text);
  BOOST_REQUIRE_MESSAGE(r, text);
  BOOST_TEST(r->port == 20000);
  BOOST_TEST((r->direction == Direction::kRecvOnly));
  BOOST_TEST(r->formats[1].fmtp == "0-15");
  BOOST_TEST(text.find("o=outpost 42 3 IN IP4 127.0.0.1\r\n") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
