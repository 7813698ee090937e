#include <boost/test/unit_test.hpp>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "media/audio.hpp"
#include "media/dtmf.hpp"
#include "media/g711.hpp"
#include "media/tone.hpp"

using namespace outpost::media;
using namespace std::chrono_literals;

namespace {

struct Heard {
  char digit;
  uint64_t start;
  uint64_t end = 0;
};

// Runs samples through G.711 (as a B-channel would) into a detector and
// returns what it heard, digit by digit with start and end positions.
std::vector<Heard> detect(const std::vector<int16_t>& audio, Law law) {
  std::vector<Heard> heard;
  DtmfDetector det([&](char d, bool started, uint64_t at) {
    if (started) {
      heard.push_back({d, at});
    } else if (!heard.empty() && heard.back().digit == d && heard.back().end == 0) {
      heard.back().end = at;
    }
  });
  std::vector<uint8_t> coded(kFrameSamples);
  std::vector<int16_t> lin(kFrameSamples);
  for (size_t off = 0; off + kFrameSamples <= audio.size(); off += kFrameSamples) {
    encode(law, std::span(audio).subspan(off, kFrameSamples), coded);
    decode(law, coded, lin);
    det.process(lin);
  }
  return heard;
}

std::string digitsOf(const std::vector<Heard>& heard) {
  std::string s;
  for (const auto& h : heard)
    s += h.digit;
  return s;
}

std::vector<int16_t> runGenerator(DtmfGenerator& gen, size_t totalSamples) {
  std::vector<int16_t> out(totalSamples, 0);
  for (size_t off = 0; off < totalSamples; off += kFrameSamples)
    gen.generate(std::span(out).subspan(off, std::min(kFrameSamples, totalSamples - off)));
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(dtmf)

BOOST_AUTO_TEST_CASE(event_codes_map_both_ways) {
  const std::string digits = "0123456789*#ABCD";
  for (int i = 0; i < 16; ++i) {
    BOOST_TEST(dtmfEventCode(digits[i]) == i);
    BOOST_TEST(dtmfDigit(i) == digits[i]);
  }
  BOOST_TEST(dtmfEventCode('b') == 13);
  BOOST_TEST(dtmfEventCode('E') == -1);
  BOOST_TEST(dtmfEventCode(' ') == -1);
  BOOST_TEST(dtmfDigit(16) == '\0');
  BOOST_TEST(dtmfDigit(-1) == '\0');
}

BOOST_AUTO_TEST_CASE(all_sixteen_digits_round_trip_through_both_laws) {
  for (Law law : {Law::kMuLaw, Law::kALaw}) {
    DtmfGenerator gen;
    BOOST_REQUIRE(gen.play("0123456789*#ABCD", 80ms, 80ms).isOk());
    auto audio = runGenerator(gen, 16 * 160 * 8 + 1600);
    BOOST_TEST(digitsOf(detect(audio, law)) == "0123456789*#ABCD", "law " << lawName(law));
  }
}

BOOST_AUTO_TEST_CASE(string_play_goes_idle_when_done) {
  DtmfGenerator gen;
  BOOST_TEST(!gen.active());
  BOOST_REQUIRE(gen.play("12", 50ms, 50ms).isOk());
  BOOST_TEST(gen.active());
  std::vector<int16_t> buf(kFrameSamples);
  size_t total = 0;
  for (int i = 0; i < 50 && gen.active(); ++i)
    total += gen.generate(buf);
  BOOST_TEST(!gen.active());
  // Two digits of 50 ms on and 50 ms off: 200 ms of samples, then nothing.
  BOOST_TEST(total == 200u * kSamplesPerMs);
  BOOST_TEST(gen.generate(buf) == 0u);
}

BOOST_AUTO_TEST_CASE(bad_strings_are_refused_whole) {
  DtmfGenerator gen;
  auto st = gen.play("12X4");
  BOOST_TEST(!st.isOk());
  BOOST_TEST(st.message().find("'X'") != std::string::npos);
  BOOST_TEST(!gen.active());
  BOOST_TEST(!gen.play(std::string(101, '1')).isOk());
}

BOOST_AUTO_TEST_CASE(open_ended_digit_lasts_exactly_what_finish_says) {
  DtmfGenerator gen;
  gen.begin('7');
  BOOST_TEST(gen.active());
  std::vector<int16_t> audio(4000, 0);
  size_t written = 0;
  // 60 ms of tone, then the event's end says 130 ms in all.
  for (int f = 0; f < 3; ++f)
    written += gen.generate(std::span(audio).subspan(f * 160, 160));
  BOOST_TEST(written == 480u);
  gen.finish(130 * kSamplesPerMs);
  for (int f = 3; f < 25; ++f)
    written += gen.generate(std::span(audio).subspan(f * 160, 160));
  BOOST_TEST(written == 130u * kSamplesPerMs);
  BOOST_TEST(!gen.active());
  // The tone is heard once, as a '7' of about 130 ms (the detector's edges
  // are quantised to its 102-sample blocks).
  auto heard = detect(audio, Law::kMuLaw);
  BOOST_REQUIRE(heard.size() == 1u);
  BOOST_TEST(heard[0].digit == '7');
  double ms = static_cast<double>(heard[0].end - heard[0].start) / kSamplesPerMs;
  BOOST_TEST(std::abs(ms - 130) <= 30, "heard " << ms << " ms");
}

BOOST_AUTO_TEST_CASE(finish_shorter_than_already_played_stops_at_once) {
  DtmfGenerator gen;
  gen.begin('1');
  std::vector<int16_t> buf(kFrameSamples);
  gen.generate(buf);
  gen.generate(buf);
  gen.finish(100);
  BOOST_TEST(!gen.active());
  BOOST_TEST(gen.generate(buf) == 0u);
}

BOOST_AUTO_TEST_CASE(detector_reports_start_and_end_of_each_digit_once) {
  DtmfGenerator gen(-20);
  BOOST_REQUIRE(gen.play("159", 100ms, 200ms).isOk());
  auto audio = runGenerator(gen, 8000);
  auto heard = detect(audio, Law::kALaw);
  BOOST_REQUIRE(heard.size() == 3u);
  BOOST_TEST(digitsOf(heard) == "159");
  for (size_t i = 0; i < heard.size(); ++i) {
    // Tone i starts at i * 300 ms; confirmation takes two or three blocks.
    double startMs = static_cast<double>(heard[i].start) / kSamplesPerMs;
    BOOST_TEST(startMs >= i * 300.0);
    BOOST_TEST(startMs <= i * 300.0 + 45, "digit " << i << " confirmed at " << startMs);
    BOOST_TEST(heard[i].end > heard[i].start);
  }
}

BOOST_AUTO_TEST_CASE(detector_ignores_noise_speech_like_audio_and_call_progress_tones) {
  std::vector<int16_t> audio(8000 * 3);
  std::mt19937 rng(7);
  std::normal_distribution<double> noise(0, 3000);
  for (size_t i = 0; i < 8000; ++i)
    audio[i] = static_cast<int16_t>(noise(rng));
  // A "vowel": 140 Hz fundamental with falling harmonics.
  for (size_t i = 8000; i < 16000; ++i) {
    double v = 0;
    for (int h = 1; h < 25; ++h)
      v += 4000.0 / h * std::sin(2 * M_PI * 140 * h * i / 8000.0);
    audio[i] = static_cast<int16_t>(std::clamp(v, -32000.0, 32000.0));
  }
  ToneGenerator dial(tones::dial());
  dial.generate(std::span(audio).subspan(16000, 8000));
  BOOST_TEST(detect(audio, Law::kMuLaw).empty());
}

BOOST_AUTO_TEST_CASE(block_check_flags_every_digit_and_little_else) {
  for (char d : std::string("0123456789*#ABCD")) {
    DtmfGenerator gen(-25);
    BOOST_REQUIRE(gen.play(std::string(1, d), 100ms, 0ms).isOk());
    std::vector<int16_t> block(80);
    gen.generate(block);
    BOOST_TEST(looksLikeDtmf(block), "digit " << d);
  }
  std::vector<int16_t> block(80);
  BOOST_TEST(!looksLikeDtmf(block));  // silence
  ToneGenerator test(tones::test());
  test.generate(block);
  BOOST_TEST(!looksLikeDtmf(block));  // 1004 Hz
  ToneGenerator dial(tones::dial());
  dial.generate(block);
  BOOST_TEST(!looksLikeDtmf(block));
  std::mt19937 rng(3);
  std::normal_distribution<double> noise(0, 4000);
  int flagged = 0;
  for (int b = 0; b < 200; ++b) {
    for (auto& s : block)
      s = static_cast<int16_t>(noise(rng));
    flagged += looksLikeDtmf(block);
  }
  BOOST_TEST(flagged == 0);
}

BOOST_AUTO_TEST_SUITE_END()
