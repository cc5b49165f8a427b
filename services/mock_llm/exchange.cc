// The pacing of one generation request (exchange.h): timers on the
// worker's event loop, the whole or streamed reply, injected faults.
#include "mock_llm/exchange.h"

#include <event2/event.h>
#include <time.h>

#include <algorithm>
#include <cstdio>

namespace loadgate::services::mock_llm {
namespace {

timeval DelayUntil(int64_t deadline_ns) {
  // Rounded up: a timer must never fire before its deadline.
  const int64_t delay_us =
      std::max<int64_t>(0, (deadline_ns - MonotonicNs() + 999) / 1000);
  return timeval{static_cast<time_t>(delay_us / 1000000),
                 static_cast<suseconds_t>(delay_us % 1000000)};
}

}  // namespace

int64_t MonotonicNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

Exchange*& Exchange::ThreadList() {
  thread_local Exchange* head = nullptr;
  return head;
}

void Exchange::Link() {
  Exchange*& head = ThreadList();
  next = head;
  if (head != nullptr) head->prev = this;
  head = this;
}

void Exchange::Unlink() {
  Exchange*& head = ThreadList();
  if (prev != nullptr) prev->next = next;
  if (next != nullptr) next->prev = prev;
  if (head == this) head = next;
}

// Ends the exchange: records the outcome and frees the state. The
// request must have been answered, handed to libevent, or be gone.
void Exchange::Finish(int status) {
  // Before the in-flight count drops, so that a client that saw the server
  // drain finds every exchange in the journal.
  RecordInJournal(status);
  Metrics& metrics = server->metrics_;
  metrics.RequestDone(ApiName(api), model, status);
  metrics.TokensGenerated(tokens_sent);
  metrics.in_flight().fetch_sub(1);
  if (stream && headers_ns != 0) metrics.StreamEnded();
  event_del(&timer);
  Unlink();
  delete this;
}

void Exchange::RecordInJournal(int status) {
  if (!journal) return;
  journal->output_tokens = tokens_sent;
  journal->status = status;
  server->journal_.Add(std::move(*journal),
                       static_cast<size_t>(config->journal));
  journal.reset();
}

void Exchange::Arm(int64_t deadline) {
  deadline_ns = deadline;
  timeval delay = DelayUntil(deadline);
  event_add(&timer, &delay);
}

int64_t Exchange::ChunkDeadline(int index) const {
  return start_ns + static_cast<int64_t>(plan.ChunkOffsetMs(index) * 1e6);
}

void Exchange::OnClientGone(void* arg) {
  auto* exchange = static_cast<Exchange*>(arg);
  exchange->request = nullptr;
  // 499: the client closed the request (nginx's convention).
  exchange->Finish(499);
}

void Exchange::OnTimer(evutil_socket_t, short, void* arg) {
  auto* exchange = static_cast<Exchange*>(arg);
  // libevent's clock may run a few microseconds ahead of ours; the plan
  // promises "never early".
  if (MonotonicNs() < exchange->deadline_ns) {
    exchange->Arm(exchange->deadline_ns);
    return;
  }
  exchange->Step();
}

void Exchange::Step() {
  if (plan.fault == Fault::kHang) {
    services::UnwatchClient(&watch);
    services::Disconnect(request);
    Finish(0);
  } else if (!stream) {
    ReplyWhole();
  } else if (headers_ns == 0) {
    StartStream();
  } else {
    SendNextChunk();
  }
}

void Exchange::AppendNextTokens(std::string* text) {
  const size_t before = text->size();
  for (int i = 0; i < plan.tokens_per_chunk && tokens_sent < plan.output_tokens;
       ++i) {
    if (!tokens.Next(text)) break;
    ++tokens_sent;
  }
  if (journal) journal->text.append(*text, before);
}

void Exchange::ReplyWhole() {
  services::UnwatchClient(&watch);
  if (plan.fault == Fault::kDisconnect) {
    services::Disconnect(request);
    Finish(0);
    return;
  }
  if (plan.fault == Fault::kStreamError) {
    const std::string body = ErrorBody(api, 500, "mock-llm: injected error");
    services::SendResponse(request, 500, "application/json", body);
    Finish(500);
    return;
  }
  std::string text;
  while (tokens_sent < plan.output_tokens) {
    const int before = tokens_sent;
    AppendNextTokens(&text);
    if (tokens_sent == before) break;
  }
  const std::string body =
      FullResponse(context, text, tokens_sent, plan.hit_limit);
  char actual[64];
  std::snprintf(actual, sizeof(actual), "total_us=%lld",
                static_cast<long long>((MonotonicNs() - start_ns) / 1000));
  services::AddResponseHeader(request, "x-mock-llm-actual", actual);
  RecordInJournal(200);
  services::SendResponse(request, 200, "application/json", body);
  Finish(200);
}

void Exchange::StartStream() {
  headers_ns = MonotonicNs();
  server->metrics_.StreamStarted();
  services::StartChunked(request, 200,
                         context.framing == Framing::kSse ? "text/event-stream"
                                                          : "application/json");
  thread_local std::string out;
  out.clear();
  AppendStreamOpen(context, &out);
  services::SendChunk(request, out);
  emit_us.reserve(plan.chunks);
  Arm(ChunkDeadline(0));
}

void Exchange::SendNextChunk() {
  // A client that does not read holds back only its own stream, and the
  // server buffers at most this much for it.
  constexpr size_t kMaxPendingBytes = 64 * 1024;
  if (services::PendingOutputBytes(request) > kMaxPendingBytes) {
    Arm(MonotonicNs() + 5'000'000);
    return;
  }
  thread_local std::string out;
  thread_local std::string text;
  out.clear();
  text.clear();
  const int64_t now = MonotonicNs();
  if (chunks_sent == 0) {
    server->metrics_.FirstToken(static_cast<double>(now - start_ns) * 1e-9);
  }
  if (chunks_sent == plan.fault_chunk && plan.fault == Fault::kStreamError) {
    AppendStreamError(context, 500, "mock-llm: injected stream error", &out);
    services::UnwatchClient(&watch);
    services::SendChunk(request, out);
    services::EndChunked(request);
    Finish(500);
    return;
  }
  AppendNextTokens(&text);
  const bool last =
      chunks_sent + 1 >= plan.chunks || tokens_sent >= plan.output_tokens;
  AppendStreamChunk(context, text, tokens_sent, last, plan.hit_limit, &out);
  emit_us.push_back(static_cast<uint32_t>((now - start_ns) / 1000));
  ++chunks_sent;
  if (chunks_sent - 1 == plan.fault_chunk && plan.fault == Fault::kDisconnect) {
    // Half an event, then the connection closes.
    services::UnwatchClient(&watch);
    services::SendChunkThenDisconnect(
        request,
        std::string_view(out).substr(0, std::max<size_t>(1, out.size() / 2)));
    Finish(0);
    return;
  }
  if (!last) {
    services::SendChunk(request, out);
    Arm(ChunkDeadline(chunks_sent));
    return;
  }
  AppendStreamClose(context, tokens_sent, plan.hit_limit, &out);
  AppendActualTimes(&out);
  services::UnwatchClient(&watch);
  RecordInJournal(200);
  services::SendChunk(request, out);
  services::EndChunked(request);
  Finish(200);
}

// The ground truth for a load generator: when the headers and each chunk
// actually left, as an SSE comment clients ignore.
void Exchange::AppendActualTimes(std::string* out) {
  std::string text = "mock-llm-actual headers_us=";
  text += std::to_string((headers_ns - start_ns) / 1000);
  text += " emit_us=";
  for (size_t i = 0; i < emit_us.size(); ++i) {
    if (i > 0) text.push_back(',');
    text += std::to_string(emit_us[i]);
  }
  AppendSseComment(context, text, out);
}

}  // namespace loadgate::services::mock_llm
