#include <boost/test/unit_test.hpp>

#include "media/negotiation.hpp"

using namespace outpost::media;

namespace {
RemoteMedia offer(std::vector<SdpFormat> formats) {
  RemoteMedia m;
  m.address = "127.0.0.1";
  m.port = 40000;
  m.formats = std::move(formats);
  return m;
}
const SdpFormat kPcmu{0, "PCMU", 8000, 1, ""};
const SdpFormat kPcma{8, "PCMA", 8000, 1, ""};
const SdpFormat kG729{18, "G729", 8000, 1, ""};
const SdpFormat kOpus{111, "opus", 48000, 2, ""};
const SdpFormat kTe{101, "telephone-event", 8000, 1, "0-16"};
}  // namespace

BOOST_AUTO_TEST_SUITE(negotiation)

BOOST_AUTO_TEST_CASE(answer_takes_the_first_offered_codec_we_speak) {
  auto r = answerOffer(offer({kOpus, kG729, kPcma, kPcmu, kTe}), MediaPolicy{});
  BOOST_REQUIRE(r.isOk());
  BOOST_TEST(r->codec == Codec::kPcma);
  BOOST_TEST(r->sendPt == 8);
  BOOST_TEST(r->recvPt == 8);
  BOOST_TEST(r->sendEventPt.value() == 101);
  BOOST_TEST(r->recvEventPt.value() == 101);
  BOOST_TEST(r->remoteAddress == "127.0.0.1");
  BOOST_TEST(r->remotePort == 40000);
  BOOST_TEST(r->remoteRtcpPort == 40001);
  BOOST_TEST(r->sendPtimeMs == 20);
  BOOST_TEST((r->direction == Direction::kSendRecv));
  auto formats = answerFormats(*r);
  BOOST_REQUIRE(formats.size() == 2u);
  BOOST_TEST(formats[0].payloadType == 8);
  BOOST_TEST(formats[0].encoding == "PCMA");
  BOOST_TEST(formats[1].encoding == "telephone-event");
  BOOST_TEST(formats[1].payloadType == 101);
}

BOOST_AUTO_TEST_CASE(static_payload_types_without_rtpmap_and_dynamic_ones_with_it) {
  auto r = answerOffer(offer({{0, "", 0, 1, ""}}), MediaPolicy{});
  BOOST_REQUIRE(r.isOk());
  BOOST_TEST(r->codec == Codec::kPcmu);
  BOOST_TEST(!r->sendEventPt.has_value());
  auto d = answerOffer(offer({{97, "pcma", 8000, 1, ""}}), MediaPolicy{});
  BOOST_REQUIRE(d.isOk());
  BOOST_TEST(d->codec == Codec::kPcma);
  BOOST_TEST(d->sendPt == 97);
  // PCMU at 16 kHz or in stereo is not G.711 as we speak it.
  BOOST_TEST(!answerOffer(offer({{96, "PCMU", 16000, 1, ""}}), MediaPolicy{}).isOk());
  BOOST_TEST(!answerOffer(offer({{96, "PCMU", 8000, 2, ""}}), MediaPolicy{}).isOk());
}

BOOST_AUTO_TEST_CASE(no_supported_codec_is_an_error_the_sip_side_turns_into_488) {
  auto r = answerOffer(offer({kG729, kOpus, kTe}), MediaPolicy{});
  BOOST_REQUIRE(!r.isOk());
  BOOST_TEST(r.error().message.rfind("no supported codec", 0) == 0u);
  BOOST_TEST(r.error().message.find("G729/8000") != std::string::npos);
  MediaPolicy onlyA;
  onlyA.codecs = {Codec::kPcma};
  BOOST_TEST(!answerOffer(offer({kPcmu}), onlyA).isOk());
  auto refused = offer({kPcmu});
  refused.port = 0;
  BOOST_TEST(!answerOffer(refused, MediaPolicy{}).isOk());
}

BOOST_AUTO_TEST_CASE(telephone_event_needs_8khz_and_the_digits) {
  auto wide =
      answerOffer(offer({kPcmu, {100, "telephone-event", 48000, 1, "0-15"}}), MediaPolicy{});
  BOOST_TEST(!wide->sendEventPt.has_value());
  auto two = answerOffer(offer({kPcmu,
                                {100, "telephone-event", 48000, 1, "0-15"},
                                {102, "telephone-event", 8000, 1, "0-15"}}),
                         MediaPolicy{});
  BOOST_TEST(two->sendEventPt.value() == 102);
  auto flashOnly =
      answerOffer(offer({kPcmu, {101, "telephone-event", 8000, 1, "16"}}), MediaPolicy{});
  BOOST_TEST(!flashOnly->sendEventPt.has_value());
  auto split = answerOffer(offer({kPcmu, {101, "telephone-event", 8000, 1, "0-9,10,11,12-15"}}),
                           MediaPolicy{});
  BOOST_TEST(split->sendEventPt.value() == 101);
  auto noFmtp = answerOffer(offer({kPcmu, {101, "telephone-event", 0, 1, ""}}), MediaPolicy{});
  BOOST_TEST(noFmtp->sendEventPt.value() == 101);
  MediaPolicy off;
  off.telephoneEvents = false;
  BOOST_TEST(!answerOffer(offer({kPcmu, kTe}), off)->sendEventPt.has_value());
}

BOOST_AUTO_TEST_CASE(ptime_from_10_to_40_is_honoured_else_20) {
  for (int p : {10, 30, 40}) {
    auto o = offer({kPcmu});
    o.ptimeMs = p;
    BOOST_TEST(answerOffer(o, MediaPolicy{})->sendPtimeMs == p);
  }
  for (int p : {5, 60}) {
    auto o = offer({kPcmu});
    o.ptimeMs = p;
    BOOST_TEST(answerOffer(o, MediaPolicy{})->sendPtimeMs == 20);
  }
}

BOOST_AUTO_TEST_CASE(hold_directions_mirror) {
  auto o = offer({kPcmu});
  o.direction = Direction::kSendOnly;  // the far end puts us on hold
  BOOST_TEST((answerOffer(o, MediaPolicy{})->direction == Direction::kRecvOnly));
  o.direction = Direction::kRecvOnly;
  BOOST_TEST((answerOffer(o, MediaPolicy{})->direction == Direction::kSendOnly));
  o.direction = Direction::kInactive;
  BOOST_TEST((answerOffer(o, MediaPolicy{})->direction == Direction::kInactive));
  o.direction = Direction::kSendRecv;
  o.address = "0.0.0.0";  // RFC 2543 hold
  BOOST_TEST((answerOffer(o, MediaPolicy{})->direction == Direction::kRecvOnly));
  BOOST_TEST(parseDirection("recvonly").value() == Direction::kRecvOnly);
  BOOST_TEST(!parseDirection("sideways").has_value());
}

BOOST_AUTO_TEST_CASE(our_offer_and_their_answer) {
  MediaPolicy policy;
  policy.codecs = {Codec::kPcma, Codec::kPcmu};
  auto formats = offerFormats(policy);
  BOOST_REQUIRE(formats.size() == 3u);
  BOOST_TEST(formats[0].payloadType == 8);
  BOOST_TEST(formats[1].payloadType == 0);
  BOOST_TEST(formats[2].payloadType == 101);
  auto ans = offer({kPcmu, {96, "telephone-event", 8000, 1, "0-15"}});
  ans.rtcpPort = 50001;
  ans.ptimeMs = 30;
  auto r = acceptAnswer(ans, policy);
  BOOST_REQUIRE(r.isOk());
  BOOST_TEST(r->codec == Codec::kPcmu);
  BOOST_TEST(r->sendEventPt.value() == 96);
  BOOST_TEST(r->recvEventPt.value() == 101);
  BOOST_TEST(r->remoteRtcpPort == 50001);
  BOOST_TEST(r->sendPtimeMs == 30);
  // We offered sendonly (we hold them); they answer recvonly.
  ans.direction = Direction::kRecvOnly;
  BOOST_TEST((acceptAnswer(ans, policy, Direction::kSendOnly)->direction == Direction::kSendOnly));
  BOOST_TEST(!acceptAnswer(offer({kG729}), policy).isOk());
}

BOOST_AUTO_TEST_SUITE_END()
