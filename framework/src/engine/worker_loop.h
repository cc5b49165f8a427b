// The inside of a Worker (worker.h): its event loop, sessions and
// exchanges. Private to the engine; worker.cc holds the loop, the
// scheduling and the life of an iteration, worker_exchange.cc sending a
// request and reading its response over a pooled connection,
// worker_publication.cc what the worker hands the supervisor once a second.
//
// A session is one in-flight iteration (open model) or one user (closed
// model). Each step of its flow is an exchange: a request sent on a
// connection and its response read, metered and judged.
#ifndef LOADGATE_ENGINE_WORKER_LOOP_H_
#define LOADGATE_ENGINE_WORKER_LOOP_H_

#include <sys/epoll.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/connection_pool.h"
#include "engine/response_checks.h"
#include "engine/stream_meter.h"
#include "engine/timer_heap.h"
#include "engine/worker.h"
#include "http/json_array_stream.h"
#include "http/response_parser.h"
#include "http/sse_parser.h"

namespace loadgate::engine {

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
  // Guarded by published_mutex; filled only once EnableTagPublication()
  // sized them: the recorder's tags as of the last publication, and each
  // one's activity then (see Worker::AddPublishedActivity).
  std::vector<TagStats> published_tags;
  std::vector<uint64_t> published_activity;

 private:
  enum class SessionState {
    kFree,           // open model: available for an arrival
    kThinking,       // closed model: waiting to start the next iteration
    kWaitingToSend,  // the current step is scheduled for later
    kInFlight,       // a request is outstanding (timer = its timeout)
    kDone,           // closed model: this user has finished
  };

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
      const http::LlmChunk chunk = InspectStreamData(data);
      loop->OnChunk(*session, chunk);
      if (chunk.content_chars > 0) loop->OnAnswerChunk(*session, data);
    }
    void OnElement(std::string_view json) override {
      const http::LlmChunk chunk = http::InspectLlmChunk(json);
      loop->OnChunk(*session, chunk);
      if (chunk.content_chars > 0) loop->OnAnswerChunk(*session, json);
    }
  };

  // What the current exchange has seen so far. Reset by assignment when a
  // request is sent; the buffers an exchange fills (the body, the stream
  // parsers, the chunk gaps) live beside it in the Session and are cleared
  // instead, so their capacity is reused.
  struct Exchange {
    int64_t start_ns = 0;  // the actual send
    int connection = -1;   // the pool slot carrying it, -1 for none
    bool retried = false;  // sent again on a fresh connection
    ErrorKind pending_error = ErrorKind::kNone;  // failure to report next turn
    // Set while reading the body when the response must end now (e.g. a
    // part too large to hold): the exchange fails with this kind.
    ErrorKind body_error = ErrorKind::kNone;
    int64_t first_byte_ns = -1;
    uint64_t bytes = 0;
    StreamMode mode = StreamMode::kUndecided;
    bool stream_error = false;  // a streamed JSON array that is not JSON
    StreamFigures stream;
  };

  struct Session {
    int id = 0;
    SessionState state = SessionState::kFree;
    Sink sink;
    // The iteration.
    int flow = 0;
    int step = 0;
    int attempt = 0;  // poll attempts made for the current step
    bool flow_failed = false;
    int64_t flow_start_ns = 0;
    int64_t iterations_done = 0;           // closed model
    std::vector<std::string_view> values;  // per variable slot
    std::vector<std::string> captured;     // storage for captured values
    int64_t intended_ns = 0;               // of the current step
    // An LLM flow's conversation, its current turn, and the answer text
    // received for each turn so far (strings reused from one conversation
    // to the next, so they allocate only to grow).
    const Conversation* conversation = nullptr;
    int turn = 0;
    std::vector<std::string> answers;
    Exchange exchange;
    // The body, when the step's checks or captures need it, while it is
    // kept for its usage (StreamMode::kJson), or when it holds an LLM
    // turn's whole (not streamed) answer.
    std::string body;
    http::SseParser sse;
    http::JsonArrayStreamParser json_array;
    ChunkGaps gaps;
  };

  int64_t Now() const { return MonotonicNs() - control_->start_monotonic_ns; }
  const CompiledStep& StepOf(const Session& s) const {
    return plan_->flows[s.flow].steps[s.step];
  }

  // Scheduling (worker.cc).
  void DispatchEvents(const epoll_event* events, int count);
  void ProcessDue();
  int64_t NextDue() const;
  void ArmTimer(int64_t due);
  void StartDueArrivals();
  void OnLoadEnd();
  bool Finished() const;
  void PublishSeconds();
  void PublishTags();
  void CopyChangedTags();  // with published_mutex held

  // Iterations and steps (worker.cc).
  Session& NewSession();
  void StartIteration(Session& s, int64_t intended_ns);
  // Binds the iteration's data rows (and an LLM flow's conversation).
  void TakeSequencedItems(Session& s);
  void ScheduleStep(Session& s, int64_t intended_ns);
  void SendStep(Session& s);
  void OnTimer(Session& s);
  // Ends the exchange: the connection released, the response judged and
  // recorded, and the iteration moved on.
  void CompleteExchange(Session& s, ErrorKind transport_error,
                        bool connection_reusable);
  int ReleaseConnection(Session& s, ErrorKind transport_error,
                        bool connection_reusable);
  ResponseVerdict Judge(Session& s, int status, ErrorKind transport_error);
  void RecordExchange(Session& s, int status, ErrorKind error);
  void NextStep(Session& s, const ResponseVerdict& verdict);
  // After an LLM turn's answer: the next turn after the think time, or the
  // conversation's end.
  void NextTurn(Session& s);
  void EndIteration(Session& s, bool counted);
  void ReleaseSession(Session& s);
  // When the run is abandoned: settles every request still open (timeout)
  // and every arrival still queued (not_sent), so none goes unreported.
  void SettleOpenWork();
  void RecordUnsentArrivals();

  // Exchanges over connections (worker_exchange.cc).
  void Dispatch(Session& s, bool fresh_connection);
  void BuildRequest(Connection& c, Session& s);
  // Starts connecting `c` and, when it connects at once, goes on with it.
  // False when no address of the origin took the connection.
  bool StartConnect(Connection& c);
  void OnConnectionEvent(Connection& c, uint32_t events);
  void OnConnectFailure(Connection& c);
  void OnConnected(Connection& c);
  void ContinueHandshake(Connection& c);
  void StartSending(Connection& c);
  void Flush(Connection& c);
  void ReadResponse(Connection& c);
  void OnTransportFailure(Connection& c);
  // Ends the connection's exchange with `error` (deferred while dispatching).
  void Fail(Connection& c, ErrorKind error);
  void FailLater(Session& s, ErrorKind error);
  void OnBody(Session& s, std::string_view bytes);
  void OnChunk(Session& s, const http::LlmChunk& chunk);
  // A streamed chunk with content: its text joins an LLM turn's answer.
  void OnAnswerChunk(Session& s, std::string_view json);
  // Appends answer text out of `json` (llm_text.h) to the current turn's
  // answer; false (and the exchange failing as response_too_large) when the
  // answer outgrows the step's max_buffered_bytes.
  bool CollectAnswer(Session& s, std::string_view json);

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
  ConnectionPool pool_;

  // Scratch space for building requests and reading responses.
  std::string target_;
  std::string body_;
  std::vector<std::pair<std::string, std::string>> headers_;
  std::vector<char> read_buffer_;
};

}  // namespace loadgate::engine

#endif  // LOADGATE_ENGINE_WORKER_LOOP_H_
