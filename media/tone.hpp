// Call-progress and test tones on 8 kHz linear audio: a generator for single
// or dual tones with an on/off cadence (SpanDSP tone_gen), the North American
// tones by name, and a single-frequency detector (Goertzel) that tells how much
// of a block's power is at one frequency, for "is the tone there" checks in
// pstn-sim and tests. SpanDSP itself is only touched in media/spandsp.cpp.
// Each object belongs to one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

namespace outpost::media {

struct ToneSpec {
  int freq1 = 0;  // Hz
  int level1Dbm0 = -13;
  int freq2 = 0;  // 0: single tone
  int level2Dbm0 = -13;
  // Cadence: on, then off, repeated; on == 0 means continuous.
  std::chrono::milliseconds on{0};
  std::chrono::milliseconds off{0};
  bool repeat = true;
};

// North American precise tone plan, and a 1004 Hz test tone at -13 dBm0.
namespace tones {
ToneSpec dial();        // 350+440 Hz, continuous, -13 dBm0
ToneSpec ringback();    // 440+480 Hz, 2 s on, 4 s off, -19 dBm0
ToneSpec busy();        // 480+620 Hz, 0.5 s on, 0.5 s off, -24 dBm0
ToneSpec congestion();  // 480+620 Hz, 0.25 s on, 0.25 s off (reorder)
ToneSpec test(int freqHz = 1004, int levelDbm0 = -13);
// "dial", "ringback", "busy", "congestion"/"reorder", "test"; nullopt otherwise.
std::optional<ToneSpec> byName(std::string_view name);
}  // namespace tones

class ToneGenerator {
 public:
  explicit ToneGenerator(const ToneSpec& spec);
  ~ToneGenerator();
  ToneGenerator(ToneGenerator&&) noexcept;
  ToneGenerator& operator=(ToneGenerator&&) noexcept;

  // Fills out (tone and silent parts of the cadence); returns the samples
  // written, fewer than out.size() only when a non-repeating tone ended.
  size_t generate(std::span<int16_t> out);

 private:
  struct State;
  std::unique_ptr<State> s_;
};

class ToneDetector {
 public:
  struct Measurement {
    double toneDbm0 = -100;   // power at the frequency
    double totalDbm0 = -100;  // power of the whole block
    double share = 0;         // toneDbm0 as a share of the total, 0..1
  };
  explicit ToneDetector(int freqHz) : freq_(freqHz) {}
  // One block, typically a 20 ms frame. Pure: keeps no state between blocks.
  Measurement measure(std::span<const int16_t> block) const;
  // A tone is present when it carries most of the block's power and is
  // louder than minDbm0.
  bool present(std::span<const int16_t> block, double minDbm0 = -40, double minShare = 0.7) const;

 private:
  int freq_;
};

}  // namespace outpost::media
