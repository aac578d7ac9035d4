// Byte-level JSON (RFC 8259) validation and skipping, without building a DOM. Lets the
// gateway decide "is this payload JSON?" and embed it verbatim, and lets the parser find a
// member's raw text (exact numbers, document order) next to QJsonDocument's decoded values.
#pragma once

#include <QByteArray>
#include <QByteArrayView>

namespace drover::cloudevents {

class JsonScanner
{
public:
    // Deepest nesting accepted. Qt's parser stops at 1024 and an event envelope adds one
    // level, so anything we call JSON still parses on the client once embedded.
    static constexpr int MaxDepth = 1000;

    // True if json is exactly one JSON value, optionally surrounded by JSON whitespace.
    // Stricter than QJsonDocument where Qt is lenient (raw control characters in strings,
    // a byte order mark), as lenient as Qt allows elsewhere: numbers must fit a double
    // (Qt refuses 1e400 and 1e-400), lone \uD800 escapes are accepted (as Qt does).
    static bool isValue(QByteArrayView json);

    // Offset just past the JSON value that starts exactly at pos, or -1 if there is none.
    static qsizetype skipValue(QByteArrayView json, qsizetype pos);
    // Offset of the first byte at or after pos that is not JSON whitespace (space, tab, LF, CR).
    static qsizetype skipWhitespace(QByteArrayView json, qsizetype pos);
    // json without leading and trailing JSON whitespace.
    static QByteArrayView trimmed(QByteArrayView json);

    // Appends value (which must be valid JSON) with all insignificant whitespace removed,
    // keeping every token byte for byte (numbers are not reformatted).
    static void appendCompact(QByteArray &out, QByteArrayView value);

    // Length (1-4) of the well-formed UTF-8 sequence starting at pos, or 0 if the bytes there
    // are not one (overlong forms, surrogates, values above U+10FFFF, truncation).
    static int utf8SequenceLength(QByteArrayView bytes, qsizetype pos);
};

} // namespace drover::cloudevents
