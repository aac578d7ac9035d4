// One CloudEvent as the console received it: the event, and when, where and how big.
// The value every console view works with (tables, details, device board, plots, export).
#pragma once

#include "cloudevents/cloudevent.h"

#include <QByteArray>
#include <QDateTime>
#include <optional>

namespace drover::mqtt {
struct PublishPacket;
}

namespace drover::ui {

struct ReceivedEvent {
    cloudevents::CloudEvent event;
    QDateTime received; // local receipt time (UTC)
    QByteArray topic;   // the MQTT topic it arrived on
    qint64 size = 0;    // bytes of the MQTT payload (structured: the whole JSON)
    bool binaryMode = false;

    // The event of a received PUBLISH, in either content mode; nullopt with `error` set
    // when it is not a CloudEvent.
    static std::optional<ReceivedEvent> fromMessage(const mqtt::PublishPacket &message,
                                                    const QDateTime &received, QByteArray *error = nullptr);

    // Convenience views of the event.
    QString device() const { return QString::fromUtf8(event.device); }
    QString channel() const { return QString::fromUtf8(event.subject); }
    bool isConnectionEvent() const;

    bool operator==(const ReceivedEvent &o) const;
    bool operator!=(const ReceivedEvent &o) const { return !(*this == o); }
};

} // namespace drover::ui
