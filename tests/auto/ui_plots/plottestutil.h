// Received events with JSON data for the plot tests.
#pragma once

#include "events/receivedevent.h"

#include <QDateTime>
#include <QList>

namespace drover::ui::test {

inline ReceivedEvent jsonEvent(const QString &device, const QDateTime &time, const QByteArray &data,
                               const QByteArray &contentType = QByteArrayLiteral("application/json"))
{
    ReceivedEvent e;
    e.event.application = QByteArrayLiteral("demo");
    e.event.device = device.toUtf8();
    e.event.sender = e.event.device;
    e.event.subject = QByteArrayLiteral("state");
    e.event.time = time;
    e.event.dataContentType = contentType;
    e.event.data = data;
    e.received = time;
    e.topic = "app/demo/" + e.event.device + "/state";
    e.size = data.size();
    return e;
}

inline ReceivedEvent temperatureEvent(const QString &device, const QDateTime &time, double value)
{
    return jsonEvent(device, time, QByteArrayLiteral("{\"temperature\":") + QByteArray::number(value) + '}');
}

} // namespace drover::ui::test
