// The CloudEvents MQTT protocol binding: what a subscriber receives in each content mode.
#pragma once

#include "cloudevent.h"
#include "mqtt/properties.h"

#include <memory>
#include <optional>

namespace drover::cloudevents {

enum class ContentMode {
    Structured,
    Binary
};

// One event with its MQTT encodings, built once when the event enters the log and then
// shared by every subscriber (std::shared_ptr<const EncodedEvent>): delivery only copies
// these bytes into the socket buffer, it never re-encodes or re-parses.
class EncodedEvent
{
public:
    explicit EncodedEvent(CloudEvent event);

    const CloudEvent &event() const { return m_event; }

    // Payload and pre-encoded v5 property block (mqtt::PacketEncoder::encodeProperties) for a mode.
    // Structured: JSON format; content type application/cloudevents+json; charset=utf-8,
    //   payload format indicator 1.
    // Binary: payload = data; content type = datacontenttype; every other attribute as a
    //   user property under its plain CloudEvents name (Drogue's convention, no ce_ prefix).
    // 3.1.1 subscribers get the structured payload and no properties.
    const QByteArray &payload(ContentMode mode) const;
    const QByteArray &propertyBlock(ContentMode mode) const;

    // Bytes held by this event, for retention accounting.
    qsizetype memorySize() const { return m_memorySize; }

private:
    CloudEvent m_event;
    QByteArray m_structuredPayload;
    QByteArray m_structuredProperties;
    QByteArray m_binaryProperties;
    qsizetype m_memorySize = 0;
};

using EventPtr = std::shared_ptr<const EncodedEvent>;

// Reads an event back from a received MQTT message (client side: console, load tool):
// binary mode when the user properties carry specversion, structured otherwise.
std::optional<CloudEvent> decodeMqttMessage(const QByteArray &payload, const mqtt::Properties &properties,
                                            QByteArray *error = nullptr);

} // namespace drover::cloudevents
