#include "mqttbinding.h"

#include "jsonformat.h"
#include "jsonscanner.h"
#include "mqtt/packetencoder.h"

namespace drover::cloudevents {

namespace {

constexpr qsizetype MaxMqttString = 65535;

// MQTT strings must be well-formed UTF-8 without U+0000 (MQTT-1.5.4-1, -2) and fit a two
// byte length, or the subscriber treats the PUBLISH as malformed and disconnects. Device
// names, channels and content types come from devices, so bad bytes become U+FFFD and an
// overlong value is cut at a character boundary. Clean values are shared, not copied.
QByteArray mqttString(const QByteArray &value)
{
    if (value.size() <= MaxMqttString && !value.contains('\0') && isValidUtf8(value))
        return value;
    QByteArray out;
    out.reserve(value.size() + 8);
    qsizetype pos = 0;
    while (pos < value.size()) {
        const char c = value[pos];
        if (c == '\0') {
            out.append("\xEF\xBF\xBD");
            ++pos;
            continue;
        }
        const int len = JsonScanner::utf8SequenceLength(value, pos);
        if (len == 0) {
            out.append("\xEF\xBF\xBD");
            ++pos;
        } else {
            out.append(value.constData() + pos, len);
            pos += len;
        }
    }
    if (out.size() > MaxMqttString) {
        qsizetype cut = MaxMqttString;
        while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80)
            --cut; // back to the first byte of the character that would be split
        out.truncate(cut);
    }
    return out;
}

// The same for every event, so encoded once and shared by all of them.
const QByteArray &structuredPropertyBlock()
{
    static const QByteArray block = [] {
        mqtt::Properties properties;
        properties.setBytes(mqtt::Properties::ContentType,
                            QByteArrayLiteral("application/cloudevents+json; charset=utf-8"));
        properties.setInteger(mqtt::Properties::PayloadFormatIndicator, 1); // UTF-8
        return mqtt::PacketEncoder::encodeProperties(properties);
    }();
    return block;
}

bool fail(QByteArray *error, QByteArray message)
{
    if (error)
        *error = std::move(message);
    return false;
}

std::optional<CloudEvent> decodeBinary(const QByteArray &payload, const mqtt::Properties &properties,
                                       const QByteArray &specVersion, QByteArray *error)
{
    if (specVersion != CloudEvent::SpecVersion) {
        fail(error, "unsupported specversion " + specVersion);
        return std::nullopt;
    }
    CloudEvent event;
    event.type.clear();
    event.dataContentType = properties.contentType();
    const bool hasContentType = !event.dataContentType.isEmpty();
    QList<QByteArrayView> seen; // a repeated user property: the first one counts
    seen.reserve(properties.userProperties().size());
    for (const auto &[name, value] : properties.userProperties()) {
        if (seen.contains(QByteArrayView(name)))
            continue;
        seen.append(name);
        if (name == "specversion")
            continue;
        if (name == "time") {
            event.time = CloudEvent::parseTime(value);
            if (!event.time.isValid()) {
                fail(error, QByteArrayLiteral("invalid time"));
                return std::nullopt;
            }
        } else if (name == "datacontenttype") {
            if (!hasContentType) // the Content Type property is the binding's place for it
                event.dataContentType = value;
        } else if (QByteArray *target = event.stringAttribute(name)) {
            *target = value;
        } else if (isExtensionName(name) && !value.isEmpty()) {
            event.extensions.append({name, value});
        }
        // Other user properties are not CloudEvents attributes (e.g. a broker's own).
    }
    for (const auto &[name, value] :
         {std::pair{"id", &event.id}, std::pair{"source", &event.source}, std::pair{"type", &event.type}}) {
        if (value->isEmpty()) {
            fail(error, QByteArrayLiteral("missing ") + name);
            return std::nullopt;
        }
    }
    event.data = payload;
    return event;
}

} // namespace

EncodedEvent::EncodedEvent(CloudEvent event)
    : m_event(std::move(event))
{
    m_structuredPayload = JsonFormat::serialize(m_event);
    m_structuredProperties = structuredPropertyBlock();

    mqtt::Properties binary;
    if (!m_event.dataContentType.isEmpty())
        binary.setBytes(mqtt::Properties::ContentType, mqttString(m_event.dataContentType));
    const auto attributes = m_event.attributes();
    for (const auto &[name, value] : attributes)
        binary.addUserProperty(name, mqttString(value));
    m_binaryProperties = mqtt::PacketEncoder::encodeProperties(binary);

    // What this event keeps alive. The structured property block is shared by all events
    // and not counted; the binary payload is m_event.data itself.
    qsizetype size = qsizetype(sizeof(EncodedEvent));
    for (const QByteArray *bytes :
         {&m_event.id, &m_event.source, &m_event.type, &m_event.subject, &m_event.dataContentType,
          &m_event.dataSchema, &m_event.application, &m_event.device, &m_event.sender, &m_event.partitionKey,
          &m_event.instance, &m_event.data, &m_structuredPayload, &m_binaryProperties})
        size += bytes->size();
    for (const auto &[name, value] : m_event.extensions)
        size += name.size() + value.size();
    m_memorySize = size;
}

const QByteArray &EncodedEvent::payload(ContentMode mode) const
{
    return mode == ContentMode::Binary ? m_event.data : m_structuredPayload;
}

const QByteArray &EncodedEvent::propertyBlock(ContentMode mode) const
{
    return mode == ContentMode::Binary ? m_binaryProperties : m_structuredProperties;
}

std::optional<CloudEvent> decodeMqttMessage(const QByteArray &payload, const mqtt::Properties &properties,
                                            QByteArray *error)
{
    const QByteArray specVersion = properties.userProperty(QByteArrayLiteral("specversion"));
    if (!specVersion.isNull())
        return decodeBinary(payload, properties, specVersion, error);
    return JsonFormat::parse(payload, error);
}

} // namespace drover::cloudevents
