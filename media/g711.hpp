// G.711: µ-law and A-law companding for 8 kHz telephone audio, by table.
// B-channels carry the span's law; RTP carries PCMU or PCMA; the two may
// differ, so there is a direct byte-to-byte transcoding table too. Pure
// functions over constant tables: safe on any thread, no allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <span>
#include <string_view>

namespace outpost::media {

enum class Law : uint8_t { kMuLaw, kALaw };

// "ulaw" / "alaw" (the names used in configuration and logs).
const char* lawName(Law law);
std::optional<Law> parseLaw(std::string_view name);
std::ostream& operator<<(std::ostream& os, Law law);

// The byte an idle channel carries (decodes to the value nearest 0).
constexpr uint8_t silenceByte(Law law) {
  return law == Law::kMuLaw ? 0xFF : 0xD5;
}

// Single samples. Encoding works on the 14-bit (µ) / 13-bit (A) linear range
// of G.711: the low bits of a 16-bit sample are ignored.
uint8_t linearToUlaw(int16_t sample);
uint8_t linearToAlaw(int16_t sample);
int16_t ulawToLinear(uint8_t code);
int16_t alawToLinear(uint8_t code);
uint8_t ulawToAlaw(uint8_t code);
uint8_t alawToUlaw(uint8_t code);

// Buffers: out must be at least as long as in; converts in.size() samples.
void encode(Law law, std::span<const int16_t> in, std::span<uint8_t> out);
void decode(Law law, std::span<const uint8_t> in, std::span<int16_t> out);
// Byte-to-byte; when from == to it is a copy.
void transcode(Law from, Law to, std::span<const uint8_t> in, std::span<uint8_t> out);

}  // namespace outpost::media
