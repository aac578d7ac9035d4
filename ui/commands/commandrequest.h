// One command as the composer sends it: where to, what, and how. A value: the history
// keeps it, templates fill it, "send again" copies it.
#pragma once

#include "commandtopic.h"
#include "payloadmode.h"

#include "mqtt/packets.h"

#include <QJsonObject>
#include <QMetaType>
#include <QString>

namespace drover::ui {

struct CommandRequest {
    quint64 id = 0; // given by CommandHistory::add(); identifies the outcome that comes back
    QString application;
    QString device;
    QString command;
    QString payload; // as typed
    PayloadMode mode = PayloadMode::Json;
    mqtt::QoS qos = mqtt::QoS::AtLeastOnce;

    CommandTopic target() const { return CommandTopic(application, device, command); }

    // The payload's bytes: UTF-8 of the text; nothing for a JSON payload of white space only.
    QByteArray payloadBytes() const;

    // The PUBLISH to send. With a payload, v5 properties say what it is: Payload Format
    // Indicator 1 (UTF-8), and Content Type application/json in JSON mode (the gateway
    // passes it to the device). MQTT 3.1.1 sends neither.
    mqtt::PublishPacket packet() const;

    // For history and templates in the settings (id included when set).
    QJsonObject toJson() const;
    static CommandRequest fromJson(const QJsonObject &json);

    bool operator==(const CommandRequest &other) const;
    bool operator!=(const CommandRequest &other) const { return !(*this == other); }
};

} // namespace drover::ui

Q_DECLARE_METATYPE(drover::ui::CommandRequest)
