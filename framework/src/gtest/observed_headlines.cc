#include "gtest/observed_headlines.h"

#include <string>
#include <utility>

namespace loadgate::slo_internal {
namespace {

// EXPECT_SLO may run on several threads; each judges its own report.
thread_local ObservedHeadlines* innermost = nullptr;

}  // namespace

ObservedHeadlines::ObservedHeadlines() : outer_(innermost) { innermost = this; }

ObservedHeadlines::~ObservedHeadlines() { innermost = outer_; }

void ObservedHeadlines::Note(std::string headline) {
  if (innermost != nullptr)
    innermost->headlines_.push_back(std::move(headline));
}

std::string ObservedHeadlines::Joined() const {
  std::string joined;
  for (const std::string& headline : headlines_) {
    if (!joined.empty()) joined += "; ";
    joined += headline;
  }
  return joined;
}

}  // namespace loadgate::slo_internal
