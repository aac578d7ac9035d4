// Checks and reformats the JSON payload a person types into the command composer.
//
// Strict RFC 8259 (what devices and the gateway's own isJsonValue() accept): any JSON value
// at the top (a command payload may be `42` or `"on"`), no trailing commas, no single
// quotes, no raw control characters or unknown escapes in strings. QJsonDocument is not
// used for this: it accepts some invalid JSON (`"\q"`, raw tabs), refuses scalars at the top,
// reports offsets in UTF-8 bytes just past the offending token, and reorders object keys
// when it writes, which a formatter of hand-written payloads must not do.
#pragma once

#include "payloadmode.h"

#include <QString>
#include <optional>

namespace drover::ui {

class JsonValidator
{
public:
    struct Result {
        bool ok = true;
        bool empty = false; // nothing but white space: allowed, a command may have no payload
        // Where the first error is (ok: 0, 0, -1). line and column are 1-based; the column
        // counts characters (code points) of that line; offset is the UTF-16 index into the
        // text, i.e. a QTextCursor position.
        int line = 0;
        int column = 0;
        int offset = -1;
        QString reason;  // plain words, e.g. "missing ',' or '}' after an object member"
        QString message; // with the position: "line 3, column 14: " + reason
    };

    // Deeper nesting is refused (the text is scanned without recursion, but devices may not be).
    static constexpr int MaxDepth = 512;

    // In Text mode every text is ok (validation is off).
    static Result validate(const QString &text, PayloadMode mode = PayloadMode::Json);

    // Pretty-printed with a 2-space indent, or compacted without any white space between
    // tokens; keys, their order, numbers and escapes stay exactly as written. Empty for an
    // empty payload; nullopt when the text is not valid JSON.
    static std::optional<QString> format(const QString &text);
    static std::optional<QString> compact(const QString &text);

    // 1-based line and column (in code points) of a UTF-16 offset into text.
    static std::pair<int, int> lineAndColumn(const QString &text, int offset);

private:
    static std::optional<QString> rewrite(const QString &text, bool pretty);
};

} // namespace drover::ui
