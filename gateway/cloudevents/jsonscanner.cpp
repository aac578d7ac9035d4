#include "jsonscanner.h"

#include <QVarLengthArray>

#include <charconv>
#include <system_error>

namespace drover::cloudevents {

namespace {

bool isWhitespace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

bool isHexDigit(char c)
{
    return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// pos at the opening quote; returns the offset past the closing quote or -1.
qsizetype skipString(QByteArrayView s, qsizetype pos)
{
    const qsizetype n = s.size();
    ++pos;
    while (pos < n) {
        const auto c = static_cast<unsigned char>(s[pos]);
        if (c == '"')
            return pos + 1;
        if (c < 0x20)
            return -1; // RFC 8259: control characters must be escaped
        if (c == '\\') {
            if (pos + 1 >= n)
                return -1;
            const char e = s[pos + 1];
            if (e == 'u') {
                if (pos + 6 > n)
                    return -1;
                for (qsizetype i = pos + 2; i < pos + 6; ++i) {
                    if (!isHexDigit(s[i]))
                        return -1;
                }
                pos += 6;
            } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' ||
                       e == 't') {
                pos += 2;
            } else {
                return -1;
            }
        } else if (c < 0x80) {
            ++pos;
        } else {
            const int len = JsonScanner::utf8SequenceLength(s, pos);
            if (len == 0)
                return -1;
            pos += len;
        }
    }
    return -1;
}

// pos at '-' or a digit; returns the offset past the number or -1.
qsizetype skipNumber(QByteArrayView s, qsizetype pos)
{
    const qsizetype n = s.size();
    const qsizetype start = pos;
    if (s[pos] == '-')
        ++pos;
    if (pos >= n || !isDigit(s[pos]))
        return -1;
    if (s[pos] == '0') {
        ++pos; // no leading zeros
    } else {
        while (pos < n && isDigit(s[pos]))
            ++pos;
    }
    if (pos < n && s[pos] == '.') {
        ++pos;
        if (pos >= n || !isDigit(s[pos]))
            return -1;
        while (pos < n && isDigit(s[pos]))
            ++pos;
    }
    bool exponent = false;
    if (pos < n && (s[pos] == 'e' || s[pos] == 'E')) {
        exponent = true;
        ++pos;
        if (pos < n && (s[pos] == '+' || s[pos] == '-'))
            ++pos;
        if (pos >= n || !isDigit(s[pos]))
            return -1;
        while (pos < n && isDigit(s[pos]))
            ++pos;
    }
    // Only an exponent or hundreds of digits can leave double's range; Qt's parser refuses
    // such numbers, so we do too rather than embed something the client cannot read.
    if (exponent || pos - start > 300) {
        double value = 0;
        const auto result = std::from_chars(s.data() + start, s.data() + pos, value);
        if (result.ec != std::errc() || result.ptr != s.data() + pos)
            return -1;
    }
    return pos;
}

qsizetype skipLiteral(QByteArrayView s, qsizetype pos, QByteArrayView literal)
{
    if (s.sliced(pos).startsWith(literal))
        return pos + literal.size();
    return -1;
}

} // namespace

int JsonScanner::utf8SequenceLength(QByteArrayView bytes, qsizetype pos)
{
    const qsizetype n = bytes.size();
    if (pos < 0 || pos >= n)
        return 0;
    const auto b0 = static_cast<unsigned char>(bytes[pos]);
    if (b0 < 0x80)
        return 1;
    int len = 0;
    unsigned char lo = 0x80; // allowed range of the second byte (excludes overlongs,
    unsigned char hi = 0xBF; // surrogates and code points above U+10FFFF)
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        len = 2;
    } else if (b0 == 0xE0) {
        len = 3;
        lo = 0xA0;
    } else if (b0 == 0xED) {
        len = 3;
        hi = 0x9F;
    } else if (b0 >= 0xE1 && b0 <= 0xEF) {
        len = 3;
    } else if (b0 == 0xF0) {
        len = 4;
        lo = 0x90;
    } else if (b0 >= 0xF1 && b0 <= 0xF3) {
        len = 4;
    } else if (b0 == 0xF4) {
        len = 4;
        hi = 0x8F;
    } else {
        return 0;
    }
    if (pos + len > n)
        return 0;
    const auto b1 = static_cast<unsigned char>(bytes[pos + 1]);
    if (b1 < lo || b1 > hi)
        return 0;
    for (int i = 2; i < len; ++i) {
        const auto b = static_cast<unsigned char>(bytes[pos + i]);
        if (b < 0x80 || b > 0xBF)
            return 0;
    }
    return len;
}

qsizetype JsonScanner::skipWhitespace(QByteArrayView json, qsizetype pos)
{
    while (pos < json.size() && isWhitespace(json[pos]))
        ++pos;
    return pos;
}

QByteArrayView JsonScanner::trimmed(QByteArrayView json)
{
    qsizetype begin = 0;
    qsizetype end = json.size();
    while (begin < end && isWhitespace(json[begin]))
        ++begin;
    while (end > begin && isWhitespace(json[end - 1]))
        --end;
    return json.sliced(begin, end - begin);
}

qsizetype JsonScanner::skipValue(QByteArrayView s, qsizetype pos)
{
    // Iterative with an explicit stack of open containers, so hostile nesting cannot
    // overflow the call stack.
    QVarLengthArray<char, 64> open;
    const qsizetype n = s.size();

    // Parses `"key" ws : ws` inside an object; pos at the key's quote.
    const auto skipMemberName = [&](qsizetype p) -> qsizetype {
        if (p >= n || s[p] != '"')
            return -1;
        p = skipString(s, p);
        if (p < 0)
            return -1;
        p = skipWhitespace(s, p);
        if (p >= n || s[p] != ':')
            return -1;
        return skipWhitespace(s, p + 1);
    };

    for (;;) {
        // A value starts at pos.
        if (pos < 0 || pos >= n)
            return -1;
        bool opened = false;
        switch (s[pos]) {
        case '{':
        case '[': {
            const char bracket = s[pos];
            const char close = bracket == '{' ? '}' : ']';
            if (open.size() >= MaxDepth)
                return -1; // counts empty containers too: [] nested in 1000 levels is 1001
            pos = skipWhitespace(s, pos + 1);
            if (pos < n && s[pos] == close) {
                ++pos; // empty container: a complete value
                break;
            }
            open.append(bracket);
            if (bracket == '{')
                pos = skipMemberName(pos);
            opened = true;
            break;
        }
        case '"':
            pos = skipString(s, pos);
            break;
        case 't':
            pos = skipLiteral(s, pos, "true");
            break;
        case 'f':
            pos = skipLiteral(s, pos, "false");
            break;
        case 'n':
            pos = skipLiteral(s, pos, "null");
            break;
        default:
            if (s[pos] == '-' || isDigit(s[pos]))
                pos = skipNumber(s, pos);
            else
                return -1;
        }
        if (pos < 0)
            return -1;
        if (opened)
            continue; // the first element or member value follows

        // A value ended at pos: close containers or move on to the next element.
        for (;;) {
            if (open.isEmpty())
                return pos;
            pos = skipWhitespace(s, pos);
            if (pos >= n)
                return -1;
            const char top = open.back();
            if (s[pos] == ',') {
                pos = skipWhitespace(s, pos + 1);
                if (top == '{')
                    pos = skipMemberName(pos);
                break;
            }
            if (s[pos] != (top == '{' ? '}' : ']'))
                return -1;
            open.removeLast();
            ++pos;
        }
    }
}

bool JsonScanner::isValue(QByteArrayView json)
{
    const qsizetype begin = skipWhitespace(json, 0);
    if (begin >= json.size())
        return false;
    const qsizetype end = skipValue(json, begin);
    return end >= 0 && skipWhitespace(json, end) == json.size();
}

void JsonScanner::appendCompact(QByteArray &out, QByteArrayView value)
{
    const qsizetype n = value.size();
    qsizetype runStart = 0; // copy runs of significant bytes in one go
    qsizetype pos = 0;
    while (pos < n) {
        const char c = value[pos];
        if (c == '"') {
            const qsizetype end = skipString(value, pos);
            pos = end < 0 ? n : end;
        } else if (isWhitespace(c)) {
            out.append(value.sliced(runStart, pos - runStart));
            pos = skipWhitespace(value, pos);
            runStart = pos;
        } else {
            ++pos;
        }
    }
    out.append(value.sliced(runStart, n - runStart));
}

} // namespace drover::cloudevents
