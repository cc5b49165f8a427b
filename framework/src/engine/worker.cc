#include "engine/worker.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "engine/timer_heap.h"
#include "http/json_array_stream.h"
#include "http/llm_chunk.h"
#include "http/request_writer.h"
#include "http/response_parser.h"
#include "http/sse_parser.h"

namespace loadgate::engine {
namespace {

// epoll user data: 0 and 1 are the timerfd and eventfd; a connection is
// (generation << 32) | (slot + 2), so an event queued for a connection that
// was closed (and its slot reused) in the same batch is recognised as stale.
constexpr uint64_t kTimerToken = 0;
constexpr uint64_t kWakeToken = 1;

// Per-request stream bookkeeping: inter-chunk gaps are kept until the
// response ends, when the reported output tokens (if any) are known and can
// be spread over the chunks in proportion to their characters.
constexpr int kMaxPendingGaps = 256;

constexpr size_t kReadBufferBytes = 64 * 1024;
// A non-streamed JSON body is kept (in the session's body buffer, whose
// capacity is reused) up to this size to read its token usage at the end;
// a larger one is not inspected and reports no usage. Non-streamed LLM
// answers are a few KiB; this bounds a session's buffer when the server
// sends something much bigger.
constexpr size_t kMaxUsageBodyBytes = 256 * 1024;
constexpr int kMaxEvents = 256;

// A plain-text SSE "data" field (not JSON, not "[DONE]") is content, not a
// malformed LLM chunk: generic event streams are measured too.
http::LlmChunk InspectStreamData(std::string_view data) {
  const size_t first = data.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos &&
      (data[first] == '{' || data[first] == '[')) {
    return http::InspectLlmChunk(data);
  }
  if (data == "[DONE]") return http::InspectLlmChunk(data);
  http::LlmChunk chunk;
  chunk.content_chars = static_cast<uint32_t>(data.size());
  return chunk;
}

// application/json, or a structured +json type (application/problem+json).
bool IsJsonMediaType(std::string_view media_type) {
  return media_type == "application/json" || media_type.ends_with("+json");
}

}  // namespace

class Worker::Loop {
 public:
  explicit Loop(WorkerSetup setup);
  ~Loop();

  void Run();
  void Wake();

  WorkerCounters counters;
  Recorder recorder;
  mutable std::mutex published_mutex;
  int64_t published_second = -1;
  TimeSlot published_slot;

 private:
  enum class SessionState {
    kFree,           // open model: available for an arrival
    kThinking,       // closed model: waiting to start the next iteration
    kWaitingToSend,  // the current step is scheduled for later
    kInFlight,       // a request is outstanding (timer = its timeout)
    kDone,           // closed model: this user has finished
  };
  // How a response body is read: kJson is a whole (non-streamed) JSON body
  // kept for its token usage; kPlain is not read at all.
  enum class StreamMode { kUndecided, kPlain, kSse, kJsonArray, kJson };

  struct Session;

  // Parser callbacks, routed back to the loop with the session.
  struct Sink : http::BodySink,
                http::SseParser::Handler,
                http::JsonArrayStreamParser::Handler {
    Loop* loop = nullptr;
    Session* session = nullptr;
    void OnBody(std::string_view bytes) override {
      loop->OnBody(*session, bytes);
    }
    void OnEvent(std::string_view, std::string_view data) override {
      loop->OnChunk(*session, InspectStreamData(data));
    }
    void OnElement(std::string_view json) override {
      loop->OnChunk(*session, http::InspectLlmChunk(json));
    }
  };

  struct Session {
    int id = 0;
    SessionState state = SessionState::kFree;
    Sink sink;
    // Iteration.
    int flow = 0;
    int step = 0;
    int attempt = 0;  // poll attempts made for the current step
    bool flow_failed = false;
    int64_t flow_start_ns = 0;
    int64_t iterations_done = 0;           // closed model
    std::vector<std::string_view> values;  // per variable slot
    std::vector<std::string> captured;     // storage for captured values
    // The current request.
    int connection = -1;
    bool retried = false;
    ErrorKind pending_error = ErrorKind::kNone;  // failure to report next turn
    int64_t intended_ns = 0;
    int64_t start_ns = 0;
    int64_t first_byte_ns = -1;
    int64_t first_chunk_ns = -1;
    int64_t ttft_ns = -1;
    int64_t last_content_ns = 0;
    int32_t content_chunks = 0;
    int64_t content_chars = 0;
    int32_t reported_prompt = -1;
    int32_t reported_output = -1;
    bool llm_error = false;
    bool stream_error = false;
    // Set while reading the body when the response must end now (e.g. a
    // part too large to hold): the exchange fails with this kind.
    ErrorKind body_error = ErrorKind::kNone;
    uint64_t bytes = 0;
    StreamMode mode = StreamMode::kUndecided;
    // The body, when the step's checks or captures need it or while it is
    // kept for its usage (StreamMode::kJson).
    std::string body;
    http::SseParser sse;
    http::JsonArrayStreamParser json_array;
    int pending_gaps = 0;
    std::array<int64_t, kMaxPendingGaps> gap_ns{};
    std::array<uint32_t, kMaxPendingGaps> gap_chars{};
  };

  enum class ConnectionState {
    kClosed,
    kConnecting,
    kHandshaking,
    kSending,
    kReceiving,
    kIdle,
  };

  struct Connection {
    int slot = 0;
    uint32_t generation = 0;
    ConnectionState state = ConnectionState::kClosed;
    int origin = -1;
    int session = -1;
    int address = 0;           // index into the origin's addresses
    int connect_attempts = 0;  // addresses tried for this connect
    bool reused = false;       // has carried a complete exchange
    int idle_index = -1;       // position in idle_[origin]
    Transport transport;
    std::string out;
    size_t out_offset = 0;
    http::ResponseParser parser;
  };

  int64_t Now() const { return MonotonicNs() - control_->start_monotonic_ns; }
  const CompiledStep& StepOf(const Session& s) const {
    return plan_->flows[s.flow].steps[s.step];
  }

  // Scheduling.
  void ProcessDue();
  int64_t NextDue() const;
  void ArmTimer(int64_t due);
  void StartDueArrivals();
  void OnLoadEnd();
  bool Finished() const;
  void PublishSeconds();

  // Iterations and steps.
  Session& NewSession();
  void StartIteration(Session& s, int64_t intended_ns);
  void ScheduleStep(Session& s, int64_t intended_ns);
  void SendStep(Session& s);
  void Dispatch(Session& s, bool fresh_connection);
  void FailLater(Session& s, ErrorKind error);
  void OnTimer(Session& s);
  void CompleteExchange(Session& s, ErrorKind transport_error,
                        bool connection_reusable);
  void EndIteration(Session& s, bool counted);
  void ReleaseSession(Session& s);
  // When the run is abandoned: settles every request still open (timeout)
  // and every arrival still queued (not_sent), so none goes unreported.
  void SettleOpenWork();
  void RecordUnsentArrivals();

  // Connections.
  int AcquireConnection(int origin, bool fresh);
  void StartConnect(Connection& c);
  void OnConnectFailure(Connection& c);
  void OnConnected(Connection& c);
  void OnConnectionEvent(Connection& c, uint32_t events);
  void Flush(Connection& c);
  void ReadResponse(Connection& c);
  void OnTransportFailure(Connection& c);
  // Ends the connection's exchange with `error` (deferred while dispatching).
  void Fail(Connection& c, ErrorKind error);
  void CloseConnection(Connection& c);
  void MakeIdle(Connection& c);
  void RemoveIdle(Connection& c);
  void BuildRequest(Connection& c, Session& s);

  // Responses.
  void OnBody(Session& s, std::string_view bytes);
  StreamMode ChooseStreamMode(const Session& s) const;
  void OnChunk(Session& s, const http::LlmChunk& chunk);
  void FlushGaps(Session& s, bool at_end);
  ErrorKind Evaluate(Session& s, int status, bool* until_met);

  WorkerSetup setup_;
  const Plan* plan_;
  RunControl* control_;
  Rng rng_;
  std::optional<ArrivalStream> arrivals_;
  int64_t now_ = 0;
  int64_t load_end_seen_ = -1;  // load_end_ns when OnLoadEnd last ran
  bool load_ended_ = false;
  bool budget_exhausted_ = false;
  bool dispatching_ = false;  // inside Dispatch (see Fail)
  bool abandoning_ = false;   // inside SettleOpenWork: start nothing new

  int epoll_fd_ = -1;
  int timer_fd_ = -1;
  int wake_fd_ = -1;
  int64_t armed_due_ = -1;
  int64_t next_publish_second_ = 1;

  std::vector<std::unique_ptr<Session>> sessions_;
  std::vector<int> free_sessions_;  // open model
  size_t max_sessions_ = 0;
  int live_sessions_ = 0;  // not free and not done
  TimerHeap timers_;

  std::vector<std::unique_ptr<Connection>> connections_;
  std::vector<int> free_connections_;
  std::vector<std::vector<int>> idle_;  // per origin
  std::vector<int> preferred_address_;  // per origin
  // Per origin, the TLS session new connections resume (saves the full
  // handshake when servers close connections often).
  std::vector<SSL_SESSION*> tls_sessions_;

  // Scratch space for building requests and reading responses.
  std::string target_;
  std::string body_;
  std::vector<std::pair<std::string, std::string>> headers_;
  std::vector<char> read_buffer_;
};

Worker::Loop::Loop(WorkerSetup setup)
    : recorder(setup.plan->tag_names, setup.plan->metric_names,
               setup.expected_duration_s),
      setup_(std::move(setup)),
      plan_(setup_.plan),
      control_(setup_.control),
      rng_(setup_.seed),
      max_sessions_(setup_.closed ? setup_.user_start_ns.size()
                                  : static_cast<size_t>(setup_.max_in_flight)),
      timers_(max_sessions_) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  timer_fd_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
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
  connections_.reserve(max_sessions_);
  free_connections_.reserve(max_sessions_);
  idle_.resize(plan_->origins.size());
  for (auto& idle : idle_) idle.reserve(max_sessions_);
  preferred_address_.assign(plan_->origins.size(), 0);
  tls_sessions_.assign(plan_->origins.size(), nullptr);
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
    arrivals_.emplace(*setup_.schedule, setup_.arrivals, setup_.index,
                      setup_.workers, setup_.seed ^ 0x5bd1e995a1b2c3d4ULL);
  }
}

Worker::Loop::~Loop() {
  for (auto& c : connections_) c->transport.Close();
  for (SSL_SESSION* session : tls_sessions_) SSL_SESSION_free(session);
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
      const size_t slot = (token & 0xffffffffu) - 2;
      Connection& c = *connections_[slot];
      if (c.generation != static_cast<uint32_t>(token >> 32) ||
          c.state == ConnectionState::kClosed) {
        continue;
      }
      now_ = Now();
      OnConnectionEvent(c, events[i].events);
    }
  }
  SettleOpenWork();
  for (auto& c : connections_) {
    if (c->state != ConnectionState::kClosed) CloseConnection(*c);
  }
  counters.in_flight.store(0, std::memory_order_relaxed);
  now_ = Now();
  PublishSeconds();
  counters.finished_ns.store(now_, std::memory_order_relaxed);
  counters.finished.store(true, std::memory_order_release);
  if (setup_.on_finished) setup_.on_finished();
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
  if (now_ >= next_publish_second_ * 1'000'000'000) PublishSeconds();
}

int64_t Worker::Loop::NextDue() const {
  int64_t due =
      std::min(timers_.top_due(), next_publish_second_ * 1'000'000'000);
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
    spec.it_value.tv_sec = absolute / 1'000'000'000;
    spec.it_value.tv_nsec = absolute % 1'000'000'000;
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

void Worker::Loop::PublishSeconds() {
  const int64_t current = now_ / 1'000'000'000;
  if (current < next_publish_second_) return;
  next_publish_second_ = current + 1;
  const int64_t second = current - 1;
  const auto& series = recorder.metrics().series;
  const TimeSlot* found = nullptr;
  for (auto it = series.rbegin(); it != series.rend(); ++it) {
    if (it->second == second) found = &*it;
    if (it->second <= second) break;
  }
  std::lock_guard lock(published_mutex);
  if (found != nullptr) {
    published_slot = *found;
  } else {
    published_slot = TimeSlot();
    published_slot.second = second;
  }
  published_second = second;
}

void Worker::Loop::StartIteration(Session& s, int64_t intended_ns) {
  s.flow = plan_->flows.size() == 1 ? 0 : plan_->ChooseFlow(rng_.Uniform());
  s.step = 0;
  s.attempt = 0;
  s.flow_failed = false;
  s.flow_start_ns = setup_.closed ? now_ : intended_ns;
  // Each iteration starts from its data rows alone: no captures left over
  // from the session's previous iteration.
  std::fill(s.values.begin(), s.values.end(), std::string_view());
  for (size_t d = 0; d < plan_->data.size(); ++d) {
    const CompiledData& data = plan_->data[d];
    const size_t rows = data.data->rows.size();
    const size_t row =
        data.data->order == DataSet::Order::kRandom
            ? rng_.Below(rows)
            : control_->data_rows[d].fetch_add(1, std::memory_order_relaxed) %
                  rows;
    const std::vector<std::string>& values = data.data->rows[row];
    for (size_t c = 0; c < data.column_slots.size(); ++c) {
      s.values[data.column_slots[c]] = values[c];
    }
  }
  ScheduleStep(s, setup_.closed ? now_ : intended_ns);
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
  s.start_ns = now_;
  s.retried = false;
  s.pending_error = ErrorKind::kNone;
  s.first_byte_ns = -1;
  s.first_chunk_ns = -1;
  s.ttft_ns = -1;
  s.content_chunks = 0;
  s.content_chars = 0;
  s.reported_prompt = -1;
  s.reported_output = -1;
  s.llm_error = false;
  s.stream_error = false;
  s.body_error = ErrorKind::kNone;
  s.bytes = 0;
  s.mode = StreamMode::kUndecided;
  s.body.clear();
  s.pending_gaps = 0;
  counters.in_flight.fetch_add(1, std::memory_order_relaxed);
  timers_.Set(s.id, now_ + StepOf(s).timeout_ns);
  Dispatch(s, /*fresh_connection=*/false);
}

void Worker::Loop::Dispatch(Session& s, bool fresh_connection) {
  const CompiledStep& step = StepOf(s);
  Connection& c =
      *connections_[AcquireConnection(step.origin, fresh_connection)];
  c.session = s.id;
  s.connection = c.slot;
  BuildRequest(c, s);
  c.parser.Reset(step.head);
  const bool outer_dispatch = dispatching_;  // a retry dispatches again
  dispatching_ = true;
  if (c.state == ConnectionState::kIdle) {
    c.state = ConnectionState::kSending;
    Flush(c);
  } else {
    StartConnect(c);
    if (c.state == ConnectionState::kClosed) Fail(c, ErrorKind::kConnect);
  }
  dispatching_ = outer_dispatch;
}

void Worker::Loop::Fail(Connection& c, ErrorKind error) {
  Session& s = *sessions_[c.session];
  // Failures found while dispatching are reported on the next loop turn, so
  // a dead server cannot recurse through back-to-back iterations.
  if (dispatching_) {
    s.connection = -1;
    CloseConnection(c);
    FailLater(s, error);
  } else {
    CompleteExchange(s, error, false);
  }
}

void Worker::Loop::FailLater(Session& s, ErrorKind error) {
  s.pending_error = error;
  timers_.Set(s.id, now_);
}

void Worker::Loop::BuildRequest(Connection& c, Session& s) {
  const CompiledStep& step = StepOf(s);
  const std::span<const std::string_view> values(s.values);
  target_.clear();
  step.target.AppendTo(target_, values, Escaping::kRequestTarget);
  for (size_t i = 0; i < step.headers.size(); ++i) {
    headers_[i].first.assign(step.headers[i].first);
    headers_[i].second.clear();
    step.headers[i].second.AppendTo(headers_[i].second, values,
                                    Escaping::kHeaderValue);
  }
  std::string_view body;
  if (step.body.is_literal()) {
    body = step.body.literal();
  } else {
    body_.clear();
    step.body.AppendTo(body_, values, Escaping::kNone);
    body = body_;
  }
  c.out.clear();
  c.out_offset = 0;
  http::AppendRequest(c.out, step.method, target_,
                      plan_->origins[step.origin].host_header,
                      std::span<const std::pair<std::string, std::string>>(
                          headers_.data(), step.headers.size()),
                      body);
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
      if (s.pending_error != ErrorKind::kNone) {
        CompleteExchange(s, s.pending_error, false);
      } else {
        CompleteExchange(s, ErrorKind::kTimeout, false);
      }
      return;
    case SessionState::kFree:
    case SessionState::kDone:
      return;
  }
}

int Worker::Loop::AcquireConnection(int origin, bool fresh) {
  std::vector<int>& idle = idle_[origin];
  if (!fresh && !idle.empty()) {
    Connection& c = *connections_[idle.back()];
    RemoveIdle(c);
    return c.slot;
  }
  int slot = -1;
  if (!free_connections_.empty()) {
    slot = free_connections_.back();
    free_connections_.pop_back();
  } else {
    // Every slot is taken. This session holds none, so one is idle unless
    // the pool is still growing: reuse the least recently used idle one.
    for (auto& other : idle_) {
      if (!other.empty()) {
        slot = other.front();
        break;
      }
    }
    if (slot >= 0 && connections_.size() >= max_sessions_) {
      CloseConnection(*connections_[slot]);
      free_connections_.pop_back();  // the slot CloseConnection just freed
    } else {
      auto c = std::make_unique<Connection>();
      c->slot = static_cast<int>(connections_.size());
      c->out.reserve(1024);
      connections_.push_back(std::move(c));
      slot = static_cast<int>(connections_.size()) - 1;
    }
  }
  Connection& c = *connections_[slot];
  c.origin = origin;
  c.address = preferred_address_[origin];
  c.connect_attempts = 0;
  c.reused = false;
  return slot;
}

void Worker::Loop::StartConnect(Connection& c) {
  const Origin& origin = plan_->origins[c.origin];
  while (c.connect_attempts < static_cast<int>(origin.addresses.size())) {
    ++c.connect_attempts;
    const Io io = c.transport.Connect(origin.addresses[c.address]);
    if (io == Io::kError) {
      c.address = (c.address + 1) % static_cast<int>(origin.addresses.size());
      continue;
    }
    ++c.generation;
    epoll_event event{};
    event.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    event.data.u64 = (uint64_t{c.generation} << 32) | (c.slot + 2);
    epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, c.transport.fd(), &event);
    c.state = ConnectionState::kConnecting;
    if (io == Io::kDone) OnConnected(c);
    return;
  }
  c.transport.Close();
  c.state = ConnectionState::kClosed;
}

void Worker::Loop::OnConnectFailure(Connection& c) {
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, c.transport.fd(), nullptr);
  c.transport.Close();
  c.state = ConnectionState::kClosed;
  const Origin& origin = plan_->origins[c.origin];
  if (c.connect_attempts < static_cast<int>(origin.addresses.size())) {
    // Try the origin's next address (e.g. 127.0.0.1 after ::1 refused).
    c.address = (c.address + 1) % static_cast<int>(origin.addresses.size());
    StartConnect(c);
    if (c.state != ConnectionState::kClosed) return;
  }
  Fail(c, ErrorKind::kConnect);
}

void Worker::Loop::OnConnected(Connection& c) {
  preferred_address_[c.origin] = c.address;
  if (plan_->origins[c.origin].tls) {
    if (!c.transport.StartTls(*setup_.tls, plan_->origins[c.origin].host,
                              tls_sessions_[c.origin])) {
      Fail(c, ErrorKind::kConnect);
      return;
    }
    c.state = ConnectionState::kHandshaking;
    const Io io = c.transport.Handshake();
    if (io == Io::kWouldBlock) return;
    if (io != Io::kDone) {
      Fail(c, ErrorKind::kConnect);
      return;
    }
  }
  c.state = ConnectionState::kSending;
  Flush(c);
}

void Worker::Loop::OnConnectionEvent(Connection& c, uint32_t events) {
  switch (c.state) {
    case ConnectionState::kConnecting: {
      const Io io = c.transport.FinishConnect();
      if (io == Io::kWouldBlock) return;
      if (io == Io::kError) {
        OnConnectFailure(c);
        return;
      }
      OnConnected(c);
      return;
    }
    case ConnectionState::kHandshaking: {
      const Io io = c.transport.Handshake();
      if (io == Io::kWouldBlock) return;
      if (io != Io::kDone) {
        Fail(c, ErrorKind::kConnect);
        return;
      }
      c.state = ConnectionState::kSending;
      Flush(c);
      return;
    }
    case ConnectionState::kSending:
      Flush(c);
      // A server may answer (e.g. 413) before it has read the whole request.
      if (c.state == ConnectionState::kSending && (events & EPOLLIN)) {
        ReadResponse(c);
      }
      return;
    case ConnectionState::kReceiving:
      ReadResponse(c);
      return;
    case ConnectionState::kIdle: {
      // The server closed (or wrote to) a connection nobody is using.
      char byte;
      size_t moved = 0;
      const Io io = c.transport.Read(&byte, 1, &moved);
      if (io != Io::kWouldBlock) CloseConnection(c);
      return;
    }
    case ConnectionState::kClosed:
      return;
  }
}

void Worker::Loop::Flush(Connection& c) {
  while (c.out_offset < c.out.size()) {
    size_t moved = 0;
    const Io io = c.transport.Write(c.out.data() + c.out_offset,
                                    c.out.size() - c.out_offset, &moved);
    if (io == Io::kWouldBlock) return;
    if (io != Io::kDone) {
      OnTransportFailure(c);
      return;
    }
    c.out_offset += moved;
  }
  c.state = ConnectionState::kReceiving;
}

void Worker::Loop::ReadResponse(Connection& c) {
  Session& s = *sessions_[c.session];
  char* buffer = read_buffer_.data();
  while (true) {
    size_t moved = 0;
    const Io io = c.transport.Read(buffer, read_buffer_.size(), &moved);
    if (io == Io::kWouldBlock) return;
    if (io == Io::kError) {
      OnTransportFailure(c);
      return;
    }
    if (io == Io::kEof) {
      if (s.bytes == 0) {
        OnTransportFailure(c);
        return;
      }
      // Malformed bytes already ended the exchange in Feed, so a response
      // that is not complete here was cut short by the close.
      const bool complete = c.parser.FinishOnEof(&s.sink) ==
                            http::ResponseParser::Status::kComplete;
      CompleteExchange(s,
                       s.body_error != ErrorKind::kNone ? s.body_error
                       : complete                       ? ErrorKind::kNone
                                  : ErrorKind::kConnectionLost,
                       false);
      return;
    }
    now_ = Now();
    if (s.first_byte_ns < 0) s.first_byte_ns = now_;
    s.bytes += moved;
    size_t consumed = 0;
    const auto status =
        c.parser.Feed(std::string_view(buffer, moved), &consumed, &s.sink);
    if (s.body_error != ErrorKind::kNone) {
      CompleteExchange(s, s.body_error, false);
      return;
    }
    if (status == http::ResponseParser::Status::kComplete) {
      // Bytes beyond the response were never asked for (no pipelining):
      // the connection's framing cannot be trusted for another request.
      CompleteExchange(s, ErrorKind::kNone,
                       c.parser.keep_alive() && consumed == moved &&
                           !c.transport.has_buffered_bytes());
      return;
    }
    if (status == http::ResponseParser::Status::kError) {
      CompleteExchange(s, ErrorKind::kProtocol, false);
      return;
    }
  }
}

void Worker::Loop::OnTransportFailure(Connection& c) {
  Session& s = *sessions_[c.session];
  // A keep-alive connection the server closed while it was idle fails on
  // first use without a byte of response; the request never reached the
  // application, so it is sent again once on a new connection (as browsers
  // and HTTP client libraries do). Latency still counts from the start.
  if (c.reused && s.bytes == 0 && !s.retried) {
    s.retried = true;
    c.session = -1;
    CloseConnection(c);
    Dispatch(s, /*fresh_connection=*/true);
    return;
  }
  Fail(c, ErrorKind::kConnectionLost);
}

void Worker::Loop::CloseConnection(Connection& c) {
  if (c.state == ConnectionState::kIdle) RemoveIdle(c);
  if (c.transport.fd() >= 0) {
    epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, c.transport.fd(), nullptr);
  }
  c.transport.Close();
  c.state = ConnectionState::kClosed;
  c.session = -1;
  ++c.generation;
  free_connections_.push_back(c.slot);
}

void Worker::Loop::MakeIdle(Connection& c) {
  c.state = ConnectionState::kIdle;
  c.session = -1;
  c.reused = true;
  std::vector<int>& idle = idle_[c.origin];
  c.idle_index = static_cast<int>(idle.size());
  idle.push_back(c.slot);
}

void Worker::Loop::RemoveIdle(Connection& c) {
  std::vector<int>& idle = idle_[c.origin];
  const int last = idle.back();
  idle[c.idle_index] = last;
  connections_[last]->idle_index = c.idle_index;
  idle.pop_back();
  c.idle_index = -1;
}

Worker::Loop::StreamMode Worker::Loop::ChooseStreamMode(
    const Session& s) const {
  const http::ResponseParser& parser = connections_[s.connection]->parser;
  switch (StepOf(s).stream) {
    case StreamFormat::kAuto:
      if (parser.content_type() == "text/event-stream") return StreamMode::kSse;
      // Not a stream, but a JSON answer may still report its usage.
      return IsJsonMediaType(parser.content_type()) &&
                     parser.content_length() <=
                         static_cast<int64_t>(kMaxUsageBodyBytes)
                 ? StreamMode::kJson
                 : StreamMode::kPlain;
    case StreamFormat::kNone:
      return StreamMode::kPlain;
    case StreamFormat::kSse:
      return StreamMode::kSse;
    case StreamFormat::kJsonArray:
      return StreamMode::kJsonArray;
  }
  return StreamMode::kPlain;
}

void Worker::Loop::OnBody(Session& s, std::string_view bytes) {
  if (s.body_error != ErrorKind::kNone) return;
  const CompiledStep& step = StepOf(s);
  if (s.mode == StreamMode::kUndecided) {
    s.mode = ChooseStreamMode(s);
    if (s.mode == StreamMode::kSse) s.sse.Reset(step.max_buffered_bytes);
    if (s.mode == StreamMode::kJsonArray) {
      s.json_array.Reset(step.max_buffered_bytes);
    }
  }
  if (s.mode == StreamMode::kJson &&
      s.body.size() + bytes.size() >
          std::min(kMaxUsageBodyBytes, step.max_buffered_bytes)) {
    s.mode = StreamMode::kPlain;  // too big to inspect: no usage
    if (!step.needs_body) s.body.clear();
  }
  if (step.needs_body &&
      s.body.size() + bytes.size() > step.max_buffered_bytes) {
    s.body_error = ErrorKind::kResponseTooLarge;  // checks need all of it
    return;
  }
  if (step.needs_body || s.mode == StreamMode::kJson) s.body.append(bytes);
  if (s.mode == StreamMode::kSse) {
    if (!s.sse.Feed(bytes, s.sink)) s.body_error = ErrorKind::kResponseTooLarge;
  } else if (s.mode == StreamMode::kJsonArray && !s.stream_error) {
    if (!s.json_array.Feed(bytes, s.sink)) {
      if (s.json_array.too_large()) {
        s.body_error = ErrorKind::kResponseTooLarge;
      } else {
        s.stream_error = true;
      }
    }
  }
}

void Worker::Loop::OnChunk(Session& s, const http::LlmChunk& chunk) {
  const int64_t since_send = now_ - s.start_ns;
  if (s.first_chunk_ns < 0) s.first_chunk_ns = since_send;
  if (chunk.is_error) s.llm_error = true;
  if (chunk.prompt_tokens >= 0) s.reported_prompt = chunk.prompt_tokens;
  if (chunk.output_tokens >= 0) s.reported_output = chunk.output_tokens;
  if (chunk.content_chars == 0) return;
  if (s.content_chunks == 0) {
    s.ttft_ns = since_send;
  } else {
    if (s.pending_gaps == kMaxPendingGaps) FlushGaps(s, /*at_end=*/false);
    s.gap_ns[s.pending_gaps] = now_ - s.last_content_ns;
    s.gap_chars[s.pending_gaps] = chunk.content_chars;
    ++s.pending_gaps;
  }
  s.last_content_ns = now_;
  ++s.content_chunks;
  s.content_chars += chunk.content_chars;
}

// Output tokens per chunk are known only at the end, from reported usage:
// each gap's later chunk gets the reported total in proportion to its
// characters (at least 1). Without reported usage, or for gaps recorded
// early because a very long stream filled the array, each content chunk
// counts as 1 token (long streams are typically one token per chunk).
void Worker::Loop::FlushGaps(Session& s, bool at_end) {
  const uint16_t tag = StepOf(s).tag;
  const bool proportional =
      at_end && s.reported_output > 0 && s.content_chars > 0;
  for (int i = 0; i < s.pending_gaps; ++i) {
    uint32_t tokens = 1;
    if (proportional) {
      tokens = static_cast<uint32_t>(std::max<int64_t>(
          1,
          std::llround(static_cast<double>(s.reported_output) * s.gap_chars[i] /
                       static_cast<double>(s.content_chars))));
    }
    recorder.RecordChunkGap(tag, s.gap_ns[i], tokens);
  }
  s.pending_gaps = 0;
}

ErrorKind Worker::Loop::Evaluate(Session& s, int status, bool* until_met) {
  const CompiledStep& step = StepOf(s);
  nlohmann::json document;
  if (step.needs_json) {
    document = nlohmann::json::parse(s.body, nullptr, false);
  }
  auto passes = [&](const CompiledCheck& check) {
    switch (check.kind) {
      case Check::Kind::kStatus:
        return status == check.status;
      case Check::Kind::kBodyContains:
        return s.body.find(check.text) != std::string::npos;
      case Check::Kind::kJsonPresent:
      case Check::Kind::kJsonEquals:
        if (document.is_discarded()) return false;
        try {
          if (!document.contains(check.pointer)) return false;
          return check.kind == Check::Kind::kJsonPresent ||
                 document.at(check.pointer) == check.expected_json;
        } catch (const nlohmann::json::exception&) {
          return false;
        }
    }
    return false;
  };
  auto status_error = [status]() {
    return status >= 500   ? ErrorKind::kHttp5xx
           : status >= 400 ? ErrorKind::kHttp4xx
                           : ErrorKind::kCheckFailed;
  };
  if (!step.has_status_check && status >= 400) return status_error();
  for (const CompiledCheck& check : step.checks) {
    if (!passes(check)) {
      return check.kind == Check::Kind::kStatus ? status_error()
                                                : ErrorKind::kCheckFailed;
    }
  }
  if (s.llm_error || s.stream_error) return ErrorKind::kProtocol;
  for (const CompiledCapture& capture : step.captures) {
    if (document.is_discarded()) return ErrorKind::kCheckFailed;
    try {
      if (!document.contains(capture.pointer)) return ErrorKind::kCheckFailed;
      const nlohmann::json& value = document.at(capture.pointer);
      std::string& storage = s.captured[capture.variable];
      storage = value.is_string() ? value.get_ref<const std::string&>()
                                  : value.dump();
      s.values[capture.variable] = storage;
    } catch (const nlohmann::json::exception&) {
      return ErrorKind::kCheckFailed;
    }
  }
  *until_met = std::all_of(step.until.begin(), step.until.end(), passes);
  return ErrorKind::kNone;
}

void Worker::Loop::CompleteExchange(Session& s, ErrorKind transport_error,
                                    bool connection_reusable) {
  const CompiledStep& step = StepOf(s);
  timers_.Cancel(s.id);
  counters.in_flight.fetch_sub(1, std::memory_order_relaxed);
  int status = 0;
  if (s.connection >= 0) {
    Connection& c = *connections_[s.connection];
    if (c.parser.headers_complete()) status = c.parser.status();
    // After the first response the session (with any TLS 1.3 ticket, which
    // arrives after the handshake) is there to be resumed.
    if (!c.reused && c.transport.tls() && transport_error == ErrorKind::kNone) {
      if (SSL_SESSION* session = c.transport.ResumableSession()) {
        SSL_SESSION_free(tls_sessions_[c.origin]);
        tls_sessions_[c.origin] = session;
      }
    }
    if (transport_error == ErrorKind::kNone && connection_reusable) {
      MakeIdle(c);
    } else {
      CloseConnection(c);
    }
    s.connection = -1;
  }
  now_ = Now();
  if (transport_error == ErrorKind::kNone && s.mode == StreamMode::kJson) {
    // A whole JSON answer has no chunks (so no TTFT or inter-token gaps),
    // but its reported usage counts like a stream's.
    const http::LlmUsage usage = http::InspectLlmResponse(s.body);
    s.reported_prompt = usage.prompt_tokens;
    s.reported_output = usage.output_tokens;
  }
  RequestSample sample;
  sample.tag = step.tag;
  sample.status = static_cast<uint16_t>(status);
  bool until_met = true;
  sample.error = transport_error != ErrorKind::kNone
                     ? transport_error
                     : Evaluate(s, status, &until_met);
  const bool last_attempt = s.attempt + 1 >= step.max_attempts;
  if (sample.error == ErrorKind::kNone && step.poll && !until_met &&
      last_attempt) {
    sample.error = ErrorKind::kCheckFailed;  // out of attempts
  }
  sample.intended_ns = s.intended_ns;
  sample.latency_ns = now_ - s.intended_ns;
  sample.service_time_ns = now_ - s.start_ns;
  sample.ttfb_ns = s.first_byte_ns < 0 ? -1 : s.first_byte_ns - s.start_ns;
  sample.first_chunk_ns = s.first_chunk_ns;
  sample.ttft_ns = s.ttft_ns;
  sample.content_chunks = s.content_chunks;
  sample.output_tokens =
      s.reported_output >= 0 ? s.reported_output : s.content_chunks;
  sample.prompt_tokens = std::max(s.reported_prompt, 0);
  sample.bytes_received = s.bytes;
  sample.met_objectives =
      sample.error == ErrorKind::kNone &&
      (plan_->latency_objective_ns == 0 ||
       sample.latency_ns <= plan_->latency_objective_ns) &&
      (plan_->ttft_objective_ns == 0 || s.first_chunk_ns < 0 ||
       (s.ttft_ns >= 0 && s.ttft_ns <= plan_->ttft_objective_ns));
  FlushGaps(s, /*at_end=*/true);
  recorder.Record(sample);
  counters.requests.fetch_add(1, std::memory_order_relaxed);
  if (sample.error != ErrorKind::kNone) {
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

  if (sample.error != ErrorKind::kNone) {
    s.flow_failed = true;
    EndIteration(s, /*counted=*/true);
    return;
  }
  if (step.poll && !until_met) {
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
                       s.pending_error != ErrorKind::kNone
                           ? s.pending_error
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

bool Worker::MergePublishedSecond(int64_t second, TimeSlot& out) const {
  std::lock_guard lock(loop_->published_mutex);
  if (loop_->published_second < second) return false;
  if (loop_->published_second == second) out.Merge(loop_->published_slot);
  return true;
}

}  // namespace loadgate::engine
