// One generation request held across event-loop turns: the plan it
// follows, the timer that paces it, and how it replies (whole, streamed,
// or by a fault). Private to the mock LLM server (server.cc).
#ifndef SERVICES_MOCK_LLM_EXCHANGE_H_
#define SERVICES_MOCK_LLM_EXCHANGE_H_

#include <event2/event_struct.h>
#include <event2/util.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/http_util.h"
#include "mock_llm/config.h"
#include "mock_llm/journal.h"
#include "mock_llm/plan.h"
#include "mock_llm/protocol.h"
#include "mock_llm/server.h"
#include "mock_llm/text.h"

struct evhttp_request;

namespace loadgate::services::mock_llm {

// CLOCK_MONOTONIC in nanoseconds: the clock of plans, timers and the
// reported emit times.
int64_t MonotonicNs();

// One generation request from acceptance to its last byte. Lives on its
// worker's thread; its memory is bounded (the emit-time log grows by four
// bytes per chunk, and an echo keeps a copy of the prompt).
struct Exchange {
  MockLlmServer* server = nullptr;
  evhttp_request* request = nullptr;  // null once the client is gone
  services::ClientWatch watch;
  event timer;
  std::shared_ptr<const Config> config;  // keeps canned texts alive
  Api api = Api::kGemini;
  bool stream = false;
  std::string model;
  ResponseContext context;
  std::string echo_text;
  TokenSource tokens = TokenSource::Generated(0);
  Plan plan;
  int64_t start_ns = 0;
  int64_t headers_ns = 0;
  int64_t deadline_ns = 0;  // of the armed timer
  int chunks_sent = 0;
  int tokens_sent = 0;
  std::vector<uint32_t> emit_us;  // actual chunk offsets from the request
  // Set when the journal is on: filled as text is sent, added on Finish.
  std::unique_ptr<JournalEntry> journal;
  Exchange* prev = nullptr;
  Exchange* next = nullptr;

  // The exchanges open on this thread, so that a stopping worker can
  // release them.
  static Exchange*& ThreadList();
  void Link();
  void Unlink();
  // Ends the exchange: records the outcome and frees the state. The
  // request must have been answered, handed to libevent, or be gone.
  void Finish(int status);
  // Adds the exchange to the journal, once, when it is on. A complete
  // answer is recorded before its last bytes leave, so a client that has
  // its answer finds it in the journal.
  void RecordInJournal(int status);
  // Sets the timer for `deadline` (monotonic ns); it never fires early.
  void Arm(int64_t deadline);
  int64_t ChunkDeadline(int index) const;
  static void OnClientGone(void* arg);
  static void OnTimer(evutil_socket_t, short, void* arg);
  // What the timer does next: hang up, reply whole, open or continue the
  // stream.
  void Step();
  void AppendNextTokens(std::string* text);
  void ReplyWhole();
  void StartStream();
  void SendNextChunk();
  // The ground truth for a load generator: when the headers and each chunk
  // actually left, as an SSE comment clients ignore.
  void AppendActualTimes(std::string* out);
};

}  // namespace loadgate::services::mock_llm

#endif  // SERVICES_MOCK_LLM_EXCHANGE_H_
