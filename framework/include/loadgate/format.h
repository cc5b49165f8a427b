// Numbers, durations and money as every loadgate output writes them: reports,
// console summaries, failure messages and load-model descriptions. One
// formatter, so the same value reads the same wherever it appears (and a
// description that the gate compares for equality cannot drift between
// writers). Never exponent notation: a 20-minute stage is "1200000 ms".
#ifndef LOADGATE_FORMAT_H_
#define LOADGATE_FORMAT_H_

#include <chrono>
#include <string>

namespace loadgate {

// Up to `max_decimals` decimals, trailing zeros and a trailing point dropped:
// "3000", "0.25", "1200000". "-0" prints as "0"; NaN and infinities as "nan",
// "inf", "-inf".
std::string FormatNumber(double value, int max_decimals = 3);

// Exactly `decimals` decimals ("12.50"), for figures read side by side in a
// column or a table.
std::string FormatFixed(double value, int decimals);

// The shortest decimal that reads back as the same double, never in
// exponent notation: "0.1", "99.9", "0.0125". For text read back by a
// program (an objective's expression), where FormatNumber would round.
std::string FormatExact(double value);

// A time in milliseconds, up to three decimals: "3000 ms", "3412.5 ms",
// "0.25 ms". The unit of every latency in reports and failure messages.
std::string FormatMilliseconds(double nanoseconds);
inline std::string FormatMilliseconds(std::chrono::nanoseconds duration) {
  return FormatMilliseconds(static_cast<double>(duration.count()));
}

// A span of time in the unit people set it in: "250 ms" below a second,
// "1.5 s" from there ("90 s", not "1m30s": limits and windows, not configs).
std::string FormatDuration(std::chrono::nanoseconds duration);

// A fraction as a percentage, up to `max_decimals` decimals: "1 %", "0.25 %".
std::string FormatPercent(double fraction, int max_decimals = 2);

// US dollars, with more decimals for the fractions of a cent that one LLM
// request costs: "$12.50", "$0.0290", "$0.000125".
std::string FormatUsd(double usd);

}  // namespace loadgate

#endif  // LOADGATE_FORMAT_H_
