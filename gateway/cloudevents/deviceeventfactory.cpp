#include "deviceeventfactory.h"

#include <QUuid>

namespace drover::cloudevents {

std::optional<CloudEvent> DeviceEventFactory::create(const DeviceMessage &message, QByteArray *error) const
{
    return create(message,
                  QByteArray::fromRawData(CloudEvent::DeviceEventType, qstrlen(CloudEvent::DeviceEventType)),
                  error);
}

std::optional<CloudEvent> DeviceEventFactory::create(const DeviceMessage &message, const QByteArray &type,
                                                     QByteArray *error) const
{
    // Drogue's rule (endpoint-common/src/sender/mod.rs): a declared JSON type is a promise
    // the payload must keep; any other declared type is the device's business.
    QByteArray contentType;
    if (message.contentType.isEmpty()) {
        contentType = isJsonValue(message.payload) ? QByteArrayLiteral("application/json")
                                                   : QByteArrayLiteral("application/octet-stream");
    } else if (isJsonContentType(message.contentType) && !isJsonValue(message.payload)) {
        if (error)
            *error = QByteArrayLiteral("payload is not valid JSON for content type ") + message.contentType;
        return std::nullopt;
    } else {
        contentType = message.contentType;
    }

    const QByteArray &sender = message.sender.isEmpty() ? message.device : message.sender;

    CloudEvent event;
    event.id = QUuid::createUuid().toByteArray(QUuid::WithoutBraces);
    // Drogue inserts the application name raw. Application names are DNS-label-like, which
    // RFC 3986 encoding leaves unchanged, so encoding it too only matters for a name that
    // would otherwise break the URI.
    event.source = QByteArrayLiteral("drogue://") + percentEncodeSegment(message.application) + '/' +
                   percentEncodeSegment(message.device);
    event.type = type;
    event.subject = message.channel;
    event.time = QDateTime::currentDateTimeUtc();
    event.dataContentType = std::move(contentType);
    event.application = message.application;
    event.device = message.device;
    event.sender = sender;
    event.partitionKey = percentEncodeSegment(message.application) + '/' + percentEncodeSegment(sender);
    event.instance = m_instance;
    event.data = message.payload;
    return event;
}

} // namespace drover::cloudevents
