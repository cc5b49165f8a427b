// ScheduledArrivals (load_model.h): the public view of an open model's
// schedule, for readers such as the live view that draw its target rate
// without driving arrivals.
#include "engine/schedule.h"
#include "loadgate/load_model.h"

namespace loadgate {

double ScheduledArrivals(const OpenModel& model, double seconds) {
  return engine::ArrivalSchedule(model).ArrivalsBy(seconds);
}

}  // namespace loadgate
