#include "media/audio.hpp"

#include <cmath>

namespace outpost::media {
namespace {
// A full-scale sine (amplitude 32767) is +3.14 dBm0 (G.711).
constexpr double kMaxSineDbm0 = 3.14;
}  // namespace

double levelDbm0(std::span<const int16_t> samples) {
  if (samples.empty()) return -100;
  double energy = 0;
  for (int16_t s : samples)
    energy += static_cast<double>(s) * s;
  double meanSquare = energy / static_cast<double>(samples.size());
  if (meanSquare < 1e-3) return -100;
  // A sine of amplitude 32767 has mean square 32767^2 / 2.
  double fullSine = 32767.0 * 32767.0 / 2.0;
  return kMaxSineDbm0 + 10.0 * std::log10(meanSquare / fullSine);
}

double sineAmplitude(double dbm0) {
  return 32767.0 * std::pow(10.0, (dbm0 - kMaxSineDbm0) / 20.0);
}

}  // namespace outpost::media
