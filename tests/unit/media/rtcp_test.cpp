#include <boost/test/unit_test.hpp>
#include <random>
#include <vector>

#include "media/rtcp.hpp"

using namespace outpost::media;
using namespace std::chrono_literals;
using outpost::core::WallTime;

BOOST_AUTO_TEST_SUITE(rtcp)

BOOST_AUTO_TEST_CASE(sender_report_round_trips_with_blocks_and_cname) {
  SenderInfo s{0x0123456789ABCDEFull, 160000, 1000, 160000};
  std::vector<ReportBlock> blocks = {{0xCAFE, 25, -3, 70000, 12, 0x11112222, 0x8000},
                                     {0xBEEF, 0, 9000000, 5, 0, 0, 0}};
  std::vector<uint8_t> buf(512);
  size_t n = writeRtcp(buf, 0xABCD, s, blocks, "outpost@127.0.0.1");
  BOOST_REQUIRE(n > 0u);
  BOOST_TEST(n % 4 == 0u);
  auto r = parseRtcp(std::span(buf).first(n));
  BOOST_REQUIRE(r.isOk());
  BOOST_TEST(r->ssrc == 0xABCDu);
  BOOST_REQUIRE(r->sender.has_value());
  BOOST_TEST(r->sender->ntp == s.ntp);
  BOOST_TEST(r->sender->rtpTimestamp == 160000u);
  BOOST_TEST(r->sender->packetCount == 1000u);
  BOOST_TEST(r->sender->octetCount == 160000u);
  BOOST_REQUIRE(r->blocks.size() == 2u);
  BOOST_TEST(r->blocks[0].ssrc == 0xCAFEu);
  BOOST_TEST(r->blocks[0].fractionLost == 25);
  BOOST_TEST(r->blocks[0].cumulativeLost == -3);
  BOOST_TEST(r->blocks[0].highestSeq == 70000u);
  BOOST_TEST(r->blocks[0].jitter == 12u);
  BOOST_TEST(r->blocks[0].lsr == 0x11112222u);
  BOOST_TEST(r->blocks[0].dlsr == 0x8000u);
  BOOST_TEST(r->blocks[1].cumulativeLost == 0x7FFFFF);  // clamped to 24 bits
  BOOST_TEST(r->cname == "outpost@127.0.0.1");
  BOOST_TEST(!r->bye);
}

BOOST_AUTO_TEST_CASE(receiver_report_with_bye) {
  std::vector<uint8_t> buf(256);
  size_t n = writeRtcp(buf, 7, std::nullopt, {}, "x", true);
  BOOST_REQUIRE(n > 0u);
  BOOST_TEST(buf[1] == 201);
  auto r = parseRtcp(std::span(buf).first(n));
  BOOST_REQUIRE(r.isOk());
  BOOST_TEST(!r->sender.has_value());
  BOOST_TEST(r->blocks.empty());
  BOOST_TEST(r->bye);
}

BOOST_AUTO_TEST_CASE(malformed_compounds_are_refused) {
  std::vector<uint8_t> buf(256);
  size_t n = writeRtcp(buf, 7, std::nullopt, {}, "x");
  std::vector<uint8_t> good(buf.begin(), buf.begin() + static_cast<long>(n));
  BOOST_TEST(!parseRtcp({}).isOk());
  auto v = good;
  v[0] = 0x41;
  BOOST_TEST(!parseRtcp(v).isOk());
  auto longer = good;
  longer[3] = 60;  // length past the end
  BOOST_TEST(!parseRtcp(longer).isOk());
  auto sdesFirst = std::vector<uint8_t>(good.begin() + 8, good.end());
  BOOST_TEST(!parseRtcp(sdesFirst).isOk());
  BOOST_TEST(parseRtcp(sdesFirst).error().message.find("SR or RR") != std::string::npos);
  auto blocksMissing = good;
  blocksMissing[0] = 0x83;  // claims 3 blocks in 8 bytes
  BOOST_TEST(!parseRtcp(blocksMissing).isOk());
  std::mt19937 rng(9);
  for (int i = 0; i < 20000; ++i) {
    std::vector<uint8_t> junk(rng() % 80);
    for (auto& b : junk)
      b = static_cast<uint8_t>(rng());
    if (junk.size() > 1) {
      junk[0] = static_cast<uint8_t>(0x80 | (junk[0] & 0x3F));
      junk[1] = static_cast<uint8_t>(200 + rng() % 5);
    }
    (void)parseRtcp(junk);  // must not crash or read out of bounds (ASan)
  }
}

BOOST_AUTO_TEST_CASE(ntp_time_and_round_trip_from_lsr_dlsr) {
  WallTime t(std::chrono::seconds(1767225600) + 500ms);
  uint64_t ntp = toNtp(t);
  BOOST_TEST((ntp >> 32) == 1767225600ull + 2208988800ull);
  BOOST_TEST((ntp & 0xFFFFFFFFull) == 0x80000000ull);
  // We sent an SR at t; the peer held it 250 ms; its RR arrives at t + 330 ms:
  // 80 ms round trip.
  ReportBlock b;
  b.lsr = ntpMiddle(ntp);
  b.dlsr = 65536 / 4;
  auto rtt = roundTrip(b, toNtp(t + 330ms));
  BOOST_REQUIRE(rtt.has_value());
  BOOST_TEST(std::abs(rtt->count() - 80000) < 100);
  b.lsr = 0;
  BOOST_TEST(!roundTrip(b, toNtp(t)).has_value());
}

BOOST_AUTO_TEST_CASE(receive_stats_count_loss_and_wrap) {
  RtpReceiveStats st;
  // 65530.. 65535, 0 .. 9 with 3 and 5 lost: 16 expected, 14 received.
  for (uint32_t s = 65530; s < 65536 + 10; ++s) {
    uint16_t seq = static_cast<uint16_t>(s);
    if (seq == 3 || seq == 5) continue;
    BOOST_TEST(st.onSequence(seq));
  }
  BOOST_TEST(st.expected() == 16u);
  BOOST_TEST(st.received() == 14u);
  BOOST_TEST(st.lost() == 2);
  BOOST_TEST(st.extendedMax() == 65536u + 9);
  auto b = st.makeBlock(5, 0, 0);
  BOOST_TEST(b.fractionLost == (2 * 256) / 16);
  BOOST_TEST(b.cumulativeLost == 2);
  // A late packet fills a hole and is counted; a duplicate is not.
  BOOST_TEST(st.onSequence(3));
  BOOST_TEST(!st.onSequence(3));
  BOOST_TEST(!st.onSequence(9));
  BOOST_TEST(st.duplicates() == 2u);
  BOOST_TEST(st.lost() == 1);
  // Next report: nothing new expected, one more received: no fraction lost.
  BOOST_TEST(st.makeBlock(5, 0, 0).fractionLost == 0);
}

BOOST_AUTO_TEST_CASE(a_sender_restart_is_believed_only_on_the_second_packet) {
  RtpReceiveStats st;
  for (uint16_t s = 100; s < 110; ++s)
    st.onSequence(s);
  BOOST_TEST(!st.onSequence(40000));  // one stray packet: ignored
  BOOST_TEST(st.expected() == 10u);
  BOOST_TEST(st.onSequence(110));
  BOOST_TEST(!st.onSequence(50000));
  BOOST_TEST(st.onSequence(50001));  // follows on: a restart
  BOOST_TEST(st.expected() == 1u);
  BOOST_TEST(st.received() == 1u);
}

BOOST_AUTO_TEST_CASE(jitter_follows_rfc3550_estimator) {
  RtpReceiveStats st;
  // Perfectly paced: zero jitter.
  for (uint32_t i = 0; i < 50; ++i)
    st.onTiming(i * 160, 1000 + i * 160);
  BOOST_TEST(st.jitter() == 0u);
  // Alternating +-80 units (10 ms) of arrival jitter: J converges to |D| = 160.
  RtpReceiveStats j;
  for (uint32_t i = 0; i < 400; ++i)
    j.onTiming(i * 160, 1000 + i * 160 + (i % 2 ? 80 : -80));
  BOOST_TEST(j.jitter() >= 150u);
  BOOST_TEST(j.jitter() <= 160u);
}

BOOST_AUTO_TEST_CASE(report_interval_is_randomised_around_the_minimum) {
  std::mt19937 rng(1);
  double lo = 1e9, hi = 0;
  for (int i = 0; i < 1000; ++i) {
    double s = std::chrono::duration<double>(rtcpInterval(5s, false, 100, 64000, rng)).count();
    lo = std::min(lo, s);
    hi = std::max(hi, s);
  }
  // [0.5, 1.5] x 5 s / 1.21828
  BOOST_TEST(lo >= 2.05);
  BOOST_TEST(hi <= 6.16);
  BOOST_TEST(hi - lo > 3.0);
  double first = std::chrono::duration<double>(rtcpInterval(5s, true, 100, 64000, rng)).count();
  BOOST_TEST(first <= 3.08);
}

BOOST_AUTO_TEST_SUITE_END()
