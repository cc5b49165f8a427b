// The journal of the mock LLM: the last N generation exchanges as the
// client sent them and as the mock answered, so that a test can check what
// a load generator really sent (for example the history of a multi-turn
// conversation). Off unless Config::journal > 0; served by
// GET/DELETE /admin/journal (server.cc).
#ifndef SERVICES_MOCK_LLM_JOURNAL_H_
#define SERVICES_MOCK_LLM_JOURNAL_H_

#include <cstddef>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "mock_llm/protocol.h"

namespace loadgate::services::mock_llm {

// Besides Config::journal entries (at most kMaxJournalEntries), the
// journal keeps at most this many bytes of text, dropping the oldest.
inline constexpr size_t kMaxJournalBytes = size_t{256} << 20;

// One finished generation exchange.
struct JournalEntry {
  std::string api;  // "openai", "gemini", "vertex", "anthropic"
  std::string model;
  bool stream = false;
  std::vector<Message> messages;  // as the client sent them
  int prompt_tokens = 0;
  int max_tokens = -1;  // -1: the request set no limit
  int output_tokens = 0;
  std::string text;  // the answer text actually sent
  int status = 0;    // 200, 499 (client gone), 500, 0 (no answer)

  size_t Bytes() const;
};

// "openai" for both OpenAI generation APIs; else ApiName(api).
std::string_view JournalApiName(Api api);

// Thread-safe: the event-loop threads add, the admin API reads and clears.
// One short lock per finished exchange.
class Journal {
 public:
  // Appends `entry`, then drops the oldest entries beyond `capacity` or
  // kMaxJournalBytes.
  void Add(JournalEntry entry, size_t capacity);
  // {"exchanges": [...]}, oldest first.
  std::string RenderJson() const;
  // Returns how many entries were dropped.
  size_t Clear();

 private:
  mutable std::mutex mutex_;
  std::deque<JournalEntry> entries_;
  size_t bytes_ = 0;
};

}  // namespace loadgate::services::mock_llm

#endif  // SERVICES_MOCK_LLM_JOURNAL_H_
