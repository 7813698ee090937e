// Numbering: how the site dials (country code, national and international
// prefixes, area code), how a rewritten number is normalised to E.164, how an
// E.164 number is presented to a target (E.164 for SIP; national,
// international, subscriber or prefixed digits with a Q.931 type of number
// and numbering plan for a PRI), and which destination categories a number
// falls in. Pure functions over an immutable NumberingPlan; any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace outpost::dialplan {

// Q.931 type of number (octet 3 bits 7-5) and numbering plan (bits 4-1).
enum class Ton : int {
  kUnknown = 0,
  kInternational = 1,
  kNational = 2,
  kNetworkSpecific = 3,
  kSubscriber = 4,
  kAbbreviated = 6,
};
enum class Npi : int {
  kUnknown = 0,
  kIsdn = 1,
  kData = 3,
  kTelex = 4,
  kNational = 8,
  kPrivate = 9
};
const char* tonName(Ton t);
const char* npiName(Npi n);
std::optional<Ton> parseTon(std::string_view s);
std::optional<Npi> parseNpi(std::string_view s);

// How a rule says to read its rewritten digits (`as ...`).
enum class NumberForm { kInternal, kE164, kNational, kInternational, kSubscriber, kDialled };
const char* numberFormName(NumberForm f);
std::optional<NumberForm> parseNumberForm(std::string_view s);

// How a target wants numbers presented (`format called ...`).
enum class Presentation { kE164, kInternational, kNational, kSubscriber, kPrefixed, kReceived };
const char* presentationName(Presentation p);
std::optional<Presentation> parsePresentation(std::string_view s);

struct NumberingPlan {
  std::string country_code;           // "1"
  std::string national_prefix;        // "1" in NANP, "0" in most of Europe
  std::string international_prefix;   // "011" in NANP, "00" elsewhere
  std::string area_code;              // "312"; for `as subscriber` and subscriber format
  int national_length = 0;            // 10 in NANP; 0: variable
  std::vector<std::string> premium;   // E.164 digit prefixes without '+': "1900"
  std::vector<std::string> tollfree;  // "1800"

  bool configured() const { return !country_code.empty(); }
};

// The result of normalisation: E.164 ("+13125550100") or an internal number
// (an extension, a service code) that has no E.164 form.
struct Normalised {
  std::string number;
  bool e164 = false;
  std::string error;  // non-empty: cannot be read this way (too long, no area code, ...)
};
Normalised normalise(const NumberingPlan& np, std::string_view digits, NumberForm form);

struct Presented {
  std::string digits;
  Ton ton = Ton::kUnknown;
  Npi npi = Npi::kUnknown;
};
// `number` is E.164 ("+...") or internal; `received` is the number as it
// arrived (for Presentation::kReceived).
Presented present(const NumberingPlan& np, std::string_view number, Presentation p,
                  std::string_view received);

// Categories a number falls in by itself, whatever rule routed it:
// "international" (another country code), "premium", "tollfree", "national";
// internal numbers give none.
std::vector<std::string> classifyNumber(const NumberingPlan& np, std::string_view e164);
// The same as bits, for the hot path.
enum NumberClass : unsigned {
  kClassNational = 1u << 0,
  kClassInternational = 1u << 1,
  kClassPremium = 1u << 2,
  kClassTollfree = 1u << 3,
};
unsigned classifyNumberBits(const NumberingPlan& np, std::string_view e164);

}  // namespace outpost::dialplan
