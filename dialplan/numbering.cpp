#include "dialplan/numbering.hpp"

#include "core/strings.hpp"

namespace outpost::dialplan {

using core::startsWith;

namespace {
// The value whose name is `s`, among `all`.
template <typename E, size_t N>
std::optional<E> byName(std::string_view s, const E (&all)[N], const char* (*name)(E)) {
  for (E e : all) {
    if (s == name(e)) return e;
  }
  return std::nullopt;
}
}  // namespace

const char* tonName(Ton t) {
  switch (t) {
    case Ton::kUnknown:
      return "unknown";
    case Ton::kInternational:
      return "international";
    case Ton::kNational:
      return "national";
    case Ton::kNetworkSpecific:
      return "network-specific";
    case Ton::kSubscriber:
      return "subscriber";
    case Ton::kAbbreviated:
      return "abbreviated";
  }
  return "unknown";
}

const char* npiName(Npi n) {
  switch (n) {
    case Npi::kUnknown:
      return "unknown";
    case Npi::kIsdn:
      return "isdn";
    case Npi::kData:
      return "data";
    case Npi::kTelex:
      return "telex";
    case Npi::kNational:
      return "national";
    case Npi::kPrivate:
      return "private";
  }
  return "unknown";
}

std::optional<Ton> parseTon(std::string_view s) {
  static const Ton kAll[] = {Ton::kUnknown,         Ton::kInternational, Ton::kNational,
                             Ton::kNetworkSpecific, Ton::kSubscriber,    Ton::kAbbreviated};
  return byName(s, kAll, tonName);
}

std::optional<Npi> parseNpi(std::string_view s) {
  if (s == "e164" || s == "e.164") return Npi::kIsdn;
  static const Npi kAll[] = {Npi::kUnknown, Npi::kIsdn,     Npi::kData,
                             Npi::kTelex,   Npi::kNational, Npi::kPrivate};
  return byName(s, kAll, npiName);
}

const char* numberFormName(NumberForm f) {
  switch (f) {
    case NumberForm::kInternal:
      return "internal";
    case NumberForm::kE164:
      return "e164";
    case NumberForm::kNational:
      return "national";
    case NumberForm::kInternational:
      return "international";
    case NumberForm::kSubscriber:
      return "subscriber";
    case NumberForm::kDialled:
      return "dialled";
  }
  return "internal";
}

std::optional<NumberForm> parseNumberForm(std::string_view s) {
  if (s == "dialed") return NumberForm::kDialled;
  static const NumberForm kAll[] = {NumberForm::kInternal,   NumberForm::kE164,
                                    NumberForm::kNational,   NumberForm::kInternational,
                                    NumberForm::kSubscriber, NumberForm::kDialled};
  return byName(s, kAll, numberFormName);
}

const char* presentationName(Presentation p) {
  switch (p) {
    case Presentation::kE164:
      return "e164";
    case Presentation::kInternational:
      return "international";
    case Presentation::kNational:
      return "national";
    case Presentation::kSubscriber:
      return "subscriber";
    case Presentation::kPrefixed:
      return "prefixed";
    case Presentation::kReceived:
      return "received";
  }
  return "e164";
}

std::optional<Presentation> parsePresentation(std::string_view s) {
  static const Presentation kAll[] = {Presentation::kE164,     Presentation::kInternational,
                                      Presentation::kNational, Presentation::kSubscriber,
                                      Presentation::kPrefixed, Presentation::kReceived};
  return byName(s, kAll, presentationName);
}

namespace {

bool allDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

Normalised e164Of(std::string digits) {
  Normalised n;
  if (!allDigits(digits)) {
    n.error = "'" + digits + "' is not all digits";
    return n;
  }
  if (digits.size() > 15) {
    n.error = "+" + digits + " is longer than the 15 digits E.164 allows";
    return n;
  }
  if (digits[0] == '0') {
    n.error = "+" + digits + " cannot be E.164: country codes never start with 0";
    return n;
  }
  n.number = "+" + digits;
  n.e164 = true;
  return n;
}

}  // namespace

Normalised normalise(const NumberingPlan& np, std::string_view digits, NumberForm form) {
  std::string d(digits);
  switch (form) {
    case NumberForm::kInternal:
      return Normalised{d, false, ""};
    case NumberForm::kE164:
      if (!startsWith(d, "+")) return Normalised{"", false, "'" + d + "' does not start with '+'"};
      return e164Of(d.substr(1));
    case NumberForm::kInternational:
      if (startsWith(d, "+")) d = d.substr(1);
      return e164Of(d);
    case NumberForm::kNational:
      if (!np.configured()) return Normalised{"", false, "the site has no country code"};
      return e164Of(np.country_code + d);
    case NumberForm::kSubscriber:
      if (!np.configured() || np.area_code.empty()) {
        return Normalised{"", false, "the site has no area code for subscriber numbers"};
      }
      return e164Of(np.country_code + np.area_code + d);
    case NumberForm::kDialled: {
      // Read the digits the way a person at this site dials.
      if (startsWith(d, "+")) return e164Of(d.substr(1));
      if (!np.configured()) return Normalised{d, false, ""};
      if (!np.international_prefix.empty() && startsWith(d, np.international_prefix)) {
        return e164Of(d.substr(np.international_prefix.size()));
      }
      if (!np.national_prefix.empty() && startsWith(d, np.national_prefix) &&
          (np.national_length == 0 ||
           d.size() == np.national_prefix.size() + static_cast<size_t>(np.national_length))) {
        return e164Of(np.country_code + d.substr(np.national_prefix.size()));
      }
      if (np.national_length > 0 && d.size() == static_cast<size_t>(np.national_length)) {
        return e164Of(np.country_code + d);
      }
      if (!np.area_code.empty() && np.national_length > 0 &&
          d.size() + np.area_code.size() == static_cast<size_t>(np.national_length)) {
        return e164Of(np.country_code + np.area_code + d);
      }
      return Normalised{d, false, ""};
    }
  }
  return Normalised{d, false, ""};
}

Presented present(const NumberingPlan& np, std::string_view number, Presentation p,
                  std::string_view received) {
  Presented out;
  if (p == Presentation::kReceived) {
    out.digits = std::string(received);
    if (startsWith(received, "+")) {
      out.digits = std::string(received);
      out.ton = Ton::kInternational;
      out.npi = Npi::kIsdn;
    }
    return out;
  }
  if (!startsWith(number, "+")) {
    // Internal numbers (extensions, service codes) travel as they are.
    out.digits = std::string(number);
    return out;
  }
  std::string_view intl = number.substr(1);
  out.npi = Npi::kIsdn;
  const bool ours = np.configured() && startsWith(intl, np.country_code);
  std::string_view nsn = ours ? intl.substr(np.country_code.size()) : std::string_view();
  switch (p) {
    case Presentation::kE164:
      out.digits = std::string(number);
      out.ton = Ton::kInternational;
      return out;
    case Presentation::kInternational:
      out.digits = std::string(intl);
      out.ton = Ton::kInternational;
      return out;
    case Presentation::kSubscriber:
      if (ours && !np.area_code.empty() && startsWith(nsn, np.area_code)) {
        out.digits = std::string(nsn.substr(np.area_code.size()));
        out.ton = Ton::kSubscriber;
        return out;
      }
      [[fallthrough]];
    case Presentation::kNational:
      if (ours) {
        out.digits = std::string(nsn);
        out.ton = Ton::kNational;
      } else {
        out.digits = std::string(intl);
        out.ton = Ton::kInternational;
      }
      return out;
    case Presentation::kPrefixed:
      out.ton = Ton::kUnknown;
      out.digits = ours ? np.national_prefix + std::string(nsn)
                        : np.international_prefix + std::string(intl);
      return out;
    case Presentation::kReceived:
      break;
  }
  return out;
}

unsigned classifyNumberBits(const NumberingPlan& np, std::string_view e164) {
  if (!startsWith(e164, "+") || !np.configured()) return 0;
  std::string_view d = e164.substr(1);
  unsigned out = 0;
  // Premium ranges may be foreign too (satellite, international networks).
  for (const auto& p : np.premium) {
    if (startsWith(d, p)) {
      out |= kClassPremium;
      break;
    }
  }
  if (!startsWith(d, np.country_code)) return out | kClassInternational;
  if (out) return out;
  for (const auto& p : np.tollfree) {
    if (startsWith(d, p)) return kClassTollfree;
  }
  return kClassNational;
}

std::vector<std::string> classifyNumber(const NumberingPlan& np, std::string_view e164) {
  unsigned bits = classifyNumberBits(np, e164);
  std::vector<std::string> out;
  if (bits & kClassPremium) out.push_back("premium");
  if (bits & kClassInternational) out.push_back("international");
  if (bits & kClassTollfree) out.push_back("tollfree");
  if (bits & kClassNational) out.push_back("national");
  return out;
}

}  // namespace outpost::dialplan
