#include <boost/test/unit_test.hpp>
#include <cmath>
#include <vector>

#include "media/audio.hpp"
#include "media/tone.hpp"

using namespace outpost::media;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(tone)

BOOST_AUTO_TEST_CASE(test_tone_has_its_level_and_frequency) {
  ToneGenerator gen(tones::test(1004, -13));
  std::vector<int16_t> frame(kFrameSamples);
  BOOST_TEST(gen.generate(frame) == kFrameSamples);
  BOOST_TEST(std::abs(levelDbm0(frame) - (-13.0)) < 0.5, "level " << levelDbm0(frame));
  auto m = ToneDetector(1004).measure(frame);
  BOOST_TEST(m.share > 0.9);
  BOOST_TEST(std::abs(m.toneDbm0 - (-13.0)) < 1.0);
  BOOST_TEST(ToneDetector(1004).present(frame));
  BOOST_TEST(ToneDetector(2000).measure(frame).share < 0.05);
  BOOST_TEST(!ToneDetector(2000).present(frame));
}

BOOST_AUTO_TEST_CASE(busy_tone_follows_its_cadence) {
  ToneGenerator gen(tones::busy());
  ToneDetector d480(480);
  std::vector<int16_t> frame(kFrameSamples);
  // 0.5 s on (25 frames), 0.5 s off, twice.
  for (int f = 0; f < 100; ++f) {
    BOOST_TEST(gen.generate(frame) == kFrameSamples);
    bool on = (f % 50) < 25;
    if (on) {
      BOOST_TEST(d480.measure(frame).share > 0.3, "frame " << f);
    } else {
      BOOST_TEST(levelDbm0(frame) < -60, "frame " << f);
    }
  }
}

BOOST_AUTO_TEST_CASE(dial_tone_is_continuous_and_dual) {
  ToneGenerator gen(tones::dial());
  std::vector<int16_t> frame(kFrameSamples);
  for (int f = 0; f < 200; ++f) {
    gen.generate(frame);
    auto a = ToneDetector(350).measure(frame);
    auto b = ToneDetector(440).measure(frame);
    BOOST_TEST(a.share + b.share > 0.8, "frame " << f);
    BOOST_TEST(a.share > 0.3);
    BOOST_TEST(b.share > 0.3);
  }
}

BOOST_AUTO_TEST_CASE(non_repeating_tone_ends) {
  ToneSpec once{1000, -10, 0, 0, 100ms, 0ms, false};
  ToneGenerator gen(once);
  std::vector<int16_t> buf(2000);
  size_t n = gen.generate(buf);
  BOOST_TEST(n == 100u * kSamplesPerMs);
}

BOOST_AUTO_TEST_CASE(tones_by_name) {
  BOOST_TEST(tones::byName("busy").has_value());
  BOOST_TEST(tones::byName("reorder")->on.count() == 250);
  BOOST_TEST(tones::byName("dial")->freq2 == 440);
  BOOST_TEST(!tones::byName("bussy").has_value());
}

BOOST_AUTO_TEST_CASE(level_of_silence_and_full_scale) {
  std::vector<int16_t> silent(160, 0);
  BOOST_TEST(levelDbm0(silent) == -100.0);
  std::vector<int16_t> sine(8000);
  for (size_t i = 0; i < sine.size(); ++i)
    sine[i] = static_cast<int16_t>(
        std::lround(sineAmplitude(0) * std::sin(2 * M_PI * 1000 * i / 8000.0)));
  BOOST_TEST(std::abs(levelDbm0(sine)) < 0.1);
}

BOOST_AUTO_TEST_SUITE_END()
