// Escaping shared by the XML (JUnit) and HTML writers.
#ifndef LOADGATE_GATE_MARKUP_H_
#define LOADGATE_GATE_MARKUP_H_

#include <string>
#include <string_view>

namespace loadgate::gate {

// Text safe in XML and HTML element content and in quoted attribute values:
// & < > " ' become entities, and control characters XML 1.0 forbids even as
// references become '?'.
std::string EscapeMarkup(std::string_view text);

}  // namespace loadgate::gate

#endif  // LOADGATE_GATE_MARKUP_H_
