#include "eventformatter.h"

#include "cloudevents/cloudevent.h"
#include "cloudevents/jsonscanner.h"

namespace drover::ui {

using cloudevents::CloudEvent;
using cloudevents::JsonScanner;

namespace {

bool isTextControl(char c)
{
    const auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && c != '\t' && c != '\n' && c != '\r') || u == 0x7F;
}

QString localTime(const QDateTime &time)
{
    if (!time.isValid())
        return {};
    return time.toLocalTime().toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"));
}

// The first maxChars characters of utf8 on one line, "…" marking a cut. Decodes only a
// prefix: a preview of a megabyte of JSON costs no more than one of a hundred bytes.
QString oneLine(QByteArrayView utf8, qsizetype maxChars)
{
    const qsizetype maxBytes = maxChars * 4; // a code point is at most 4 bytes
    QString s = QString::fromUtf8(utf8.first(std::min(utf8.size(), maxBytes)));
    if (s.size() > maxChars || utf8.size() > maxBytes) {
        qsizetype keep = std::max<qsizetype>(0, maxChars - 1);
        if (keep > 0 && keep < s.size() && s.at(keep - 1).isHighSurrogate())
            --keep;
        s.truncate(keep);
        s.append(QChar(0x2026));
    }
    for (QChar &c : s) {
        if (c.unicode() < 0x20 || c.unicode() == 0x7F)
            c = QLatin1Char(' ');
    }
    return s;
}

QByteArray compactJson(QByteArrayView json)
{
    QByteArray out;
    out.reserve(json.size());
    JsonScanner::appendCompact(out, json);
    return out;
}

void appendNewline(QByteArray &out, int depth)
{
    out.append('\n');
    out.append(QByteArray(depth * 2, ' '));
}

} // namespace

EventFormatter::DataKind EventFormatter::dataKind(QByteArrayView data)
{
    if (data.isEmpty())
        return DataKind::Empty;
    if (cloudevents::isJsonValue(data))
        return DataKind::Json;
    if (!cloudevents::isValidUtf8(data))
        return DataKind::Binary;
    for (const char c : data) {
        if (isTextControl(c))
            return DataKind::Binary;
    }
    return DataKind::Text;
}

QString EventFormatter::timeText(const ReceivedEvent &event)
{
    return localTime(event.event.time.isValid() ? event.event.time : event.received);
}

QString EventFormatter::typeText(const ReceivedEvent &event)
{
    if (event.event.type == CloudEvent::DeviceEventType)
        return QStringLiteral("event");
    if (event.event.type == CloudEvent::ConnectionEventType)
        return QStringLiteral("connection");
    return QString::fromUtf8(event.event.type);
}

QString EventFormatter::sizeText(qint64 bytes)
{
    if (bytes < 1024)
        return QString::number(bytes) + QStringLiteral(" B");
    static const char *const units[] = {"KiB", "MiB", "GiB", "TiB"};
    double value = double(bytes) / 1024;
    int unit = 0;
    while (value >= 1024 && unit < 3) {
        value /= 1024;
        ++unit;
    }
    return QString::number(value, 'f', 1) + QLatin1Char(' ') + QLatin1String(units[unit]);
}

QString EventFormatter::preview(const ReceivedEvent &event, qsizetype maxChars)
{
    const QByteArray &data = event.event.data;
    switch (dataKind(data)) {
    case DataKind::Empty:
        return {};
    case DataKind::Json:
        return oneLine(compactJson(data), maxChars);
    case DataKind::Text:
        return oneLine(data, maxChars);
    case DataKind::Binary:
        break;
    }
    return QStringLiteral("<%1 bytes binary>").arg(data.size());
}

QString EventFormatter::dataText(const ReceivedEvent &event)
{
    const QByteArray &data = event.event.data;
    switch (dataKind(data)) {
    case DataKind::Empty:
        return {};
    case DataKind::Json:
        return prettyJson(data);
    case DataKind::Text:
        return QString::fromUtf8(data);
    case DataKind::Binary:
        break;
    }
    return hexDump(data);
}

QString EventFormatter::prettyJson(QByteArrayView json)
{
    QByteArray out;
    out.reserve(json.size() * 2);
    int depth = 0;
    bool inString = false;
    for (qsizetype i = 0; i < json.size(); ++i) {
        const char c = json[i];
        if (inString) {
            out.append(c);
            if (c == '\\' && i + 1 < json.size())
                out.append(json[++i]); // the escaped character, even if it is a quote
            else if (c == '"')
                inString = false;
            continue;
        }
        switch (c) {
        case ' ':
        case '\t':
        case '\n':
        case '\r':
            break;
        case '"':
            inString = true;
            out.append(c);
            break;
        case '{':
        case '[': {
            const char close = c == '{' ? '}' : ']';
            const qsizetype next = JsonScanner::skipWhitespace(json, i + 1);
            out.append(c);
            if (next < json.size() && json[next] == close) { // {} and [] stay on one line
                out.append(close);
                i = next;
                break;
            }
            appendNewline(out, ++depth);
            break;
        }
        case '}':
        case ']':
            appendNewline(out, --depth);
            out.append(c);
            break;
        case ',':
            out.append(c);
            appendNewline(out, depth);
            break;
        case ':':
            out.append(": ");
            break;
        default: // numbers and literals, as they are
            out.append(c);
        }
    }
    return QString::fromUtf8(out);
}

QString EventFormatter::hexDump(QByteArrayView bytes)
{
    static constexpr char hex[] = "0123456789abcdef";
    static constexpr qsizetype HexWidth = 39; // 8 groups of 2 bytes, a space between groups
    const qsizetype lines = (bytes.size() + 15) / 16;
    QByteArray out;
    out.reserve(lines * 68);
    for (qsizetype offset = 0; offset < bytes.size(); offset += 16) {
        const qsizetype n = std::min<qsizetype>(16, bytes.size() - offset);
        out.append(QByteArray::number(offset, 16).rightJustified(8, '0'));
        out.append(": ");
        const qsizetype hexStart = out.size();
        for (qsizetype i = 0; i < n; ++i) {
            const auto b = static_cast<unsigned char>(bytes[offset + i]);
            if (i > 0 && i % 2 == 0)
                out.append(' ');
            out.append(hex[b >> 4]);
            out.append(hex[b & 0x0F]);
        }
        out.append(QByteArray(HexWidth - (out.size() - hexStart) + 2, ' '));
        for (qsizetype i = 0; i < n; ++i) {
            const char c = bytes[offset + i];
            out.append(c >= 0x20 && c < 0x7F ? c : '.');
        }
        out.append('\n');
    }
    return QString::fromLatin1(out);
}

QList<std::pair<QString, QString>> EventFormatter::attributes(const ReceivedEvent &event)
{
    QList<std::pair<QString, QString>> rows;
    const auto attributes = event.event.attributes();
    rows.reserve(attributes.size() + 5);
    for (const auto &[name, value] : attributes)
        rows.append({QString::fromUtf8(name), QString::fromUtf8(value)});
    if (!event.event.dataContentType.isEmpty())
        rows.append({QStringLiteral("datacontenttype"), QString::fromUtf8(event.event.dataContentType)});
    rows.append({QStringLiteral("topic"), QString::fromUtf8(event.topic)});
    const QString size = event.size < 1024
                             ? sizeText(event.size)
                             : QStringLiteral("%1 (%2 bytes)").arg(sizeText(event.size)).arg(event.size);
    rows.append({QStringLiteral("size"), size});
    rows.append({QStringLiteral("content mode"),
                 event.binaryMode ? QStringLiteral("binary") : QStringLiteral("structured")});
    rows.append({QStringLiteral("received"), event.received.isValid()
                                                 ? event.received.toLocalTime().toString(Qt::ISODateWithMs)
                                                 : QString()});
    return rows;
}

QString EventFormatter::searchText(const ReceivedEvent &event)
{
    const CloudEvent &e = event.event;
    QString text = QString::fromUtf8(e.device) + QLatin1Char('\n') + QString::fromUtf8(e.subject) +
                   QLatin1Char('\n') + QString::fromUtf8(e.type) + QLatin1Char('\n');
    switch (dataKind(e.data)) {
    case DataKind::Json:
        text += QString::fromUtf8(compactJson(e.data));
        break;
    case DataKind::Text:
        text += QString::fromUtf8(e.data);
        break;
    case DataKind::Empty:
    case DataKind::Binary:
        break;
    }
    return text.toCaseFolded();
}

} // namespace drover::ui
