#include "receivedevent.h"

#include "cloudevents/mqttbinding.h"
#include "mqtt/packets.h"

namespace drover::ui {

std::optional<ReceivedEvent> ReceivedEvent::fromMessage(const mqtt::PublishPacket &message,
                                                        const QDateTime &received, QByteArray *error)
{
    std::optional<cloudevents::CloudEvent> event =
        cloudevents::decodeMqttMessage(message.payload, message.properties, error);
    if (!event)
        return std::nullopt;
    ReceivedEvent out;
    out.event = std::move(*event);
    out.received = received;
    out.topic = message.topic;
    out.size = message.payload.size();
    out.binaryMode = !message.properties.userProperty(QByteArrayLiteral("specversion")).isNull();
    return out;
}

bool ReceivedEvent::isConnectionEvent() const
{
    return event.type == cloudevents::CloudEvent::ConnectionEventType;
}

bool ReceivedEvent::operator==(const ReceivedEvent &o) const
{
    return event == o.event && received == o.received && topic == o.topic && size == o.size &&
           binaryMode == o.binaryMode;
}

} // namespace drover::ui
