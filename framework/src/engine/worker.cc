// A Worker's event loop, its scheduling, and the life of an iteration:
// started by an arrival or a user, one exchange per step (see
// worker_exchange.cc), judged and recorded, then the next step, a poll
// attempt, an LLM conversation's next turn, or the end. See engine.cc for the
// overall design.
#include "engine/worker.h"

#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <system_error>

#include "engine/shard.h"
#include "engine/worker_loop.h"

namespace loadgate::engine {
namespace {

// epoll user data of the timerfd and the eventfd; connections use
// ConnectionPool::kFirstToken and up.
constexpr uint64_t kTimerToken = 0;
constexpr uint64_t kWakeToken = 1;
static_assert(ConnectionPool::kFirstToken > kWakeToken);

constexpr size_t kReadBufferBytes = 64 * 1024;
constexpr int kMaxEvents = 256;

}  // namespace

Worker::Loop::Loop(WorkerSetup setup)
    : recorder(setup.plan->tag_names, setup.plan->metric_names,
               setup.expected_duration_s),
      setup_(std::move(setup)),
      plan_(setup_.plan),
      control_(setup_.control),
      rng_(setup_.seed),
      epoll_fd_(epoll_create1(EPOLL_CLOEXEC)),
      timer_fd_(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)),
      wake_fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)),
      max_sessions_(setup_.closed ? setup_.user_start_ns.size()
                                  : static_cast<size_t>(setup_.max_in_flight)),
      timers_(max_sessions_),
      pool_(*plan_, setup_.tls, epoll_fd_, max_sessions_) {
  if (epoll_fd_ < 0 || timer_fd_ < 0 || wake_fd_ < 0) {
    throw std::system_error(errno, std::generic_category(),
                            "engine worker: cannot create event descriptors");
  }
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.u64 = kTimerToken;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, timer_fd_, &event);
  event.data.u64 = kWakeToken;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &event);

  sessions_.reserve(max_sessions_);
  free_sessions_.reserve(max_sessions_);
  headers_.resize(plan_->max_headers);
  target_.reserve(1024);
  body_.reserve(4096);
  read_buffer_.resize(kReadBufferBytes);

  if (setup_.closed) {
    for (int64_t start : setup_.user_start_ns) {
      Session& s = NewSession();
      s.state = SessionState::kThinking;
      ++live_sessions_;
      timers_.Set(s.id, start);
    }
  } else {
    arrivals_.emplace(*setup_.schedule, setup_.arrivals, setup_.lane,
                      setup_.arrival_seed);
  }
}

Worker::Loop::~Loop() {
  if (epoll_fd_ >= 0) close(epoll_fd_);
  if (timer_fd_ >= 0) close(timer_fd_);
  if (wake_fd_ >= 0) close(wake_fd_);
}

void Worker::Loop::Wake() {
  const uint64_t one = 1;
  [[maybe_unused]] ssize_t ignored = write(wake_fd_, &one, sizeof(one));
}

Worker::Loop::Session& Worker::Loop::NewSession() {
  auto session = std::make_unique<Session>();
  session->id = static_cast<int>(sessions_.size());
  session->sink.loop = this;
  session->sink.session = session.get();
  session->values.resize(plan_->variables.size());
  session->captured.resize(plan_->variables.size());
  sessions_.push_back(std::move(session));
  return *sessions_.back();
}

void Worker::Loop::Run() {
  // The kernel may defer a timer by up to the thread's slack (50 us by
  // default) to batch wake-ups; sends should leave on time.
  prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
  std::array<epoll_event, kMaxEvents> events;
  while (true) {
    now_ = Now();
    if (now_ >= control_->abandon_ns.load(std::memory_order_relaxed)) break;
    ProcessDue();
    if (Finished()) break;
    ArmTimer(NextDue());
    const int count = epoll_wait(epoll_fd_, events.data(), kMaxEvents, -1);
    if (count < 0 && errno != EINTR) break;
    DispatchEvents(events.data(), count);
  }
  SettleOpenWork();
  pool_.CloseAll();
  counters.in_flight.store(0, std::memory_order_relaxed);
  now_ = Now();
  PublishSeconds();
  PublishTags();  // even within the second: the supervisor needs them all
  counters.finished_ns.store(now_, std::memory_order_relaxed);
  counters.finished.store(true, std::memory_order_release);
  if (setup_.on_finished) setup_.on_finished();
}

void Worker::Loop::DispatchEvents(const epoll_event* events, int count) {
  for (int i = 0; i < count; ++i) {
    const uint64_t token = events[i].data.u64;
    if (token == kTimerToken || token == kWakeToken) {
      uint64_t expirations;
      [[maybe_unused]] ssize_t ignored =
          read(token == kTimerToken ? timer_fd_ : wake_fd_, &expirations,
               sizeof(expirations));
      if (token == kTimerToken) armed_due_ = -1;
      continue;
    }
    // Null for a connection closed (its slot maybe reused) earlier in this
    // batch.
    Connection* c = pool_.FromToken(token);
    if (c == nullptr) continue;
    now_ = Now();
    OnConnectionEvent(*c, events[i].events);
  }
}

void Worker::Loop::ProcessDue() {
  const int64_t load_end =
      control_->load_end_ns.load(std::memory_order_relaxed);
  if (load_end != load_end_seen_ && now_ >= load_end) {
    load_end_seen_ = load_end;
    OnLoadEnd();
  }
  // Timers that fire may schedule others at `now_` (deferred failures); the
  // bound keeps one turn from starving socket events.
  for (size_t fired = 0; !timers_.empty() && timers_.top_due() <= now_ &&
                         fired < max_sessions_ + 16;
       ++fired) {
    Session& s = *sessions_[timers_.top_id()];
    timers_.Pop();
    OnTimer(s);
  }
  StartDueArrivals();
  if (now_ >= next_publish_second_ * kSecondNs) PublishSeconds();
}

int64_t Worker::Loop::NextDue() const {
  int64_t due = std::min(timers_.top_due(), next_publish_second_ * kSecondNs);
  due = std::min(due, control_->abandon_ns.load(std::memory_order_relaxed));
  const int64_t load_end =
      control_->load_end_ns.load(std::memory_order_relaxed);
  if (!load_ended_) due = std::min(due, load_end);
  if (arrivals_ &&
      (!free_sessions_.empty() || sessions_.size() < max_sessions_) &&
      !budget_exhausted_ && arrivals_->next_ns() < load_end) {
    due = std::min(due, arrivals_->next_ns());
  }
  return due;
}

void Worker::Loop::ArmTimer(int64_t due) {
  if (due == armed_due_) return;
  armed_due_ = due;
  itimerspec spec{};
  if (due != kNever) {
    // Absolute CLOCK_MONOTONIC time; 0 would disarm, so at least 1 ns.
    const int64_t absolute =
        std::max<int64_t>(1, due + control_->start_monotonic_ns);
    spec.it_value.tv_sec = absolute / kSecondNs;
    spec.it_value.tv_nsec = absolute % kSecondNs;
  }
  timerfd_settime(timer_fd_, TFD_TIMER_ABSTIME, &spec, nullptr);
}

void Worker::Loop::StartDueArrivals() {
  if (!arrivals_ || budget_exhausted_ || abandoning_) return;
  const int64_t load_end =
      control_->load_end_ns.load(std::memory_order_relaxed);
  while (arrivals_->next_ns() <= now_ && arrivals_->next_ns() < load_end) {
    Session* s = nullptr;
    if (!free_sessions_.empty()) {
      s = sessions_[free_sessions_.back()].get();
      free_sessions_.pop_back();
    } else if (sessions_.size() < max_sessions_) {
      s = &NewSession();
    } else {
      return;  // all busy: the arrival waits (its wait counts as latency)
    }
    const int64_t intended = arrivals_->next_ns();
    arrivals_->Advance();
    ++live_sessions_;
    StartIteration(*s, intended);
    if (budget_exhausted_) return;
  }
}

void Worker::Loop::OnLoadEnd() {
  load_ended_ = true;
  if (!setup_.closed) return;
  // Users between iterations stop; iterations in progress run to their end.
  for (auto& s : sessions_) {
    if (s->state == SessionState::kThinking) {
      timers_.Cancel(s->id);
      s->state = SessionState::kDone;
      --live_sessions_;
    }
  }
}

bool Worker::Loop::Finished() const {
  if (live_sessions_ > 0) return false;
  if (setup_.closed) return true;
  return budget_exhausted_ ||
         arrivals_->next_ns() >=
             control_->load_end_ns.load(std::memory_order_relaxed);
}

void Worker::Loop::StartIteration(Session& s, int64_t intended_ns) {
  s.flow = plan_->flows.size() == 1 ? 0 : plan_->ChooseFlow(rng_.Uniform());
  s.step = 0;
  s.attempt = 0;
  s.flow_failed = false;
  s.flow_start_ns = setup_.closed ? now_ : intended_ns;
  TakeSequencedItems(s);
  ScheduleStep(s, setup_.closed ? now_ : intended_ns);
}

void Worker::Loop::TakeSequencedItems(Session& s) {
  // Each iteration starts from its data rows alone: no captures left over
  // from the session's previous iteration.
  std::fill(s.values.begin(), s.values.end(), std::string_view());
  for (size_t d = 0; d < plan_->data.size(); ++d) {
    const CompiledData& data = plan_->data[d];
    // This shard's rows: K, K + N, ... (all of them unsharded).
    const uint64_t rows = ShareOf(data.data->rows.size(), setup_.shard);
    const uint64_t pick =
        data.data->order == DataSet::Order::kRandom
            ? rng_.Below(rows)
            : control_->sequences[d].fetch_add(1, std::memory_order_relaxed) %
                  rows;
    const size_t row = GlobalIndex(pick, setup_.shard);
    const std::vector<std::string>& values = data.data->rows[row];
    for (size_t c = 0; c < data.column_slots.size(); ++c) {
      s.values[data.column_slots[c]] = values[c];
    }
  }
  const CompiledFlow& flow = plan_->flows[s.flow];
  s.conversation = nullptr;
  if (flow.llm == nullptr) return;
  // The next of this shard's conversations (K, K + N, ...), in order.
  const std::vector<Conversation>& conversations = flow.llm->conversations;
  const uint64_t share = ShareOf(conversations.size(), setup_.shard);
  const uint64_t pick =
      control_->sequences[flow.conversation_sequence].fetch_add(
          1, std::memory_order_relaxed) %
      share;
  s.conversation = &conversations[GlobalIndex(pick, setup_.shard)];
  s.turn = 0;
  if (s.answers.size() < s.conversation->turns.size()) {
    s.answers.resize(s.conversation->turns.size());
  }
}

void Worker::Loop::ScheduleStep(Session& s, int64_t intended_ns) {
  s.intended_ns = intended_ns;
  if (intended_ns > now_) {
    s.state = SessionState::kWaitingToSend;
    timers_.Set(s.id, intended_ns);
    return;
  }
  SendStep(s);
}

void Worker::Loop::SendStep(Session& s) {
  if (control_->max_requests > 0 &&
      control_->requests_started.fetch_add(1, std::memory_order_relaxed) >=
          control_->max_requests) {
    budget_exhausted_ = true;
    EndIteration(s, /*counted=*/false);
    return;
  }
  // Closed models measure from the actual send: no intended time earlier
  // than the moment the user was ready.
  if (setup_.closed) s.intended_ns = now_;
  s.state = SessionState::kInFlight;
  s.exchange = Exchange{.start_ns = now_};
  s.body.clear();
  s.gaps.clear();
  if (s.conversation != nullptr) s.answers[s.turn].clear();
  counters.in_flight.fetch_add(1, std::memory_order_relaxed);
  timers_.Set(s.id, now_ + StepOf(s).timeout_ns);
  Dispatch(s, /*fresh_connection=*/false);
}

void Worker::Loop::OnTimer(Session& s) {
  switch (s.state) {
    case SessionState::kThinking:
      if (load_ended_) {
        s.state = SessionState::kDone;
        --live_sessions_;
        return;
      }
      StartIteration(s, now_);
      return;
    case SessionState::kWaitingToSend:
      SendStep(s);
      return;
    case SessionState::kInFlight:
      // A failure found while dispatching, reported now; else the timeout.
      CompleteExchange(s,
                       s.exchange.pending_error != ErrorKind::kNone
                           ? s.exchange.pending_error
                           : ErrorKind::kTimeout,
                       false);
      return;
    case SessionState::kFree:
    case SessionState::kDone:
      return;
  }
}

void Worker::Loop::CompleteExchange(Session& s, ErrorKind transport_error,
                                    bool connection_reusable) {
  timers_.Cancel(s.id);
  counters.in_flight.fetch_sub(1, std::memory_order_relaxed);
  const int status = ReleaseConnection(s, transport_error, connection_reusable);
  now_ = Now();
  const ResponseVerdict verdict = Judge(s, status, transport_error);
  RecordExchange(s, status, verdict.error);
  NextStep(s, verdict);
}

// Returns the response's status, 0 when none arrived.
int Worker::Loop::ReleaseConnection(Session& s, ErrorKind transport_error,
                                    bool connection_reusable) {
  if (s.exchange.connection < 0) return 0;
  Connection& c = pool_[s.exchange.connection];
  s.exchange.connection = -1;
  const int status = c.parser.headers_complete() ? c.parser.status() : 0;
  if (transport_error != ErrorKind::kNone) {
    pool_.Close(c);
    return status;
  }
  if (!c.reused) pool_.KeepTlsSession(c);
  if (connection_reusable) {
    pool_.MakeIdle(c);
  } else {
    pool_.Close(c);
  }
  return status;
}

ResponseVerdict Worker::Loop::Judge(Session& s, int status,
                                    ErrorKind transport_error) {
  if (transport_error != ErrorKind::kNone) return {transport_error};
  Exchange& exchange = s.exchange;
  if (exchange.mode == StreamMode::kJson) {
    // A whole JSON answer has no chunks (so no TTFT or inter-token gaps),
    // but its reported usage counts like a stream's.
    exchange.stream.TakeUsage(http::InspectLlmResponse(s.body));
  }
  const CompiledStep& step = StepOf(s);
  // A whole (not streamed) answer to an LLM turn.
  if (step.llm_answer && status == 200 && exchange.mode != StreamMode::kSse &&
      exchange.mode != StreamMode::kJsonArray && !CollectAnswer(s, s.body)) {
    return {ErrorKind::kResponseTooLarge};
  }
  ResponseVerdict verdict = JudgeResponse(
      step, status, s.body, exchange.stream.llm_error || exchange.stream_error,
      s.captured, s.values);
  const bool last_attempt = s.attempt + 1 >= step.max_attempts;
  if (verdict.error == ErrorKind::kNone && step.poll && !verdict.until_met &&
      last_attempt) {
    verdict.error = ErrorKind::kCheckFailed;  // out of attempts
  }
  return verdict;
}

void Worker::Loop::RecordExchange(Session& s, int status, ErrorKind error) {
  const Exchange& exchange = s.exchange;
  const StreamFigures& stream = exchange.stream;
  RequestSample sample;
  sample.tag = StepOf(s).tag;
  sample.status = static_cast<uint16_t>(status);
  sample.error = error;
  sample.intended_ns = s.intended_ns;
  sample.latency_ns = now_ - s.intended_ns;
  sample.service_time_ns = now_ - exchange.start_ns;
  sample.ttfb_ns = exchange.first_byte_ns < 0
                       ? -1
                       : exchange.first_byte_ns - exchange.start_ns;
  sample.first_chunk_ns = stream.first_chunk_ns;
  sample.ttft_ns = stream.ttft_ns;
  sample.content_chunks = stream.content_chunks;
  sample.max_chunk_gap_ns = stream.max_gap_ns;
  sample.output_tokens = stream.output_tokens();
  sample.prompt_tokens = stream.prompt_tokens();
  sample.bytes_received = exchange.bytes;
  sample.met_objectives = error == ErrorKind::kNone &&
                          MeetsRequestObjectives(sample, plan_->objectives);
  s.gaps.Flush(recorder, sample.tag, stream, /*at_end=*/true);
  recorder.Record(sample);
  counters.requests.fetch_add(1, std::memory_order_relaxed);
  if (error != ErrorKind::kNone) {
    counters.errors.fetch_add(1, std::memory_order_relaxed);
  }
  if (sample.output_tokens > 0) {
    counters.output_tokens.fetch_add(sample.output_tokens,
                                     std::memory_order_relaxed);
  }
  if (sample.prompt_tokens > 0) {
    counters.prompt_tokens.fetch_add(sample.prompt_tokens,
                                     std::memory_order_relaxed);
  }
}

// After a judged exchange: the iteration fails, polls again, or goes on to
// its next step or its end.
void Worker::Loop::NextStep(Session& s, const ResponseVerdict& verdict) {
  if (verdict.error != ErrorKind::kNone) {
    s.flow_failed = true;
    EndIteration(s, /*counted=*/true);
    return;
  }
  if (s.conversation != nullptr) {
    NextTurn(s);
    return;
  }
  const CompiledStep& step = StepOf(s);
  if (step.poll && !verdict.until_met) {
    ++s.attempt;
    ScheduleStep(s, now_ + step.interval_ns);
    return;
  }
  ++s.step;
  s.attempt = 0;
  if (s.step < static_cast<int>(plan_->flows[s.flow].steps.size())) {
    ScheduleStep(s, now_);
    return;
  }
  EndIteration(s, /*counted=*/true);
}

void Worker::Loop::NextTurn(Session& s) {
  ++s.turn;
  if (s.turn == static_cast<int>(s.conversation->turns.size())) {
    EndIteration(s, /*counted=*/true);
    return;
  }
  // A timer, like any scheduled step: the user reads the answer and types.
  ScheduleStep(s,
               now_ + SampleThinkTimeNs(plan_->flows[s.flow].llm->think, rng_));
}

void Worker::Loop::EndIteration(Session& s, bool counted) {
  const CompiledFlow& flow = plan_->flows[s.flow];
  if (counted && flow.metric >= 0) {
    recorder.RecordCustom(static_cast<uint16_t>(flow.metric),
                          now_ - s.flow_start_ns, !s.flow_failed);
  }
  if (!setup_.closed) {
    ReleaseSession(s);
    StartDueArrivals();
    return;
  }
  ++s.iterations_done;
  const bool done =
      !counted || load_ended_ || abandoning_ ||
      now_ >= control_->load_end_ns.load(std::memory_order_relaxed) ||
      (setup_.iterations_per_user > 0 &&
       s.iterations_done >= setup_.iterations_per_user);
  if (done) {
    s.state = SessionState::kDone;
    --live_sessions_;
    return;
  }
  const int64_t think = SampleThinkTimeNs(setup_.think, rng_);
  if (think == 0) {
    StartIteration(s, now_);
    return;
  }
  s.state = SessionState::kThinking;
  timers_.Set(s.id, now_ + think);
}

void Worker::Loop::ReleaseSession(Session& s) {
  s.state = SessionState::kFree;
  --live_sessions_;
  free_sessions_.push_back(s.id);
}

void Worker::Loop::SettleOpenWork() {
  abandoning_ = true;
  now_ = Now();
  for (auto& session : sessions_) {
    Session& s = *session;
    if (s.state == SessionState::kInFlight) {
      // Still unanswered: a timeout settled now, its latency the whole wait
      // (a failure found while dispatching and not yet reported keeps its
      // kind).
      CompleteExchange(s,
                       s.exchange.pending_error != ErrorKind::kNone
                           ? s.exchange.pending_error
                           : ErrorKind::kTimeout,
                       false);
    } else if (s.state == SessionState::kWaitingToSend) {
      // A later step (a poll) was still to come: the flow did not finish.
      s.flow_failed = true;
      EndIteration(s, /*counted=*/true);
    }
  }
  RecordUnsentArrivals();
}

void Worker::Loop::RecordUnsentArrivals() {
  if (!arrivals_ || budget_exhausted_) return;
  const int64_t load_end =
      control_->load_end_ns.load(std::memory_order_relaxed);
  while (arrivals_->next_ns() < load_end && arrivals_->next_ns() <= now_) {
    const int flow_index =
        plan_->flows.size() == 1 ? 0 : plan_->ChooseFlow(rng_.Uniform());
    const CompiledFlow& flow = plan_->flows[flow_index];
    RequestSample sample;
    sample.tag = flow.steps.front().tag;
    sample.error = ErrorKind::kNotSent;
    sample.met_objectives = false;
    sample.intended_ns = arrivals_->next_ns();
    sample.latency_ns = now_ - sample.intended_ns;
    sample.service_time_ns = -1;  // never sent
    recorder.Record(sample);
    if (flow.metric >= 0) {
      recorder.RecordCustom(static_cast<uint16_t>(flow.metric),
                            sample.latency_ns, /*ok=*/false);
    }
    counters.requests.fetch_add(1, std::memory_order_relaxed);
    counters.errors.fetch_add(1, std::memory_order_relaxed);
    arrivals_->Advance();
  }
}

Worker::Worker(WorkerSetup setup)
    : loop_(std::make_unique<Loop>(std::move(setup))) {}

Worker::~Worker() = default;

void Worker::Run() { loop_->Run(); }

void Worker::Wake() { loop_->Wake(); }

const WorkerCounters& Worker::counters() const { return loop_->counters; }

const Recorder& Worker::recorder() const { return loop_->recorder; }

}  // namespace loadgate::engine
