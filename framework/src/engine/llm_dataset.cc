// JSONL conversation datasets (llm_traffic.h): ShareGPT
// {"conversations": [{"from", "value"}]}, OpenAI {"messages": [{"role",
// "content"}]} and single prompts {"prompt", "completion"} lines turned into
// conversations of user turns, and the token lengths of one role's messages.
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/random.h"
#include "engine/token_lengths.h"
#include "loadgate/llm_traffic.h"

namespace loadgate {
namespace {

using nlohmann::json;

enum class Role { kSystem, kUser, kAssistant };

struct Message {
  Role role;
  std::string text;
};

// Where a line sits, for errors: "data.jsonl:12".
struct LineRef {
  const std::string& path;
  size_t number;

  [[noreturn]] void Expected(const std::string& what) const {
    throw std::runtime_error(path + ":" + std::to_string(number) +
                             ": expected " + what);
  }
};

// ShareGPT's speakers as the published dumps name them.
Role ShareGptRole(const json& from, const LineRef& line, size_t index) {
  const std::string name = from.is_string() ? from.get<std::string>() : "";
  if (name == "human" || name == "user") return Role::kUser;
  if (name == "gpt" || name == "assistant" || name == "chatgpt" ||
      name == "bard" || name == "bing") {
    return Role::kAssistant;
  }
  if (name == "system") return Role::kSystem;
  line.Expected("conversations[" + std::to_string(index) +
                "].from to be \"human\", \"gpt\" or \"system\", got " +
                from.dump());
}

Role OpenAiRole(const json& role, const LineRef& line, size_t index) {
  const std::string name = role.is_string() ? role.get<std::string>() : "";
  if (name == "user") return Role::kUser;
  if (name == "assistant") return Role::kAssistant;
  if (name == "system" || name == "developer") return Role::kSystem;
  line.Expected("messages[" + std::to_string(index) +
                "].role to be \"user\", \"assistant\" or \"system\", got " +
                role.dump());
}

// A content string, null (an assistant's tool call), or a list of text
// parts.
std::string OpenAiContent(const json& content, const LineRef& line,
                          size_t index) {
  const std::string where = "messages[" + std::to_string(index) + "].content";
  if (content.is_null()) return "";
  if (content.is_string()) return content.get<std::string>();
  if (!content.is_array())
    line.Expected(where + " to be a string or a list of text parts");
  std::string text;
  for (const json& part : content) {
    if (!part.is_object() || part.value("type", "") != "text" ||
        !part.contains("text") || !part["text"].is_string()) {
      line.Expected(where + " parts to be {\"type\": \"text\", \"text\": ...}");
    }
    text += part["text"].get<std::string>();
  }
  return text;
}

// A prompt dataset's line: one user turn, and the recorded completion (if
// any) whose length is the answer's.
std::vector<Message> PromptMessages(const json& object, const LineRef& line) {
  const json& prompt = object["prompt"];
  if (!prompt.is_string()) line.Expected("\"prompt\" to be a string");
  std::vector<Message> messages = {{Role::kUser, prompt.get<std::string>()}};
  if (auto completion = object.find("completion"); completion != object.end()) {
    if (!completion->is_string())
      line.Expected("\"completion\" to be a string");
    messages.push_back({Role::kAssistant, completion->get<std::string>()});
  }
  return messages;
}

std::vector<Message> ParseMessages(const json& object, const LineRef& line) {
  if (object.contains("prompt")) return PromptMessages(object, line);
  std::vector<Message> messages;
  if (auto turns = object.find("conversations"); turns != object.end()) {
    if (!turns->is_array()) line.Expected("\"conversations\" to be a list");
    for (size_t i = 0; i < turns->size(); ++i) {
      const json& turn = (*turns)[i];
      if (!turn.is_object() || !turn.contains("value") ||
          !turn["value"].is_string()) {
        line.Expected("conversations[" + std::to_string(i) +
                      "] to be {\"from\": ..., \"value\": \"text\"}");
      }
      messages.push_back({ShareGptRole(turn.value("from", json()), line, i),
                          turn["value"].get<std::string>()});
    }
    return messages;
  }
  auto list = object.find("messages");
  if (list == object.end() || !list->is_array()) {
    line.Expected(
        "{\"conversations\": [...]} (ShareGPT), {\"messages\": [...]} "
        "(OpenAI) or {\"prompt\": \"text\"}");
  }
  for (size_t i = 0; i < list->size(); ++i) {
    const json& message = (*list)[i];
    if (!message.is_object())
      line.Expected("messages[" + std::to_string(i) + "] to be an object");
    messages.push_back(
        {OpenAiRole(message.value("role", json()), line, i),
         OpenAiContent(message.value("content", json()), line, i)});
  }
  return messages;
}

// Calls `on_line` with the messages of each non-blank line of `path`, until
// it returns false.
template <typename OnLine>
void ReadDataset(const std::string& path, OnLine on_line) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot open the dataset");
  std::string text;
  for (size_t number = 1; std::getline(in, text); ++number) {
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    const LineRef line{path, number};
    const json object = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (object.is_discarded()) line.Expected("a JSON object on each line");
    if (!object.is_object()) line.Expected("a JSON object, got " + text);
    if (!on_line(ParseMessages(object, line))) return;
  }
}

// User turns with the recorded answer's length (-1: none recorded).
// Consecutive user messages make one turn, answers before the first user
// message are dropped, system messages make the system prompt.
Conversation ToConversation(const std::vector<Message>& messages,
                            std::vector<int>* answer_lengths) {
  Conversation conversation;
  bool answered = true;
  for (const Message& message : messages) {
    if (message.role == Role::kSystem) {
      if (!conversation.system.empty()) conversation.system += "\n";
      conversation.system += message.text;
    } else if (message.role == Role::kUser) {
      if (!answered) {
        conversation.turns.back().user += "\n\n" + message.text;
        continue;
      }
      conversation.turns.push_back({message.text, 0});
      answer_lengths->push_back(-1);
      answered = false;
    } else if (!conversation.turns.empty() && !answered) {
      answer_lengths->back() = engine::CountWordTokens(message.text);
      answered = true;
    }
  }
  return conversation;
}

}  // namespace

std::vector<Conversation> LoadConversations(const std::string& path,
                                            const DatasetOptions& options) {
  std::vector<Conversation> conversations;
  engine::Rng rng(options.seed);
  ReadDataset(path, [&](const std::vector<Message>& messages) {
    std::vector<int> answers;
    Conversation conversation = ToConversation(messages, &answers);
    if (conversation.turns.empty()) return true;  // nothing to send
    if (options.max_turns > 0 &&
        conversation.turns.size() > static_cast<size_t>(options.max_turns)) {
      conversation.turns.resize(static_cast<size_t>(options.max_turns));
    }
    for (size_t i = 0; i < conversation.turns.size(); ++i) {
      const bool recorded = options.output_tokens_from_dataset &&
                            answers[i] > 0;  // an empty answer says nothing
      conversation.turns[i].max_output_tokens =
          recorded ? answers[i]
                   : engine::SampleTokenLength(options.output_tokens, rng);
    }
    conversations.push_back(std::move(conversation));
    return options.max_conversations == 0 ||
           conversations.size() < options.max_conversations;
  });
  if (conversations.empty())
    throw std::runtime_error(path + ": no conversation with a user message");
  return conversations;
}

std::vector<int> DatasetTokenLengths(const std::string& path,
                                     const std::string& role) {
  if (role != "user" && role != "assistant") {
    throw std::invalid_argument(
        "dataset role: expected \"user\" or "
        "\"assistant\", got \"" +
        role + "\"");
  }
  const Role wanted = role == "user" ? Role::kUser : Role::kAssistant;
  std::vector<int> lengths;
  ReadDataset(path, [&](const std::vector<Message>& messages) {
    for (const Message& message : messages) {
      const int tokens = engine::CountWordTokens(message.text);
      if (message.role == wanted && tokens > 0) lengths.push_back(tokens);
    }
    return true;
  });
  if (lengths.empty()) {
    throw std::runtime_error(path + ": no " + role + " message with any text");
  }
  return lengths;
}

}  // namespace loadgate
