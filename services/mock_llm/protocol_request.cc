// Request parsing of each provider's wire format (protocol.h): the prompt,
// the token limit, the model and streaming choice carried in the body, and
// embeddings inputs (every failure is a message for a 400), and the
// messages with their roles for the journal.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/json_text.h"
#include "mock_llm/protocol.h"

namespace loadgate::services::mock_llm {
namespace {

using nlohmann::json;

// Text of a content value: a string, or an array of parts with "text".
Status AppendContentText(const json& content, std::string* out) {
  if (content.is_null()) return Status::Ok();
  if (content.is_string()) {
    out->append(content.get_ref<const std::string&>());
    return Status::Ok();
  }
  if (!content.is_array())
    return Status::Error("content must be a string or an array of parts");
  for (const json& part : content) {
    if (!part.is_object())
      return Status::Error("each content part must be an object");
    auto text = part.find("text");
    if (text != part.end()) {
      if (!text->is_string())
        return Status::Error("part.text must be a string");
      out->append(text->get_ref<const std::string&>());
    }
  }
  return Status::Ok();
}

Status ReadMaxTokens(const json& body, const char* key, int* out) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return Status::Ok();
  if (!it->is_number_integer() || it->get<int64_t>() < 1)
    return Status::Error(std::string(key) + " must be a positive integer");
  *out = static_cast<int>(std::min<int64_t>(it->get<int64_t>(), 1 << 20));
  return Status::Ok();
}

Status ReadModel(const json& body, Route* route) {
  auto it = body.find("model");
  if (it == body.end() || !it->is_string() || it->get<std::string>().empty())
    return Status::Error("you must provide a model parameter");
  route->model = it->get<std::string>();
  return Status::Ok();
}

Status ReadStream(const json& body, Route* route) {
  auto it = body.find("stream");
  if (it == body.end() || it->is_null()) return Status::Ok();
  if (!it->is_boolean()) return Status::Error("stream must be a boolean");
  route->stream = it->get<bool>();
  return Status::Ok();
}

// The model and the streaming choice, which the OpenAI and Anthropic APIs
// carry in the body.
Status ReadModelAndStream(const json& body, Route* route) {
  if (Status model = ReadModel(body, route); !model.ok()) return model;
  return ReadStream(body, route);
}

// stream_options.include_usage of the OpenAI APIs.
Status ReadIncludeUsage(const json& body, GenerationRequest* request) {
  auto options = body.find("stream_options");
  if (options == body.end() || !options->is_object()) return Status::Ok();
  auto include = options->find("include_usage");
  if (include == options->end() || include->is_null()) return Status::Ok();
  if (!include->is_boolean())
    return Status::Error("stream_options.include_usage must be a boolean");
  request->include_usage = include->get<bool>();
  return Status::Ok();
}

Status ParseGoogleContents(const json& contents, GenerationRequest* request) {
  if (!contents.is_array() || contents.empty())
    return Status::Error("contents is not specified");
  for (const json& content : contents) {
    if (!content.is_object())
      return Status::Error("each of contents must be an object");
    auto parts = content.find("parts");
    if (parts == content.end() || !parts->is_array())
      return Status::Error("contents.parts must be an array");
    if (!request->prompt.empty()) request->prompt.push_back('\n');
    if (Status text = AppendContentText(*parts, &request->prompt); !text.ok())
      return text;
  }
  return Status::Ok();
}

Status ParseGoogle(const Route& route, const json& body,
                   GenerationRequest* request) {
  if (route.action == Action::kCountTokens) {
    auto nested = body.find("generateContentRequest");
    const json& source =
        nested != body.end() && nested->is_object() ? *nested : body;
    auto contents = source.find("contents");
    if (contents == source.end())
      return Status::Error("contents is not specified");
    return ParseGoogleContents(*contents, request);
  }
  auto contents = body.find("contents");
  if (contents == body.end()) return Status::Error("contents is not specified");
  if (auto system = body.find("systemInstruction"); system != body.end()) {
    if (!system->is_object() || !system->contains("parts"))
      return Status::Error("systemInstruction must have parts");
    Status text = AppendContentText((*system)["parts"], &request->prompt);
    if (!text.ok()) return text;
  }
  if (Status parsed = ParseGoogleContents(*contents, request); !parsed.ok())
    return parsed;
  if (auto config = body.find("generationConfig"); config != body.end()) {
    if (!config->is_object())
      return Status::Error("generationConfig must be an object");
    return ReadMaxTokens(*config, "maxOutputTokens", &request->max_tokens);
  }
  return Status::Ok();
}

Status ParseMessages(const json& body, GenerationRequest* request) {
  auto messages = body.find("messages");
  if (messages == body.end() || !messages->is_array() || messages->empty())
    return Status::Error("messages must be a non-empty array");
  for (const json& message : *messages) {
    if (!message.is_object() || !message.contains("role") ||
        !message["role"].is_string()) {
      return Status::Error("each message must be an object with a role");
    }
    if (!request->prompt.empty()) request->prompt.push_back('\n');
    auto content = message.find("content");
    if (content == message.end()) continue;
    if (Status text = AppendContentText(*content, &request->prompt); !text.ok())
      return text;
  }
  return Status::Ok();
}

Status ParseOpenAiChat(Route* route, const json& body,
                       GenerationRequest* request) {
  if (Status head = ReadModelAndStream(body, route); !head.ok()) return head;
  if (Status messages = ParseMessages(body, request); !messages.ok())
    return messages;
  for (const char* key : {"max_tokens", "max_completion_tokens"}) {
    if (Status limit = ReadMaxTokens(body, key, &request->max_tokens);
        !limit.ok()) {
      return limit;
    }
  }
  return ReadIncludeUsage(body, request);
}

// A prompt string, or an array of them joined by newlines.
Status ReadCompletionPrompt(const json& body, GenerationRequest* request) {
  auto prompt = body.find("prompt");
  if (prompt == body.end())
    return Status::Error("you must provide a prompt parameter");
  const Status not_text =
      Status::Error("prompt must be a string or an array of strings");
  if (prompt->is_string()) {
    request->prompt = prompt->get<std::string>();
    return Status::Ok();
  }
  if (!prompt->is_array()) return not_text;
  for (const json& item : *prompt) {
    if (!item.is_string()) return not_text;
    if (!request->prompt.empty()) request->prompt.push_back('\n');
    request->prompt += item.get<std::string>();
  }
  return Status::Ok();
}

Status ParseOpenAiCompletions(Route* route, const json& body,
                              GenerationRequest* request) {
  if (Status head = ReadModelAndStream(body, route); !head.ok()) return head;
  if (Status limit = ReadMaxTokens(body, "max_tokens", &request->max_tokens);
      !limit.ok()) {
    return limit;
  }
  if (Status prompt = ReadCompletionPrompt(body, request); !prompt.ok())
    return prompt;
  return ReadIncludeUsage(body, request);
}

Status ReadEmbeddingInputs(const json& body, GenerationRequest* request) {
  auto input = body.find("input");
  if (input == body.end())
    return Status::Error("you must provide an input parameter");
  if (input->is_string()) {
    request->inputs.push_back(input->get<std::string>());
    return Status::Ok();
  }
  if (!input->is_array() || input->empty())
    return Status::Error("input must be a string or a non-empty array");
  if (input->size() > kMaxEmbeddingInputs) {
    return Status::Error("input must have at most " +
                         std::to_string(kMaxEmbeddingInputs) + " items");
  }
  for (const json& item : *input) {
    // Token arrays are embedded by their JSON text.
    request->inputs.push_back(item.is_string() ? item.get<std::string>()
                                               : DumpJson(item));
  }
  return Status::Ok();
}

Status ParseOpenAiEmbeddings(Route* route, const json& body,
                             GenerationRequest* request) {
  if (Status model = ReadModel(body, route); !model.ok()) return model;
  if (Status inputs = ReadEmbeddingInputs(body, request); !inputs.ok())
    return inputs;
  auto encoding = body.find("encoding_format");
  const std::string format =
      encoding == body.end() || encoding->is_null() ? "float"
      : encoding->is_string() ? encoding->get<std::string>()
                              : "";
  if (format != "float" && format != "base64")
    return Status::Error("encoding_format must be float or base64");
  request->base64 = format == "base64";
  if (auto dims = body.find("dimensions"); dims != body.end()) {
    if (!dims->is_number_integer() || dims->get<int64_t>() < 1 ||
        dims->get<int64_t>() > 8192) {
      return Status::Error("dimensions must be an integer in [1, 8192]");
    }
    request->dimensions = dims->get<int>();
  }
  for (const std::string& text : request->inputs) {
    if (!request->prompt.empty()) request->prompt.push_back('\n');
    request->prompt += text;
  }
  return Status::Ok();
}

Status ParseAnthropic(Route* route, const json& body,
                      GenerationRequest* request) {
  if (Status head = ReadModelAndStream(body, route); !head.ok()) return head;
  if (!body.contains("max_tokens"))
    return Status::Error("max_tokens: Field required");
  if (Status limit = ReadMaxTokens(body, "max_tokens", &request->max_tokens);
      !limit.ok()) {
    return limit;
  }
  if (auto system = body.find("system"); system != body.end()) {
    if (Status text = AppendContentText(*system, &request->prompt); !text.ok())
      return text;
  }
  return ParseMessages(body, request);
}

// The journal's view of a body ParseRequest accepted: the text of a
// message is what AppendContentText reads; parse errors cannot happen here.
std::string MessageText(const json& content) {
  std::string text;
  (void)AppendContentText(content, &text);
  return text;
}

std::string StringField(const json& object, const char* key,
                        const char* fallback) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>()
                                               : fallback;
}

void AppendGoogleMessages(const json& body, std::vector<Message>* out) {
  if (auto system = body.find("systemInstruction");
      system != body.end() && system->is_object()) {
    out->push_back({"system", MessageText(system->value("parts", json()))});
  }
  auto contents = body.find("contents");
  if (contents == body.end() || !contents->is_array()) return;
  for (const json& content : *contents) {
    // An unset role is the user's, as the API reads it.
    out->push_back({StringField(content, "role", "user"),
                    MessageText(content.value("parts", json()))});
  }
}

void AppendChatMessages(const json& body, std::vector<Message>* out) {
  if (auto system = body.find("system"); system != body.end())
    out->push_back({"system", MessageText(*system)});  // Anthropic
  auto messages = body.find("messages");
  if (messages == body.end() || !messages->is_array()) return;
  for (const json& message : *messages) {
    out->push_back({StringField(message, "role", ""),
                    MessageText(message.value("content", json()))});
  }
}

}  // namespace

Status ParseRequest(Route* route, std::string_view body,
                    GenerationRequest* request) {
  Result<json> parsed = ParseJsonBody(body);
  if (!parsed.ok())
    return parsed.status().Prefixed("Invalid JSON payload received: ");
  if (!parsed->is_object())
    return Status::Error("the request body must be a JSON object");
  switch (route->api) {
    case Api::kGemini:
    case Api::kVertex:
      return ParseGoogle(*route, *parsed, request);
    case Api::kOpenAiChat:
      return ParseOpenAiChat(route, *parsed, request);
    case Api::kOpenAiCompletions:
      return ParseOpenAiCompletions(route, *parsed, request);
    case Api::kOpenAiEmbeddings:
      return ParseOpenAiEmbeddings(route, *parsed, request);
    case Api::kAnthropic:
      return ParseAnthropic(route, *parsed, request);
  }
  return Status::Error("");
}

std::vector<Message> RequestMessages(const Route& route,
                                     std::string_view body) {
  std::vector<Message> messages;
  Result<json> parsed = ParseJsonBody(body);
  if (!parsed.ok() || !parsed->is_object()) return messages;
  switch (route.api) {
    case Api::kGemini:
    case Api::kVertex:
      AppendGoogleMessages(*parsed, &messages);
      break;
    case Api::kOpenAiCompletions: {
      GenerationRequest request;
      if (ReadCompletionPrompt(*parsed, &request).ok())
        messages.push_back({"user", std::move(request.prompt)});
      break;
    }
    case Api::kOpenAiEmbeddings:
      break;
    case Api::kOpenAiChat:
    case Api::kAnthropic:
      AppendChatMessages(*parsed, &messages);
      break;
  }
  return messages;
}

}  // namespace loadgate::services::mock_llm
