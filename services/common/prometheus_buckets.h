// The bucket bounds of every latency histogram a service under test
// exports (loadgate::prometheus::kBucketBoundsNs, BucketIndexOfSeconds,
// LeLabel): the same table as loadgate's own /metrics, so
// histogram_quantile over a service's buckets and over loadgate's agree
// within the bound stated there. The table is header-only and standard
// library only, so including it links nothing of the framework.
#ifndef SERVICES_COMMON_PROMETHEUS_BUCKETS_H_
#define SERVICES_COMMON_PROMETHEUS_BUCKETS_H_

#include "../../framework/src/prometheus/buckets.h"

#endif  // SERVICES_COMMON_PROMETHEUS_BUCKETS_H_
