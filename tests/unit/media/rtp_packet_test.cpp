#include <boost/test/unit_test.hpp>
#include <random>
#include <vector>

#include "media/rtp_packet.hpp"

using namespace outpost::media;

namespace {
std::vector<uint8_t> packet(const RtpHeader& h, size_t payloadBytes, uint8_t fill = 0x55) {
  std::vector<uint8_t> payload(payloadBytes, fill);
  std::vector<uint8_t> out(kRtpHeaderSize + payloadBytes);
  BOOST_REQUIRE(writeRtp(out, h, payload) == out.size());
  return out;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(rtp_packet)

BOOST_AUTO_TEST_CASE(written_header_parses_back) {
  RtpHeader h{true, 8, 65535, 0xDEADBEEF, 0x01020304};
  auto p = packet(h, 160);
  BOOST_TEST(p[0] == 0x80);
  BOOST_TEST(p[1] == (0x80 | 8));
  RtpParseError why;
  auto v = parseRtp(p, &why);
  BOOST_REQUIRE(v.has_value());
  BOOST_TEST((why == RtpParseError::kNone));
  BOOST_TEST(v->header.marker);
  BOOST_TEST(v->header.payloadType == 8);
  BOOST_TEST(v->header.sequence == 65535);
  BOOST_TEST(v->header.timestamp == 0xDEADBEEFu);
  BOOST_TEST(v->header.ssrc == 0x01020304u);
  BOOST_TEST(v->payload.size() == 160u);
  BOOST_TEST(v->payload[0] == 0x55);
}

BOOST_AUTO_TEST_CASE(csrcs_extension_and_padding_are_stripped) {
  // V=2 P=1 X=1 CC=2, PT 0, then 2 CSRCs, a 1-word extension, 4 payload
  // bytes and 3 bytes of padding.
  std::vector<uint8_t> p = {0xB2, 0x00, 0x00, 0x01, 0,   0,   0,   160, 0,    0,    0, 9,
                            1,    1,    1,    1,    2,   2,   2,   2,   0xBE, 0xDE, 0, 1,
                            7,    7,    7,    7,    0xA, 0xB, 0xC, 0xD, 0,    0,    3};
  auto v = parseRtp(p);
  BOOST_REQUIRE(v.has_value());
  BOOST_TEST(v->header.ssrc == 9u);
  BOOST_REQUIRE(v->payload.size() == 4u);
  BOOST_TEST(v->payload[0] == 0xA);
  BOOST_TEST(v->payload[3] == 0xD);
}

BOOST_AUTO_TEST_CASE(malformed_packets_are_refused_with_a_reason) {
  RtpHeader h{false, 0, 1, 160, 42};
  auto good = packet(h, 20);
  RtpParseError why;

  BOOST_TEST(!parseRtp(std::span(good).first(11), &why));
  BOOST_TEST((why == RtpParseError::kTooShort));

  auto v1 = good;
  v1[0] = 0x40;  // version 1
  BOOST_TEST(!parseRtp(v1, &why));
  BOOST_TEST((why == RtpParseError::kBadVersion));

  auto csrc = good;
  csrc[0] = 0x8F;  // 15 CSRCs = 60 bytes, more than there is
  BOOST_TEST(!parseRtp(csrc, &why));
  BOOST_TEST((why == RtpParseError::kTooShort));

  auto ext = good;
  ext[0] = 0x90;
  ext[14] = 0x40;  // extension of 0x4000 words
  BOOST_TEST(!parseRtp(ext, &why));
  BOOST_TEST((why == RtpParseError::kBadExtension));

  auto pad0 = good;
  pad0[0] = 0xA0;
  pad0.back() = 0;  // padding count 0
  BOOST_TEST(!parseRtp(pad0, &why));
  BOOST_TEST((why == RtpParseError::kBadPadding));

  auto padBig = good;
  padBig[0] = 0xA0;
  padBig.back() = 200;
  BOOST_TEST(!parseRtp(padBig, &why));
  BOOST_TEST((why == RtpParseError::kBadPadding));

  auto rtcp = good;
  rtcp[1] = 0xC8;  // 200 = SR, i.e. marker + PT 72
  BOOST_TEST(!parseRtp(rtcp, &why));
  BOOST_TEST((why == RtpParseError::kRtcpMultiplexed));
  BOOST_TEST(rtpParseErrorName(why) == std::string("RTCP on the RTP port"));
}

BOOST_AUTO_TEST_CASE(random_garbage_never_reads_out_of_bounds) {
  // Run under ASan in CI: any out-of-bounds read fails the build.
  std::mt19937 rng(1234);
  size_t accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    std::vector<uint8_t> buf(rng() % 64);
    for (auto& b : buf)
      b = static_cast<uint8_t>(rng());
    if (!buf.empty() && (rng() & 1)) buf[0] = static_cast<uint8_t>(0x80 | (buf[0] & 0x3F));
    auto v = parseRtp(buf);
    if (v) {
      ++accepted;
      BOOST_TEST(v->payload.data() >= buf.data());
      BOOST_TEST(v->payload.data() + v->payload.size() <= buf.data() + buf.size());
    }
  }
  BOOST_TEST(accepted > 0u);
}

BOOST_AUTO_TEST_CASE(write_refuses_a_small_buffer) {
  std::vector<uint8_t> payload(160), out(100);
  BOOST_TEST(writeRtp(out, RtpHeader{}, payload) == 0u);
}

BOOST_AUTO_TEST_CASE(telephone_event_payload_round_trips) {
  TelephoneEvent e{11, true, 10, 1280};
  std::array<uint8_t, 4> b{};
  writeTelephoneEvent(b, e);
  BOOST_TEST(b[0] == 11);
  BOOST_TEST(b[1] == (0x80 | 10));
  BOOST_TEST(b[2] == 0x05);
  BOOST_TEST(b[3] == 0x00);
  auto back = parseTelephoneEvent(b);
  BOOST_REQUIRE(back.has_value());
  BOOST_TEST(back->event == 11);
  BOOST_TEST(back->end);
  BOOST_TEST(back->volume == 10);
  BOOST_TEST(back->duration == 1280);
  BOOST_TEST(!parseTelephoneEvent(std::span(b).first(3)).has_value());
}

BOOST_AUTO_TEST_CASE(sequence_and_timestamp_differences_wrap) {
  BOOST_TEST(seqDiff(2, 65534) == 4);
  BOOST_TEST(seqDiff(65534, 2) == -4);
  BOOST_TEST(tsDiff(100, 0xFFFFFF00u) == 356);
}

BOOST_AUTO_TEST_SUITE_END()
