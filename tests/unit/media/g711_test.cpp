#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <cstdlib>
#include <vector>

#include "media/audio.hpp"
#include "media/g711.hpp"

using namespace outpost::media;

namespace {
// Size of the quantisation step around a linear value (16-bit units), from
// G.711's segment structure: µ-law on 14 bits with a bias of 33, A-law on 13.
int highestBit(int v) {
  int b = -1;
  while (v > 0) {
    ++b;
    v >>= 1;
  }
  return b;
}

int stepAt(Law law, int value) {
  int mag = std::abs(value);
  if (law == Law::kMuLaw) {
    int seg = std::min(7, highestBit(mag / 4 + 33) - 5);
    return 1 << (seg + 3);
  }
  int mag13 = mag / 8;
  int seg = mag13 < 32 ? 0 : std::min(7, highestBit(mag13) - 4);
  return (seg < 2 ? 2 : 1 << seg) * 8;
}

double snrDb(Law law, double amplitude) {
  double sig = 0, err = 0;
  for (int i = 0; i < 8000; ++i) {
    double x = amplitude * std::sin(2 * M_PI * 1004.0 * i / 8000.0);
    auto s = static_cast<int16_t>(std::lround(x));
    int16_t y = law == Law::kMuLaw ? ulawToLinear(linearToUlaw(s)) : alawToLinear(linearToAlaw(s));
    sig += x * x;
    err += (y - x) * (y - x);
  }
  return 10 * std::log10(sig / err);
}
}  // namespace

BOOST_AUTO_TEST_SUITE(g711)

BOOST_AUTO_TEST_CASE(reference_code_points) {
  // Values every G.711 implementation agrees on.
  BOOST_TEST(linearToUlaw(0) == 0xFF);
  BOOST_TEST(linearToAlaw(0) == 0xD5);
  BOOST_TEST(linearToUlaw(32767) == 0x80);
  BOOST_TEST(linearToUlaw(-32768) == 0x00);
  BOOST_TEST(linearToAlaw(32767) == 0xAA);
  BOOST_TEST(linearToAlaw(-32768) == 0x2A);
  BOOST_TEST(ulawToLinear(0x80) == 32124);
  BOOST_TEST(ulawToLinear(0x00) == -32124);
  BOOST_TEST(alawToLinear(0xAA) == 32256);
  BOOST_TEST(alawToLinear(0x2A) == -32256);
  BOOST_TEST(ulawToLinear(silenceByte(Law::kMuLaw)) == 0);
  BOOST_TEST(std::abs(alawToLinear(silenceByte(Law::kALaw))) <= 8);
}

BOOST_AUTO_TEST_CASE(every_code_survives_decode_then_encode) {
  for (int c = 0; c < 256; ++c) {
    auto code = static_cast<uint8_t>(c);
    // 0x7F is µ-law's "negative zero": it decodes to 0, which encodes as 0xFF.
    if (code != 0x7F) BOOST_TEST(linearToUlaw(ulawToLinear(code)) == code, "µ-law code " << c);
    BOOST_TEST(linearToAlaw(alawToLinear(code)) == code, "A-law code " << c);
  }
}

BOOST_AUTO_TEST_CASE(decoding_is_monotonic_in_code_order) {
  // µ-law: 0x00..0x7F run from -max up to 0, 0x80..0xFF from +max down to 0.
  for (int c = 1; c < 128; ++c) {
    BOOST_TEST(ulawToLinear(static_cast<uint8_t>(c)) > ulawToLinear(static_cast<uint8_t>(c - 1)));
    BOOST_TEST(ulawToLinear(static_cast<uint8_t>(128 + c)) <
               ulawToLinear(static_cast<uint8_t>(127 + c)));
  }
  // A-law: magnitude grows with (code ^ 0x55) & 0x7F.
  for (int m = 1; m < 128; ++m) {
    auto pos = [](int mag) { return alawToLinear(static_cast<uint8_t>((0x80 | mag) ^ 0x55)); };
    BOOST_TEST(pos(m) > pos(m - 1));
  }
}

BOOST_AUTO_TEST_CASE(quantisation_error_stays_within_half_a_step) {
  for (int x = -32768; x <= 32767; x += 7) {
    auto s = static_cast<int16_t>(x);
    int eu = std::abs(ulawToLinear(linearToUlaw(s)) - x);
    int ea = std::abs(alawToLinear(linearToAlaw(s)) - x);
    // Half a step, plus the clipped top of the range.
    if (std::abs(x) < 32000) {
      // G.711 quantises the 14-/13-bit value: a negative sample truncates
      // toward -inf, so near a segment edge it may fall in the larger step.
      BOOST_TEST(eu <= stepAt(Law::kMuLaw, std::abs(x) + 4) / 2 + 4,
                 "µ-law at " << x << " error " << eu);
      BOOST_TEST(ea <= stepAt(Law::kALaw, std::abs(x) + 8) / 2 + 8,
                 "A-law at " << x << " error " << ea);
    }
  }
}

BOOST_AUTO_TEST_CASE(speech_level_sine_keeps_toll_quality_snr) {
  // G.711's signal to quantisation noise is about 38 dB over a wide range.
  for (double dbm0 : {-30.0, -20.0, -10.0, 0.0}) {
    BOOST_TEST(snrDb(Law::kMuLaw, sineAmplitude(dbm0)) > 33.0, "µ-law at " << dbm0 << " dBm0");
    BOOST_TEST(snrDb(Law::kALaw, sineAmplitude(dbm0)) > 33.0, "A-law at " << dbm0 << " dBm0");
  }
}

BOOST_AUTO_TEST_CASE(transcoding_lands_on_the_nearest_code_of_the_other_law) {
  for (int c = 0; c < 256; ++c) {
    auto u = static_cast<uint8_t>(c);
    int lin = ulawToLinear(u);
    uint8_t a = ulawToAlaw(u);
    BOOST_TEST(a == linearToAlaw(static_cast<int16_t>(lin)));
    BOOST_TEST(std::abs(alawToLinear(a) - lin) <= stepAt(Law::kALaw, lin) / 2 + 8,
               "µ " << c << " -> A " << int(a));
    auto a2 = static_cast<uint8_t>(c);
    uint8_t u2 = alawToUlaw(a2);
    BOOST_TEST(std::abs(ulawToLinear(u2) - alawToLinear(a2)) <=
                   stepAt(Law::kMuLaw, alawToLinear(a2)) / 2 + 4,
               "A " << c << " -> µ " << int(u2));
  }
  // µ -> A -> µ returns the same level to within one µ-law step.
  for (int c = 0; c < 256; ++c) {
    auto u = static_cast<uint8_t>(c);
    int back = ulawToLinear(alawToUlaw(ulawToAlaw(u)));
    BOOST_TEST(std::abs(back - ulawToLinear(u)) <= stepAt(Law::kMuLaw, ulawToLinear(u)) + 8);
  }
}

BOOST_AUTO_TEST_CASE(buffer_functions_match_sample_functions) {
  std::vector<int16_t> lin(1000);
  for (size_t i = 0; i < lin.size(); ++i)
    lin[i] = static_cast<int16_t>(std::lround(20000 * std::sin(i * 0.37) + (i % 7) * 3));
  for (Law law : {Law::kMuLaw, Law::kALaw}) {
    std::vector<uint8_t> enc(lin.size());
    encode(law, lin, enc);
    std::vector<int16_t> dec(lin.size());
    decode(law, enc, dec);
    for (size_t i = 0; i < lin.size(); ++i) {
      uint8_t one = law == Law::kMuLaw ? linearToUlaw(lin[i]) : linearToAlaw(lin[i]);
      BOOST_TEST(enc[i] == one);
      BOOST_TEST(dec[i] == (law == Law::kMuLaw ? ulawToLinear(one) : alawToLinear(one)));
    }
    std::vector<uint8_t> other(lin.size()), same(lin.size());
    Law to = law == Law::kMuLaw ? Law::kALaw : Law::kMuLaw;
    transcode(law, to, enc, other);
    transcode(law, law, enc, same);
    BOOST_TEST(same == enc);
    for (size_t i = 0; i < lin.size(); ++i)
      BOOST_TEST(other[i] == (law == Law::kMuLaw ? ulawToAlaw(enc[i]) : alawToUlaw(enc[i])));
  }
}

BOOST_AUTO_TEST_CASE(law_names_parse_both_ways) {
  BOOST_TEST(parseLaw(lawName(Law::kMuLaw)).value() == Law::kMuLaw);
  BOOST_TEST(parseLaw(lawName(Law::kALaw)).value() == Law::kALaw);
  BOOST_TEST(parseLaw("pcma").value() == Law::kALaw);
  BOOST_TEST(!parseLaw("g729").has_value());
}

BOOST_AUTO_TEST_SUITE_END()
