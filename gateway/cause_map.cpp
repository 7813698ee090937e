#include "gateway/cause_map.hpp"

#include <cctype>
#include <cstdlib>

namespace outpost::gateway {

namespace {

// Q.850 -> SIP, RFC 3398 8.2.6.1 (with Q.1912.5 where RFC 3398 is silent).
constexpr CauseRow kCauseToSip[] = {
    {1, 404},  {2, 404},   {3, 404},   {4, 404},   {5, 404},   {16, 480},  {17, 486}, {18, 408},
    {19, 480}, {20, 480},  {21, 403},  {22, 410},  {23, 410},  {26, 404},  {27, 502}, {28, 484},
    {29, 501}, {31, 480},  {34, 503},  {38, 503},  {41, 503},  {42, 503},  {43, 503}, {44, 503},
    {47, 503}, {55, 403},  {57, 403},  {58, 503},  {63, 503},  {65, 488},  {69, 501}, {70, 488},
    {79, 501}, {81, 500},  {87, 403},  {88, 503},  {95, 500},  {96, 500},  {97, 500}, {98, 500},
    {99, 500}, {100, 500}, {101, 500}, {102, 504}, {111, 500}, {127, 500},
};

// SIP -> Q.850, RFC 3398 7.2.4.1.
constexpr SipRow kSipToCause[] = {
    {400, 41},  {401, 21}, {402, 21},  {403, 21},  {404, 1},  {405, 63},  {406, 79},  {407, 21},
    {408, 102}, {410, 22}, {413, 127}, {414, 127}, {415, 79}, {416, 127}, {420, 127}, {421, 127},
    {423, 127}, {480, 18}, {481, 41},  {482, 25},  {483, 25}, {484, 28},  {485, 1},   {486, 17},
    {487, 16},  {488, 65}, {500, 41},  {501, 79},  {502, 38}, {503, 41},  {504, 102}, {505, 127},
    {513, 127}, {580, 47}, {600, 17},  {603, 21},  {604, 1},  {606, 65},
};

const char* phraseFor(int code) {
  switch (code) {
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 408:
      return "Request Timeout";
    case 410:
      return "Gone";
    case 480:
      return "Temporarily Unavailable";
    case 484:
      return "Address Incomplete";
    case 486:
      return "Busy Here";
    case 488:
      return "Not Acceptable Here";
    case 500:
      return "Server Internal Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Server Time-out";
    default:
      return "Error";
  }
}

}  // namespace

SipStatus sipStatusForCause(int cause) {
  for (const auto& r : kCauseToSip) {
    if (r.cause == cause) return {r.sip, phraseFor(r.sip)};
  }
  // Q.850 classes: 0-31 normal, 32-47 resource unavailable, 48-63 service
  // unavailable, 64-79 not implemented, 80-95 invalid message, 96-111
  // protocol error, 112-127 interworking.
  int code = cause < 32 ? 480 : cause < 48 ? 503 : cause < 64 ? 503 : cause < 80 ? 501 : 500;
  return {code, phraseFor(code)};
}

int causeForSipStatus(int status) {
  for (const auto& r : kSipToCause) {
    if (r.sip == status) return r.cause;
  }
  // Unlisted responses: 5xx is a temporary failure, anything else
  // "interworking, unspecified" (RFC 3398's default).
  if (status >= 500 && status < 600) return q850::kTemporaryFailure;
  return q850::kInterworking;
}

const char* causeText(int cause) {
  switch (cause) {
    case 1:
      return "Unallocated number";
    case 2:
      return "No route to specified transit network";
    case 3:
      return "No route to destination";
    case 6:
      return "Channel unacceptable";
    case 16:
      return "Normal call clearing";
    case 17:
      return "User busy";
    case 18:
      return "No user responding";
    case 19:
      return "No answer from user";
    case 20:
      return "Subscriber absent";
    case 21:
      return "Call rejected";
    case 22:
      return "Number changed";
    case 26:
      return "Non-selected user clearing";
    case 27:
      return "Destination out of order";
    case 28:
      return "Invalid number format";
    case 29:
      return "Facility rejected";
    case 31:
      return "Normal, unspecified";
    case 34:
      return "No circuit/channel available";
    case 38:
      return "Network out of order";
    case 41:
      return "Temporary failure";
    case 42:
      return "Switching equipment congestion";
    case 44:
      return "Requested circuit/channel not available";
    case 47:
      return "Resource unavailable, unspecified";
    case 58:
      return "Bearer capability not presently available";
    case 63:
      return "Service or option not available";
    case 65:
      return "Bearer capability not implemented";
    case 79:
      return "Service or option not implemented";
    case 81:
      return "Invalid call reference value";
    case 88:
      return "Incompatible destination";
    case 100:
      return "Invalid information element contents";
    case 102:
      return "Recovery on timer expiry";
    case 111:
      return "Protocol error, unspecified";
    case 127:
      return "Interworking, unspecified";
    default:
      return "Unknown cause";
  }
}

std::string reasonHeaderValue(int cause) {
  return "Q.850;cause=" + std::to_string(cause) + ";text=\"" + causeText(cause) + "\"";
}

std::optional<int> parseReasonCause(const std::string& value) {
  // Reason: SIP;cause=200;text="x", Q.850;cause=16
  size_t pos = 0;
  while (pos < value.size()) {
    size_t end = value.find(',', pos);
    // A comma inside text="..." is not a separator.
    size_t quote = value.find('"', pos);
    while (quote != std::string::npos && end != std::string::npos && quote < end) {
      size_t close = value.find('"', quote + 1);
      if (close == std::string::npos) break;
      if (close > end) end = value.find(',', close);
      quote = value.find('"', close + 1);
    }
    std::string item = value.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    size_t b = 0;
    while (b < item.size() && std::isspace(static_cast<unsigned char>(item[b])))
      ++b;
    if (item.compare(b, 5, "Q.850") == 0 || item.compare(b, 5, "q.850") == 0) {
      size_t c = item.find("cause=");
      if (c != std::string::npos) {
        char* stop = nullptr;
        long v = std::strtol(item.c_str() + c + 6, &stop, 10);
        if (stop != item.c_str() + c + 6 && v >= 0 && v <= 127) return static_cast<int>(v);
      }
    }
    if (end == std::string::npos) break;
    pos = end + 1;
  }
  return std::nullopt;
}

std::vector<CauseRow> causeToSipTable() {
  return {std::begin(kCauseToSip), std::end(kCauseToSip)};
}
std::vector<SipRow> sipToCauseTable() {
  return {std::begin(kSipToCause), std::end(kSipToCause)};
}

}  // namespace outpost::gateway
