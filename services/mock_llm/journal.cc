// The bounded, locked journal of generation exchanges (journal.h).
#include "mock_llm/journal.h"

#include <nlohmann/json.hpp>
#include <utility>

#include "common/json_text.h"

namespace loadgate::services::mock_llm {

size_t JournalEntry::Bytes() const {
  size_t bytes = sizeof(JournalEntry) + api.size() + model.size() + text.size();
  for (const Message& message : messages)
    bytes += sizeof(Message) + message.role.size() + message.text.size();
  return bytes;
}

std::string_view JournalApiName(Api api) {
  if (api == Api::kOpenAiChat || api == Api::kOpenAiCompletions)
    return "openai";
  return ApiName(api);
}

void Journal::Add(JournalEntry entry, size_t capacity) {
  const size_t bytes = entry.Bytes();
  std::lock_guard<std::mutex> lock(mutex_);
  entries_.push_back(std::move(entry));
  bytes_ += bytes;
  while (!entries_.empty() &&
         (entries_.size() > capacity || bytes_ > kMaxJournalBytes)) {
    bytes_ -= entries_.front().Bytes();
    entries_.pop_front();
  }
}

std::string Journal::RenderJson() const {
  nlohmann::json exchanges = nlohmann::json::array();
  std::lock_guard<std::mutex> lock(mutex_);
  for (const JournalEntry& entry : entries_) {
    nlohmann::json messages = nlohmann::json::array();
    for (const Message& message : entry.messages)
      messages.push_back({{"role", message.role}, {"text", message.text}});
    exchanges.push_back({{"api", entry.api},
                         {"model", entry.model},
                         {"stream", entry.stream},
                         {"messages", std::move(messages)},
                         {"prompt_tokens", entry.prompt_tokens},
                         {"max_tokens", entry.max_tokens < 0
                                            ? nlohmann::json()
                                            : nlohmann::json(entry.max_tokens)},
                         {"output_tokens", entry.output_tokens},
                         {"text", entry.text},
                         {"status", entry.status}});
  }
  return services::DumpJson({{"exchanges", std::move(exchanges)}});
}

size_t Journal::Clear() {
  std::lock_guard<std::mutex> lock(mutex_);
  const size_t dropped = entries_.size();
  entries_.clear();
  bytes_ = 0;
  return dropped;
}

}  // namespace loadgate::services::mock_llm
