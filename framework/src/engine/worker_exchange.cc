// One exchange of a Worker's session: the request built from the step's
// templates (an LLM turn's body from its conversation) and sent on a pooled
// connection (connecting, with TLS, when none is idle), and the response
// read as it arrives, its body streamed into the meter and, where the step
// needs it, kept for the checks; an LLM turn's answer text is collected.
#include <span>

#include "engine/llm_body.h"
#include "engine/worker_loop.h"
#include "http/llm_text.h"
#include "http/request_writer.h"

namespace loadgate::engine {

void Worker::Loop::Dispatch(Session& s, bool fresh_connection) {
  const CompiledStep& step = StepOf(s);
  Connection& c = pool_.Acquire(step.origin, fresh_connection);
  c.session = s.id;
  s.exchange.connection = c.slot;
  BuildRequest(c, s);
  c.parser.Reset(step.head);
  const bool outer_dispatch = dispatching_;  // a retry dispatches again
  dispatching_ = true;
  if (c.state == ConnectionState::kIdle) {
    StartSending(c);
  } else if (!StartConnect(c)) {
    Fail(c, ErrorKind::kConnect);
  }
  dispatching_ = outer_dispatch;
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
  if (s.conversation != nullptr) {
    body_.clear();
    AppendLlmBody(*plan_->flows[s.flow].llm, *s.conversation, s.turn, s.answers,
                  body_);
    body = body_;
  } else if (step.body.is_literal()) {
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

bool Worker::Loop::StartConnect(Connection& c) {
  const Io io = pool_.Connect(c);
  if (io == Io::kError) return false;
  if (io == Io::kDone) OnConnected(c);
  return true;
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
    case ConnectionState::kHandshaking:
      ContinueHandshake(c);
      return;
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
      if (io != Io::kWouldBlock) pool_.Close(c);
      return;
    }
    case ConnectionState::kClosed:
      return;
  }
}

void Worker::Loop::OnConnectFailure(Connection& c) {
  // The origin's next address, if any, gets a try.
  if (pool_.NextAddress(c) && StartConnect(c)) return;
  Fail(c, ErrorKind::kConnect);
}

void Worker::Loop::OnConnected(Connection& c) {
  if (!pool_.Established(c)) {
    Fail(c, ErrorKind::kConnect);
    return;
  }
  if (plan_->origins[c.origin].tls) {
    c.state = ConnectionState::kHandshaking;
    ContinueHandshake(c);
    return;
  }
  StartSending(c);
}

void Worker::Loop::ContinueHandshake(Connection& c) {
  const Io io = c.transport.Handshake();
  if (io == Io::kWouldBlock) return;
  if (io != Io::kDone) {
    Fail(c, ErrorKind::kConnect);
    return;
  }
  StartSending(c);
}

void Worker::Loop::StartSending(Connection& c) {
  c.state = ConnectionState::kSending;
  Flush(c);
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
  Exchange& exchange = s.exchange;
  char* buffer = read_buffer_.data();
  while (true) {
    size_t moved = 0;
    const Io io = c.transport.Read(buffer, read_buffer_.size(), &moved);
    if (io == Io::kWouldBlock) return;
    if (io == Io::kError || (io == Io::kEof && exchange.bytes == 0)) {
      OnTransportFailure(c);
      return;
    }
    if (io == Io::kEof) {
      // Malformed bytes already ended the exchange in Feed, so a response
      // that is not complete here was cut short by the close.
      const bool complete = c.parser.FinishOnEof(&s.sink) ==
                            http::ResponseParser::Status::kComplete;
      CompleteExchange(s,
                       exchange.body_error != ErrorKind::kNone
                           ? exchange.body_error
                       : complete ? ErrorKind::kNone
                                  : ErrorKind::kConnectionLost,
                       false);
      return;
    }
    now_ = Now();
    if (exchange.first_byte_ns < 0) exchange.first_byte_ns = now_;
    exchange.bytes += moved;
    size_t consumed = 0;
    const auto status =
        c.parser.Feed(std::string_view(buffer, moved), &consumed, &s.sink);
    if (exchange.body_error != ErrorKind::kNone) {
      CompleteExchange(s, exchange.body_error, false);
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
  if (c.reused && s.exchange.bytes == 0 && !s.exchange.retried) {
    s.exchange.retried = true;
    c.session = -1;
    pool_.Close(c);
    Dispatch(s, /*fresh_connection=*/true);
    return;
  }
  Fail(c, ErrorKind::kConnectionLost);
}

void Worker::Loop::Fail(Connection& c, ErrorKind error) {
  Session& s = *sessions_[c.session];
  // Failures found while dispatching are reported on the next loop turn, so
  // a dead server cannot recurse through back-to-back iterations.
  if (dispatching_) {
    s.exchange.connection = -1;
    pool_.Close(c);
    FailLater(s, error);
  } else {
    CompleteExchange(s, error, false);
  }
}

void Worker::Loop::FailLater(Session& s, ErrorKind error) {
  s.exchange.pending_error = error;
  timers_.Set(s.id, now_);
}

void Worker::Loop::OnBody(Session& s, std::string_view bytes) {
  Exchange& exchange = s.exchange;
  if (exchange.body_error != ErrorKind::kNone) return;
  const CompiledStep& step = StepOf(s);
  if (exchange.mode == StreamMode::kUndecided) {
    const http::ResponseParser& parser = pool_[exchange.connection].parser;
    exchange.mode = ChooseStreamMode(step.stream, parser.content_type(),
                                     parser.content_length());
    if (exchange.mode == StreamMode::kSse) s.sse.Reset(step.max_buffered_bytes);
    if (exchange.mode == StreamMode::kJsonArray) {
      s.json_array.Reset(step.max_buffered_bytes);
    }
  }
  // An LLM turn's answer that is not streamed is read from the whole body.
  const bool keep_whole =
      step.needs_body ||
      (step.llm_answer && exchange.mode != StreamMode::kSse &&
       exchange.mode != StreamMode::kJsonArray);
  if (exchange.mode == StreamMode::kJson &&
      s.body.size() + bytes.size() >
          std::min(kMaxUsageBodyBytes, step.max_buffered_bytes)) {
    exchange.mode = StreamMode::kPlain;  // too big to inspect: no usage
    if (!keep_whole) s.body.clear();
  }
  if (keep_whole && s.body.size() + bytes.size() > step.max_buffered_bytes) {
    // The checks (or the answer) need all of it.
    exchange.body_error = ErrorKind::kResponseTooLarge;
    return;
  }
  if (keep_whole || exchange.mode == StreamMode::kJson) {
    s.body.append(bytes);
  }
  if (exchange.mode == StreamMode::kSse) {
    if (!s.sse.Feed(bytes, s.sink)) {
      exchange.body_error = ErrorKind::kResponseTooLarge;
    }
  } else if (exchange.mode == StreamMode::kJsonArray &&
             !exchange.stream_error && !s.json_array.Feed(bytes, s.sink)) {
    if (s.json_array.too_large()) {
      exchange.body_error = ErrorKind::kResponseTooLarge;
    } else {
      exchange.stream_error = true;
    }
  }
}

void Worker::Loop::OnChunk(Session& s, const http::LlmChunk& chunk) {
  StreamFigures& stream = s.exchange.stream;
  const int64_t gap_ns = stream.Count(chunk, now_ - s.exchange.start_ns, now_);
  if (gap_ns < 0) return;
  if (s.gaps.full()) {
    s.gaps.Flush(recorder, StepOf(s).tag, stream, /*at_end=*/false);
  }
  s.gaps.Add(gap_ns, chunk.content_chars);
}

void Worker::Loop::OnAnswerChunk(Session& s, std::string_view json) {
  if (s.conversation == nullptr || s.exchange.body_error != ErrorKind::kNone) {
    return;
  }
  if (!CollectAnswer(s, json)) {
    s.exchange.body_error = ErrorKind::kResponseTooLarge;
  }
}

bool Worker::Loop::CollectAnswer(Session& s, std::string_view json) {
  return http::AppendLlmAnswerText(json, StepOf(s).max_buffered_bytes,
                                   s.answers[s.turn]);
}

}  // namespace loadgate::engine
