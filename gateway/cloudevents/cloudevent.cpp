#include "cloudevent.h"

#include "jsonscanner.h"

#include <array>

namespace drover::cloudevents {

namespace {

char asciiLower(char c)
{
    return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
}

bool equalsIgnoreCase(QByteArrayView a, QByteArrayView b)
{
    if (a.size() != b.size())
        return false;
    for (qsizetype i = 0; i < a.size(); ++i) {
        if (asciiLower(a[i]) != asciiLower(b[i]))
            return false;
    }
    return true;
}

QByteArrayView trimSpaces(QByteArrayView v)
{
    while (!v.isEmpty() && (v.front() == ' ' || v.front() == '\t'))
        v = v.sliced(1);
    while (!v.isEmpty() && (v.back() == ' ' || v.back() == '\t'))
        v.chop(1);
    return v;
}

// Appends value as exactly `width` decimal digits (value < 10^width).
void appendDigits(char *&out, int value, int width)
{
    for (int i = width - 1; i >= 0; --i) {
        out[i] = char('0' + value % 10);
        value /= 10;
    }
    out += width;
}

// Reads exactly `width` digits at pos; -1 if there are not that many.
int readDigits(QByteArrayView s, qsizetype &pos, int width)
{
    if (pos + width > s.size())
        return -1;
    int value = 0;
    for (int i = 0; i < width; ++i) {
        const char c = s[pos + i];
        if (c < '0' || c > '9')
            return -1;
        value = value * 10 + (c - '0');
    }
    pos += width;
    return value;
}

bool expect(QByteArrayView s, qsizetype &pos, char c)
{
    if (pos >= s.size() || s[pos] != c)
        return false;
    ++pos;
    return true;
}

} // namespace

bool CloudEvent::operator==(const CloudEvent &o) const
{
    return id == o.id && source == o.source && type == o.type && subject == o.subject && time == o.time &&
           dataContentType == o.dataContentType && dataSchema == o.dataSchema &&
           application == o.application && device == o.device && sender == o.sender &&
           partitionKey == o.partitionKey && instance == o.instance && extensions == o.extensions &&
           data == o.data;
}

QByteArray CloudEvent::timeString() const
{
    if (!time.isValid())
        return {};
    const QDateTime utc = time.toUTC();
    const QDate date = utc.date();
    const QTime clock = utc.time();
    if (date.year() < 0 || date.year() > 9999)
        return {};
    // Six fraction digits as the spec's example has them; QDateTime only holds milliseconds,
    // so the microseconds are the milliseconds followed by 000.
    QByteArray out(27, Qt::Uninitialized);
    char *p = out.data();
    appendDigits(p, date.year(), 4);
    *p++ = '-';
    appendDigits(p, date.month(), 2);
    *p++ = '-';
    appendDigits(p, date.day(), 2);
    *p++ = 'T';
    appendDigits(p, clock.hour(), 2);
    *p++ = ':';
    appendDigits(p, clock.minute(), 2);
    *p++ = ':';
    appendDigits(p, clock.second(), 2);
    *p++ = '.';
    appendDigits(p, clock.msec(), 3);
    appendDigits(p, 0, 3);
    *p++ = 'Z';
    return out;
}

QDateTime CloudEvent::parseTime(QByteArrayView s)
{
    // RFC 3339 section 5.6 date-time, strictly: full date, full time and an offset.
    qsizetype pos = 0;
    const int year = readDigits(s, pos, 4);
    if (year < 0 || !expect(s, pos, '-'))
        return {};
    const int month = readDigits(s, pos, 2);
    if (month < 0 || !expect(s, pos, '-'))
        return {};
    const int day = readDigits(s, pos, 2);
    if (day < 0 || pos >= s.size() || (s[pos] != 'T' && s[pos] != 't'))
        return {};
    ++pos;
    const int hour = readDigits(s, pos, 2);
    if (hour < 0 || !expect(s, pos, ':'))
        return {};
    const int minute = readDigits(s, pos, 2);
    if (minute < 0 || !expect(s, pos, ':'))
        return {};
    int second = readDigits(s, pos, 2);
    if (second < 0)
        return {};
    int msec = 0;
    if (pos < s.size() && s[pos] == '.') {
        ++pos;
        const qsizetype start = pos;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
            if (pos - start < 3)
                msec = msec * 10 + (s[pos] - '0');
            ++pos;
        }
        if (pos == start)
            return {};
        for (qsizetype digits = pos - start; digits < 3; ++digits)
            msec *= 10;
    }
    int offsetSeconds = 0;
    if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
        ++pos;
    } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
        const int sign = s[pos] == '-' ? -1 : 1;
        ++pos;
        const int offHours = readDigits(s, pos, 2);
        if (offHours < 0 || offHours > 23 || !expect(s, pos, ':'))
            return {};
        const int offMinutes = readDigits(s, pos, 2);
        if (offMinutes < 0 || offMinutes > 59)
            return {};
        offsetSeconds = sign * (offHours * 3600 + offMinutes * 60);
    } else {
        return {};
    }
    if (pos != s.size())
        return {};
    if (second == 60) { // QTime has no leap second; keep it inside the minute it belongs to
        second = 59;
        msec = 999;
    }
    const QDate date(year, month, day);
    const QTime clock(hour, minute, second, msec);
    if (!date.isValid() || !clock.isValid())
        return {};
    return QDateTime(date, clock, Qt::UTC).addSecs(-offsetSeconds);
}

QList<std::pair<QByteArray, QByteArray>> CloudEvent::attributes() const
{
    QList<std::pair<QByteArray, QByteArray>> out;
    out.reserve(12 + extensions.size());
    out.append({QByteArrayLiteral("specversion"), QByteArray::fromRawData(SpecVersion, 3)});
    out.append({QByteArrayLiteral("id"), id});
    out.append({QByteArrayLiteral("type"), type});
    out.append({QByteArrayLiteral("source"), source});
    if (!subject.isEmpty())
        out.append({QByteArrayLiteral("subject"), subject});
    QByteArray timeText = timeString();
    if (!timeText.isEmpty())
        out.append({QByteArrayLiteral("time"), std::move(timeText)});
    if (!dataSchema.isEmpty())
        out.append({QByteArrayLiteral("dataschema"), dataSchema});
    forEachExtension([&out](const QByteArray &name, const QByteArray &value) { out.append({name, value}); });
    return out;
}

QByteArray *CloudEvent::stringAttribute(QByteArrayView name)
{
    if (name == "id")
        return &id;
    if (name == "source")
        return &source;
    if (name == "type")
        return &type;
    if (name == "subject")
        return &subject;
    if (name == "datacontenttype")
        return &dataContentType;
    if (name == "dataschema")
        return &dataSchema;
    if (name == "application")
        return &application;
    if (name == "device")
        return &device;
    if (name == "sender")
        return &sender;
    if (name == "partitionkey")
        return &partitionKey;
    if (name == "instance")
        return &instance;
    return nullptr;
}

bool isJsonContentType(QByteArrayView contentType)
{
    // Only the media type essence counts: "application/json; charset=utf-8" is JSON.
    const qsizetype semicolon = contentType.indexOf(';');
    const QByteArrayView essence = trimSpaces(semicolon < 0 ? contentType : contentType.first(semicolon));
    const qsizetype slash = essence.indexOf('/');
    if (slash <= 0 || slash == essence.size() - 1)
        return false;
    const QByteArrayView type = essence.first(slash);
    const QByteArrayView subtype = essence.sliced(slash + 1);
    // Drogue matches the prefixes application/json* and text/json*, which also takes e.g.
    // application/json-seq (not one JSON value); we compare the whole subtype instead.
    if (equalsIgnoreCase(subtype, "json"))
        return equalsIgnoreCase(type, "application") || equalsIgnoreCase(type, "text");
    return subtype.size() > 5 && equalsIgnoreCase(subtype.last(5), "+json"); // RFC 6839 suffix
}

bool isJsonValue(QByteArrayView bytes)
{
    return JsonScanner::isValue(bytes);
}

QByteArray percentEncodeSegment(QByteArrayView segment)
{
    // RFC 3986 section 2.3: only unreserved characters stay. Drogue's encoder escapes every
    // non-alphanumeric byte (my-dev -> my%2Ddev); we deliberately follow the RFC, so
    // "-", ".", "_" and "~" stay as they are (my-dev -> my-dev).
    static constexpr char hex[] = "0123456789ABCDEF";
    QByteArray out;
    out.reserve(segment.size());
    for (const char ch : segment) {
        const auto c = static_cast<unsigned char>(ch);
        const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                                c == '-' || c == '.' || c == '_' || c == '~';
        if (unreserved) {
            out.append(ch);
        } else {
            out.append('%');
            out.append(hex[c >> 4]);
            out.append(hex[c & 0x0F]);
        }
    }
    return out;
}

bool isValidUtf8(QByteArrayView bytes)
{
    qsizetype pos = 0;
    const qsizetype n = bytes.size();
    while (pos < n) {
        if (static_cast<unsigned char>(bytes[pos]) < 0x80) {
            ++pos;
            continue;
        }
        const int len = JsonScanner::utf8SequenceLength(bytes, pos);
        if (len == 0)
            return false;
        pos += len;
    }
    return true;
}

bool isExtensionName(QByteArrayView name)
{
    if (name.isEmpty())
        return false;
    for (const char c : name) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
            return false;
    }
    // Names the event already carries in its own members.
    static constexpr std::array<QByteArrayView, 14> taken = {
        "specversion", "id",          "type",   "source", "subject",      "time",     "datacontenttype",
        "dataschema",  "application", "device", "sender", "partitionkey", "instance", "data",
    };
    for (const QByteArrayView t : taken) {
        if (t == name)
            return false;
    }
    return true;
}

} // namespace drover::cloudevents
