#include "media/tone.hpp"

namespace outpost::media::tones {

using std::chrono::milliseconds;

// Levels from the North American precise tone plan (-13 dBm0 per tone for
// dial tone, -19 for ringback and the busy tones).
ToneSpec dial() {
  return {350, -13, 440, -13, milliseconds(0), milliseconds(0), true};
}
ToneSpec ringback() {
  return {440, -19, 480, -19, milliseconds(2000), milliseconds(4000), true};
}
ToneSpec busy() {
  return {480, -24, 620, -24, milliseconds(500), milliseconds(500), true};
}
ToneSpec congestion() {
  return {480, -24, 620, -24, milliseconds(250), milliseconds(250), true};
}
ToneSpec test(int freqHz, int levelDbm0) {
  return {freqHz, levelDbm0, 0, 0, milliseconds(0), milliseconds(0), true};
}

std::optional<ToneSpec> byName(std::string_view name) {
  if (name == "dial") return dial();
  if (name == "ringback") return ringback();
  if (name == "busy") return busy();
  if (name == "congestion" || name == "reorder") return congestion();
  if (name == "test") return test();
  return std::nullopt;
}

}  // namespace outpost::media::tones
