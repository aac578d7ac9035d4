#include "jsonvalidator.h"

#include <algorithm>
#include <vector>

namespace drover::ui {

namespace {

bool isJsonSpace(QChar c)
{
    return c == u' ' || c == u'\t' || c == u'\n' || c == u'\r';
}

bool isDigit(QChar c)
{
    return c >= u'0' && c <= u'9';
}

bool isHexDigit(QChar c)
{
    return isDigit(c) || (c >= u'a' && c <= u'f') || (c >= u'A' && c <= u'F');
}

bool isWordChar(QChar c)
{
    return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || isDigit(c) || c == u'_';
}

// How a character is named in a message: 'x', or U+XXXX for invisible ones.
QString describeChar(QChar c)
{
    if (c.unicode() < 0x20 || c.unicode() == 0x7F || c.isSpace())
        return QStringLiteral("U+%1").arg(c.unicode(), 4, 16, QLatin1Char('0')).toUpper();
    return QStringLiteral("'%1'").arg(c);
}

struct Failure {
    qsizetype at = 0;
    QString reason;
};

// One pass over the text with an explicit stack of open containers, so that deep nesting
// costs memory, not the call stack.
class Scanner
{
public:
    explicit Scanner(const QString &text)
        : m_text(text)
        , m_size(text.size())
    {}

    std::optional<Failure> run();

private:
    struct Open {
        QChar kind; // '{' or '['
        qsizetype at;
    };
    enum class Next {
        Value,        // a value (top level, after ':' or in an array)
        FirstKey,     // after '{': a member name or '}'
        KeyAfterComma // after ',' in an object: a member name
    };

    void skipSpace()
    {
        while (m_pos < m_size && isJsonSpace(m_text[m_pos]))
            ++m_pos;
    }
    bool atEnd() const { return m_pos >= m_size; }
    QChar current() const { return m_text[m_pos]; }

    std::optional<Failure> value();
    std::optional<Failure> string();
    std::optional<Failure> number();
    std::optional<Failure> word();
    std::optional<Failure> afterValue();
    std::optional<Failure> key(bool afterComma);
    Failure unclosed() const;
    Failure unexpectedInsteadOfValue() const;

    const QString &m_text;
    const qsizetype m_size;
    qsizetype m_pos = 0;
    qsizetype m_lastComma = -1;
    std::vector<Open> m_open;
    Next m_next = Next::Value;
    bool m_done = false;
};

std::optional<Failure> Scanner::run()
{
    while (!m_done) {
        std::optional<Failure> failure;
        switch (m_next) {
        case Next::Value:
            failure = value();
            break;
        case Next::FirstKey:
            failure = key(false);
            break;
        case Next::KeyAfterComma:
            failure = key(true);
            break;
        }
        if (failure)
            return failure;
    }
    return std::nullopt;
}

std::optional<Failure> Scanner::value()
{
    skipSpace();
    if (atEnd())
        return m_open.empty() ? Failure{m_pos, QStringLiteral("missing a value")} : unclosed();
    const QChar c = current();
    if (c == u'{' || c == u'[') {
        if (int(m_open.size()) >= JsonValidator::MaxDepth)
            return Failure{
                m_pos,
                QStringLiteral("nested too deeply (more than %1 levels)").arg(JsonValidator::MaxDepth)};
        m_open.push_back({c, m_pos});
        ++m_pos;
        skipSpace();
        if (atEnd())
            return unclosed();
        if (current() == (c == u'{' ? u'}' : u']')) { // empty container
            m_open.pop_back();
            ++m_pos;
            return afterValue();
        }
        if (c == u'{') {
            m_next = Next::FirstKey;
            return std::nullopt;
        }
        m_next = Next::Value;
        return std::nullopt;
    }
    std::optional<Failure> failure;
    if (c == u'"')
        failure = string();
    else if (c == u'-' || isDigit(c))
        failure = number();
    else if (isWordChar(c))
        failure = word();
    else
        return unexpectedInsteadOfValue();
    if (failure)
        return failure;
    return afterValue();
}

Failure Scanner::unexpectedInsteadOfValue() const
{
    const QChar c = current();
    if (c == u'\'')
        return {m_pos, QStringLiteral("strings need double quotes (\"), not single quotes")};
    if (c == u',' || c == u'}' || c == u']' || c == u':')
        return {m_pos, QStringLiteral("missing a value before %1").arg(describeChar(c))};
    return {m_pos,
            QStringLiteral("unexpected %1 where a value should be (a string in double quotes, a number, "
                           "an object, an array, true, false or null)")
                .arg(describeChar(c))};
}

std::optional<Failure> Scanner::string()
{
    const qsizetype start = m_pos;
    ++m_pos; // the opening quote
    while (!atEnd()) {
        const QChar c = current();
        if (c == u'"') {
            ++m_pos;
            return std::nullopt;
        }
        if (c == u'\\') {
            if (m_pos + 1 >= m_size)
                break; // unterminated
            const QChar e = m_text[m_pos + 1];
            if (e == u'u') {
                for (int i = 2; i < 6; ++i) {
                    if (m_pos + i >= m_size || !isHexDigit(m_text[m_pos + i]))
                        return Failure{m_pos, QStringLiteral("'\\u' must be followed by four hex digits")};
                }
                m_pos += 6;
                continue;
            }
            if (QStringView(u"\"\\/bfnrt").contains(e)) {
                m_pos += 2;
                continue;
            }
            return Failure{m_pos,
                           QStringLiteral("invalid escape '\\%1' in a string (JSON has \\\" \\\\ \\/ \\b "
                                          "\\f \\n \\r \\t and \\uXXXX)")
                               .arg(e)};
        }
        if (c == u'\n' || c == u'\r')
            return Failure{m_pos, QStringLiteral("line break inside a string: is its closing '\"' missing? "
                                                 "(write a line break in a string as \\n)")};
        if (c.unicode() < 0x20)
            return Failure{m_pos, QStringLiteral("control character %1 inside a string: write it as an "
                                                 "escape, e.g. \\t or \\u0001")
                                      .arg(describeChar(c))};
        ++m_pos;
    }
    return Failure{start, QStringLiteral("unterminated string: its closing '\"' is missing")};
}

std::optional<Failure> Scanner::number()
{
    // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    if (current() == u'-')
        ++m_pos;
    if (atEnd() || !isDigit(current()))
        return Failure{m_pos, QStringLiteral("a digit must follow '-'")};
    if (current() == u'0') {
        ++m_pos;
        if (!atEnd() && isDigit(current()))
            return Failure{m_pos - 1, QStringLiteral("numbers can't start with 0 (no leading zeros)")};
    } else {
        while (!atEnd() && isDigit(current()))
            ++m_pos;
    }
    if (!atEnd() && current() == u'.') {
        ++m_pos;
        if (atEnd() || !isDigit(current()))
            return Failure{m_pos, QStringLiteral("a digit must follow the decimal point")};
        while (!atEnd() && isDigit(current()))
            ++m_pos;
    }
    if (!atEnd() && (current() == u'e' || current() == u'E')) {
        ++m_pos;
        if (!atEnd() && (current() == u'+' || current() == u'-'))
            ++m_pos;
        if (atEnd() || !isDigit(current()))
            return Failure{m_pos, QStringLiteral("a digit must follow the exponent 'e'")};
        while (!atEnd() && isDigit(current()))
            ++m_pos;
    }
    return std::nullopt;
}

std::optional<Failure> Scanner::word()
{
    const qsizetype start = m_pos;
    while (!atEnd() && isWordChar(current()))
        ++m_pos;
    const QStringView w = QStringView(m_text).sliced(start, m_pos - start);
    if (w == u"true" || w == u"false" || w == u"null")
        return std::nullopt;
    const QString lower = w.toString().toLower();
    if (lower == QLatin1String("true") || lower == QLatin1String("false") || lower == QLatin1String("null"))
        return Failure{start, QStringLiteral("'%1' must be written in lower case: %2").arg(w, lower)};
    return Failure{start,
                   QStringLiteral("unknown word '%1': a value is a string in double quotes, a number, an "
                                  "object, an array, true, false or null")
                       .arg(w)};
}

std::optional<Failure> Scanner::afterValue()
{
    skipSpace();
    if (m_open.empty()) {
        if (!atEnd())
            return Failure{
                m_pos,
                QStringLiteral("unexpected %1 after the end of the JSON value").arg(describeChar(current()))};
        m_done = true;
        return std::nullopt;
    }
    if (atEnd())
        return unclosed();
    const Open &open = m_open.back();
    const bool object = open.kind == u'{';
    const QChar close = object ? u'}' : u']';
    const QChar c = current();
    if (c == close) {
        m_open.pop_back();
        ++m_pos;
        return afterValue();
    }
    if (c == u',') {
        m_lastComma = m_pos;
        ++m_pos;
        if (object) {
            m_next = Next::KeyAfterComma;
            return std::nullopt;
        }
        skipSpace();
        if (!atEnd() && current() == u']')
            return Failure{m_lastComma, QStringLiteral("trailing comma: no element follows ',' before ']'")};
        m_next = Next::Value;
        return std::nullopt;
    }
    return Failure{m_pos, object ? QStringLiteral("missing ',' or '}' after an object member")
                                 : QStringLiteral("missing ',' or ']' after an array element")};
}

std::optional<Failure> Scanner::key(bool afterComma)
{
    skipSpace();
    if (atEnd())
        return unclosed();
    const QChar c = current();
    if (c == u'}' && afterComma)
        return Failure{m_lastComma, QStringLiteral("trailing comma: no member follows ',' before '}'")};
    if (c == u'\'')
        return Failure{m_pos, QStringLiteral("member names need double quotes (\"), not single quotes")};
    if (c != u'"')
        return Failure{
            m_pos, QStringLiteral("expected a member name in double quotes, found %1").arg(describeChar(c))};
    if (auto failure = string())
        return failure;
    skipSpace();
    if (atEnd())
        return unclosed();
    if (current() != u':')
        return Failure{m_pos, QStringLiteral("missing ':' after the member name")};
    ++m_pos;
    m_next = Next::Value;
    return std::nullopt;
}

Failure Scanner::unclosed() const
{
    // Where the closing bracket belongs: just after the last thing written.
    qsizetype at = m_size;
    while (at > 0 && isJsonSpace(m_text[at - 1]))
        --at;
    const Open &open = m_open.back();
    const auto [line, column] = JsonValidator::lineAndColumn(m_text, int(open.at));
    const bool object = open.kind == u'{';
    return {at, QStringLiteral("the %1 opened at line %2, column %3 is not closed: missing '%4'")
                    .arg(object ? QStringLiteral("object") : QStringLiteral("array"))
                    .arg(line)
                    .arg(column)
                    .arg(QChar(object ? u'}' : u']'))};
}

} // namespace

JsonValidator::Result JsonValidator::validate(const QString &text, PayloadMode mode)
{
    Result result;
    result.empty = std::all_of(text.cbegin(), text.cend(), isJsonSpace);
    if (mode == PayloadMode::Text || result.empty)
        return result;
    const std::optional<Failure> failure = Scanner(text).run();
    if (!failure)
        return result;
    result.ok = false;
    result.offset = int(failure->at);
    std::tie(result.line, result.column) = lineAndColumn(text, result.offset);
    result.reason = failure->reason;
    result.message =
        QStringLiteral("line %1, column %2: %3").arg(result.line).arg(result.column).arg(result.reason);
    return result;
}

std::pair<int, int> JsonValidator::lineAndColumn(const QString &text, int offset)
{
    offset = std::clamp(offset, 0, int(text.size()));
    int line = 1;
    int column = 1;
    for (int i = 0; i < offset; ++i) {
        const QChar c = text[i];
        if (c == u'\n') {
            ++line;
            column = 1;
        } else if (!c.isLowSurrogate() || i == 0 || !text[i - 1].isHighSurrogate()) {
            ++column; // a surrogate pair is one character
        }
    }
    return {line, column};
}

std::optional<QString> JsonValidator::format(const QString &text)
{
    return rewrite(text, true);
}

std::optional<QString> JsonValidator::compact(const QString &text)
{
    return rewrite(text, false);
}

std::optional<QString> JsonValidator::rewrite(const QString &text, bool pretty)
{
    const Result check = validate(text);
    if (!check.ok)
        return std::nullopt;
    if (check.empty)
        return QString();
    // The text is valid, so tokens can be copied as they are: only the white space between
    // them changes.
    QString out;
    out.reserve(text.size() + text.size() / 2);
    int depth = 0;
    const auto newline = [&] {
        if (!pretty)
            return;
        out += QChar(u'\n');
        out += QString(depth * 2, QChar(u' '));
    };
    const qsizetype size = text.size();
    qsizetype i = 0;
    while (i < size) {
        const QChar c = text[i];
        if (isJsonSpace(c)) {
            ++i;
        } else if (c == u'"') {
            const qsizetype start = i++;
            while (text[i] != u'"')
                i += text[i] == u'\\' ? 2 : 1;
            ++i;
            out += QStringView(text).sliced(start, i - start);
        } else if (c == u'{' || c == u'[') {
            out += c;
            ++i;
            qsizetype next = i;
            while (isJsonSpace(text[next]))
                ++next;
            if (text[next] == u'}' || text[next] == u']') { // empty: {} or []
                out += text[next];
                i = next + 1;
                continue;
            }
            ++depth;
            newline();
        } else if (c == u'}' || c == u']') {
            --depth;
            newline();
            out += c;
            ++i;
        } else if (c == u',') {
            out += c;
            newline();
            ++i;
        } else if (c == u':') {
            out += pretty ? QStringLiteral(": ") : QStringLiteral(":");
            ++i;
        } else {
            out += c; // number and literal characters
            ++i;
        }
    }
    return out;
}

} // namespace drover::ui
