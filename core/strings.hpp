// Small string helpers shared by the config reader, the control socket and the
// dial plan: trimming, splitting, durations, and "did you mean" suggestions.
// Pure functions; safe on any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"

namespace outpost::core {

std::string_view trim(std::string_view s);
std::vector<std::string> split(std::string_view s, char sep, bool skipEmpty = true);
std::string join(const std::vector<std::string>& parts, std::string_view sep);
bool startsWith(std::string_view s, std::string_view prefix);
std::string toLower(std::string_view s);

// Levenshtein distance, for suggestions.
size_t editDistance(std::string_view a, std::string_view b);
// The closest candidate when it is plausibly a typo of `word`, else nullopt.
std::optional<std::string> suggest(std::string_view word,
                                   const std::vector<std::string>& candidates);

// "250ms", "10s", "5m", "3h", "2d", or a bare number in `bareUnit`.
std::optional<Duration> parseDuration(std::string_view s,
                                      Duration bareUnit = std::chrono::seconds(1));
std::optional<long long> parseInt(std::string_view s);
std::optional<bool> parseBool(std::string_view s);

// Splits a command line into words; "double quotes" group, backslash escapes.
// Returns nullopt on an unterminated quote.
std::optional<std::vector<std::string>> splitCommandLine(std::string_view line);
// Quotes a word for splitCommandLine when it needs it.
std::string quoteWord(std::string_view word);

}  // namespace outpost::core
