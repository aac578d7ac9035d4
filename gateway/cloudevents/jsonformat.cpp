#include "jsonformat.h"

#include "jsonscanner.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>

namespace drover::cloudevents {

namespace {

// Appends s as a JSON string. Bytes that are not well-formed UTF-8 become U+FFFD so the
// output is valid JSON whatever a device put into a channel or content type.
void appendString(QByteArray &out, QByteArrayView s)
{
    static constexpr char hex[] = "0123456789abcdef";
    out.append('"');
    const qsizetype n = s.size();
    qsizetype runStart = 0; // bytes that need no escaping are copied a run at a time
    qsizetype pos = 0;
    const auto flush = [&] { out.append(s.sliced(runStart, pos - runStart)); };
    while (pos < n) {
        const auto c = static_cast<unsigned char>(s[pos]);
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            ++pos;
            continue;
        }
        if (c >= 0x80) {
            const int len = JsonScanner::utf8SequenceLength(s, pos);
            if (len > 0) {
                pos += len;
                continue;
            }
            flush();
            out.append("\xEF\xBF\xBD"); // U+FFFD REPLACEMENT CHARACTER
            runStart = ++pos;
            continue;
        }
        flush();
        switch (c) {
        case '"':
            out.append("\\\"");
            break;
        case '\\':
            out.append("\\\\");
            break;
        case '\b':
            out.append("\\b");
            break;
        case '\f':
            out.append("\\f");
            break;
        case '\n':
            out.append("\\n");
            break;
        case '\r':
            out.append("\\r");
            break;
        case '\t':
            out.append("\\t");
            break;
        default: {
            const char escape[] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0x0F]};
            out.append(escape, sizeof escape);
        }
        }
        runStart = ++pos;
    }
    flush();
    out.append('"');
}

// `,"name":"value"`; names are ours or passed isExtensionName, so they need no escaping.
void appendMember(QByteArray &out, QByteArrayView name, QByteArrayView value)
{
    out.append(",\"");
    out.append(name);
    out.append("\":");
    appendString(out, value);
}

// Standard base64 (RFC 4648, padded) appended in place: no temporary like toBase64().
void appendBase64(QByteArray &out, QByteArrayView data)
{
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const qsizetype start = out.size();
    const qsizetype encodedSize = (data.size() + 2) / 3 * 4;
    out.resize(start + encodedSize);
    char *p = out.data() + start;
    const auto *in = reinterpret_cast<const unsigned char *>(data.data());
    qsizetype i = 0;
    for (; i + 3 <= data.size(); i += 3) {
        const quint32 v = (quint32(in[i]) << 16) | (quint32(in[i + 1]) << 8) | in[i + 2];
        *p++ = alphabet[(v >> 18) & 0x3F];
        *p++ = alphabet[(v >> 12) & 0x3F];
        *p++ = alphabet[(v >> 6) & 0x3F];
        *p++ = alphabet[v & 0x3F];
    }
    const qsizetype rest = data.size() - i;
    if (rest > 0) {
        const quint32 v = (quint32(in[i]) << 16) | (rest == 2 ? quint32(in[i + 1]) << 8 : 0);
        *p++ = alphabet[(v >> 18) & 0x3F];
        *p++ = alphabet[(v >> 12) & 0x3F];
        *p++ = rest == 2 ? alphabet[(v >> 6) & 0x3F] : '=';
        *p++ = '=';
    }
}

bool isTextContentType(QByteArrayView contentType)
{
    while (!contentType.isEmpty() && (contentType.front() == ' ' || contentType.front() == '\t'))
        contentType = contentType.sliced(1);
    if (contentType.size() < 5)
        return false;
    const QByteArrayView prefix = contentType.first(5);
    for (int i = 0; i < 4; ++i) {
        if ((prefix[i] | 0x20) != "text"[i])
            return false;
    }
    return prefix[4] == '/';
}

// A structured event without datacontenttype carries JSON data (CloudEvents JSON format 3.1).
bool carriesJsonData(const QByteArray &contentType)
{
    return contentType.isEmpty() || isJsonContentType(contentType);
}

bool fail(QByteArray *error, QByteArray message)
{
    if (error)
        *error = std::move(message);
    return false;
}

// One top-level member as it appears in the document.
struct RawMember {
    QByteArray name;
    QByteArrayView value;
};

// Lists the top-level members of a JSON object in document order with their raw value
// text; false if json is not (strictly) one object.
bool scanMembers(QByteArrayView json, QList<RawMember> &members)
{
    qsizetype pos = JsonScanner::skipWhitespace(json, 0);
    if (pos >= json.size() || json[pos] != '{')
        return false;
    pos = JsonScanner::skipWhitespace(json, pos + 1);
    if (pos < json.size() && json[pos] == '}')
        return JsonScanner::skipWhitespace(json, pos + 1) == json.size();
    for (;;) {
        if (pos >= json.size() || json[pos] != '"')
            return false;
        const qsizetype nameEnd = JsonScanner::skipValue(json, pos);
        if (nameEnd < 0)
            return false;
        const QByteArrayView rawName = json.sliced(pos, nameEnd - pos);
        QByteArray name;
        if (rawName.contains('\\')) { // escaped member names are rare: let Qt decode them
            const QByteArray wrapped = '[' + rawName.toByteArray() + ']';
            name = QJsonDocument::fromJson(wrapped).array().at(0).toString().toUtf8();
        } else {
            name = rawName.sliced(1, rawName.size() - 2).toByteArray();
        }
        pos = JsonScanner::skipWhitespace(json, nameEnd);
        if (pos >= json.size() || json[pos] != ':')
            return false;
        const qsizetype valueStart = JsonScanner::skipWhitespace(json, pos + 1);
        const qsizetype valueEnd = JsonScanner::skipValue(json, valueStart);
        if (valueEnd < 0)
            return false;
        members.append({std::move(name), json.sliced(valueStart, valueEnd - valueStart)});
        pos = JsonScanner::skipWhitespace(json, valueEnd);
        if (pos >= json.size())
            return false;
        if (json[pos] == '}')
            return JsonScanner::skipWhitespace(json, pos + 1) == json.size();
        if (json[pos] != ',')
            return false;
        pos = JsonScanner::skipWhitespace(json, pos + 1);
    }
}

} // namespace

QByteArray JsonFormat::serialize(const CloudEvent &event)
{
    const QByteArray &contentType = event.dataContentType;
    const QByteArrayView data = event.data;

    enum class DataForm {
        None,
        Json,
        Text,
        Base64
    };
    DataForm form = DataForm::Base64;
    if (data.isEmpty() && contentType.isEmpty())
        form = DataForm::None;
    else if (carriesJsonData(contentType) && isJsonValue(data))
        form = DataForm::Json;
    else if (isTextContentType(contentType) && isValidUtf8(data))
        form = DataForm::Text;

    // One allocation in the common case: attributes rarely need escaping and JSON data is
    // copied as is; text may grow through escapes, base64 grows by a third.
    qsizetype estimate = 160 + event.id.size() + event.source.size() + event.type.size() +
                         event.subject.size() + contentType.size() + event.dataSchema.size() +
                         event.application.size() + event.device.size() + event.sender.size() +
                         event.partitionKey.size() + event.instance.size();
    for (const auto &[name, value] : event.extensions)
        estimate += name.size() + value.size() + 6;
    estimate += form == DataForm::Base64 ? (data.size() + 2) / 3 * 4 : data.size() + data.size() / 16;
    QByteArray out;
    out.reserve(estimate);

    out.append("{\"specversion\":\"1.0\"");
    appendMember(out, "id", event.id);
    appendMember(out, "type", event.type);
    appendMember(out, "source", event.source);
    if (!event.subject.isEmpty())
        appendMember(out, "subject", event.subject);
    const QByteArray time = event.timeString();
    if (!time.isEmpty())
        appendMember(out, "time", time);
    if (!contentType.isEmpty())
        appendMember(out, "datacontenttype", contentType);
    if (!event.dataSchema.isEmpty())
        appendMember(out, "dataschema", event.dataSchema);
    event.forEachExtension(
        [&out](const QByteArray &name, const QByteArray &value) { appendMember(out, name, value); });

    switch (form) {
    case DataForm::None:
        break;
    case DataForm::Json:
        // Embedded as the device sent it: no parse/serialise round trip, numbers keep
        // their exact text.
        out.append(",\"data\":");
        out.append(JsonScanner::trimmed(data));
        break;
    case DataForm::Text:
        out.append(",\"data\":");
        appendString(out, data);
        break;
    case DataForm::Base64:
        out.append(",\"data_base64\":\"");
        appendBase64(out, data);
        out.append('"');
        break;
    }
    out.append('}');
    return out;
}

std::optional<CloudEvent> JsonFormat::parse(QByteArrayView json, QByteArray *error)
{
    // RFC 8259 lets a parser ignore a byte order mark; Qt does, and so does the scan below.
    if (json.startsWith("\xEF\xBB\xBF"))
        json = json.sliced(3);

    QJsonParseError parseError;
    const QJsonDocument document =
        QJsonDocument::fromJson(QByteArray::fromRawData(json.data(), json.size()), &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        fail(error, "invalid JSON: " + parseError.errorString().toUtf8());
        return std::nullopt;
    }
    if (!document.isObject()) {
        fail(error, QByteArrayLiteral("a structured event must be a JSON object"));
        return std::nullopt;
    }
    const QJsonObject object = document.object();

    // Qt's object has no member order and re-formats numbers; the raw scan keeps both.
    QList<RawMember> members;
    members.reserve(object.size());
    if (!scanMembers(json, members)) {
        fail(error, QByteArrayLiteral("invalid JSON"));
        return std::nullopt;
    }
    if (members.size() != object.size()) { // Qt keeps the last of duplicated names
        fail(error, QByteArrayLiteral("duplicate member in event"));
        return std::nullopt;
    }

    CloudEvent event;
    event.type.clear();
    bool hasSpecVersion = false;
    QByteArrayView rawData;
    bool hasData = false;
    bool hasDataBase64 = false;
    QByteArray dataBase64;

    for (const RawMember &member : std::as_const(members)) {
        const QByteArray &name = member.name;
        const QJsonValue value = object.value(QString::fromUtf8(name));
        if (name == "data") {
            rawData = member.value;
            hasData = true;
            continue;
        }
        if (value.isNull())
            continue; // JSON format: null means the attribute is absent
        if (name == "data_base64") {
            if (!value.isString()) {
                fail(error, QByteArrayLiteral("data_base64 must be a string"));
                return std::nullopt;
            }
            dataBase64 = value.toString().toUtf8();
            hasDataBase64 = true;
            continue;
        }

        if (name == "specversion") {
            if (value.toString() != QLatin1String(CloudEvent::SpecVersion)) {
                fail(error, "unsupported specversion " + value.toVariant().toString().toUtf8());
                return std::nullopt;
            }
            hasSpecVersion = true;
            continue;
        }
        if (name == "time") {
            if (value.isString())
                event.time = CloudEvent::parseTime(value.toString().toUtf8());
            if (!event.time.isValid()) {
                fail(error, QByteArrayLiteral("invalid time"));
                return std::nullopt;
            }
            continue;
        }
        if (QByteArray *target = event.stringAttribute(name)) {
            if (!value.isString()) {
                fail(error, name + " must be a string");
                return std::nullopt;
            }
            *target = value.toString().toUtf8();
            continue;
        }
        if (!isExtensionName(name))
            continue; // not a CloudEvents attribute name: not ours to interpret
        // Extension values are strings, booleans or numbers; numbers keep their text.
        if (value.isString()) {
            event.extensions.append({name, value.toString().toUtf8()});
        } else if (value.isBool() || value.isDouble()) {
            event.extensions.append({name, member.value.toByteArray()});
        } else {
            fail(error, "invalid value for attribute " + name);
            return std::nullopt;
        }
    }

    if (!hasSpecVersion) {
        fail(error, QByteArrayLiteral("missing specversion"));
        return std::nullopt;
    }
    for (const auto &[name, value] :
         {std::pair{"id", &event.id}, std::pair{"source", &event.source}, std::pair{"type", &event.type}}) {
        if (value->isEmpty()) {
            fail(error, QByteArrayLiteral("missing ") + name);
            return std::nullopt;
        }
    }
    if (hasData && hasDataBase64) {
        fail(error, QByteArrayLiteral("event has both data and data_base64"));
        return std::nullopt;
    }
    if (hasDataBase64) {
        auto decoded = QByteArray::fromBase64Encoding(dataBase64, QByteArray::AbortOnBase64DecodingErrors);
        if (!decoded) {
            fail(error, QByteArrayLiteral("invalid data_base64"));
            return std::nullopt;
        }
        event.data = std::move(*decoded);
    } else if (hasData) {
        const QJsonValue value = object.value(QLatin1String("data"));
        if (value.isString() && !carriesJsonData(event.dataContentType)) {
            event.data = value.toString().toUtf8();
        } else {
            event.data.reserve(rawData.size());
            JsonScanner::appendCompact(event.data, rawData);
        }
    }
    return event;
}

} // namespace drover::cloudevents
