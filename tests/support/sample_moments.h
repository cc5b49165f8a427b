// The mean and sample standard deviation of drawn values, for tests that
// check a distribution reproduces what was asked for.
#ifndef LOADGATE_TESTS_SUPPORT_SAMPLE_MOMENTS_H_
#define LOADGATE_TESTS_SUPPORT_SAMPLE_MOMENTS_H_

#include <cmath>
#include <vector>

namespace loadgate::test_support {

struct SampleMoments {
  double mean = 0;
  double stddev = 0;  // with n - 1
};

// At least two values.
inline SampleMoments MomentsOf(const std::vector<int>& values) {
  SampleMoments moments;
  for (int value : values) moments.mean += value;
  moments.mean /= static_cast<double>(values.size());
  for (int value : values)
    moments.stddev += (value - moments.mean) * (value - moments.mean);
  moments.stddev =
      std::sqrt(moments.stddev / static_cast<double>(values.size() - 1));
  return moments;
}

}  // namespace loadgate::test_support

#endif  // LOADGATE_TESTS_SUPPORT_SAMPLE_MOMENTS_H_
