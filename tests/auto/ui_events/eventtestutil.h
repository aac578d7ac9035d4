// Events as the demo's thermostats produce them, for the ui/events tests.
#pragma once

#include "events/receivedevent.h"

#include <QByteArray>
#include <QDateTime>

namespace drover::ui::test {

inline QDateTime baseTime()
{
    return QDateTime(QDate(2026, 11, 25), QTime(12, 0, 0, 0), Qt::UTC);
}

// An event of `device` on `channel` with the given data, numbered by `sequence` (its id,
// and its time in ms after baseTime()).
inline ReceivedEvent makeEvent(const QByteArray &device, qint64 sequence, const QByteArray &channel,
                               const QByteArray &data, const QByteArray &contentType = "application/json")
{
    ReceivedEvent e;
    e.event.id = "id-" + QByteArray::number(sequence);
    e.event.source = "drogue://demo/" + device;
    e.event.subject = channel;
    e.event.time = baseTime().addMSecs(sequence);
    e.event.dataContentType = contentType;
    e.event.application = "demo";
    e.event.device = device;
    e.event.sender = device;
    e.event.partitionKey = "demo/" + device;
    e.event.instance = "drover";
    e.event.data = data;
    e.received = e.event.time.addMSecs(5);
    e.topic = "app/demo";
    e.size = data.size() + 300;
    return e;
}

inline QByteArray stateData(qint64 sequence, double temperature = 21.53)
{
    return "{\"temperature\":" + QByteArray::number(temperature) +
           ",\"humidity\":45.2,\"targetTemperature\":21.5,\"interval\":1,\"sequence\":" +
           QByteArray::number(sequence) + '}';
}

// A thermostat's state event, as the demo sends it.
inline ReceivedEvent stateEvent(const QByteArray &device, qint64 sequence, double temperature = 21.53)
{
    return makeEvent(device, sequence, "state", stateData(sequence, temperature));
}

inline ReceivedEvent connectionEvent(const QByteArray &device, qint64 sequence, bool connected)
{
    ReceivedEvent e = makeEvent(device, sequence, "connection",
                                connected ? "{\"connected\":true}" : "{\"connected\":false}");
    e.event.type = cloudevents::CloudEvent::ConnectionEventType;
    return e;
}

} // namespace drover::ui::test
