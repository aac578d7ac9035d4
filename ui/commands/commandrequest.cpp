#include "commandrequest.h"

#include "jsonvalidator.h"

#include <algorithm>

namespace drover::ui {

QByteArray CommandRequest::payloadBytes() const
{
    if (mode == PayloadMode::Json && JsonValidator::validate(payload).empty)
        return {};
    return payload.toUtf8();
}

mqtt::PublishPacket CommandRequest::packet() const
{
    mqtt::PublishPacket packet;
    packet.topic = target().topic();
    packet.payload = payloadBytes();
    packet.qos = qos;
    if (!packet.payload.isEmpty()) {
        packet.properties.setInteger(mqtt::Properties::PayloadFormatIndicator, 1);
        if (mode == PayloadMode::Json)
            packet.properties.setBytes(mqtt::Properties::ContentType, QByteArrayLiteral("application/json"));
    }
    return packet;
}

QJsonObject CommandRequest::toJson() const
{
    QJsonObject json{{QStringLiteral("application"), application},
                     {QStringLiteral("device"), device},
                     {QStringLiteral("command"), command},
                     {QStringLiteral("payload"), payload},
                     {QStringLiteral("mode"), payloadModeName(mode)},
                     {QStringLiteral("qos"), int(qos)}};
    if (id != 0)
        json.insert(QStringLiteral("id"), QString::number(id)); // a double can't hold every quint64
    return json;
}

CommandRequest CommandRequest::fromJson(const QJsonObject &json)
{
    CommandRequest request;
    request.id = json.value(QStringLiteral("id")).toString().toULongLong();
    request.application = json.value(QStringLiteral("application")).toString();
    request.device = json.value(QStringLiteral("device")).toString();
    request.command = json.value(QStringLiteral("command")).toString();
    request.payload = json.value(QStringLiteral("payload")).toString();
    request.mode = payloadModeFromName(json.value(QStringLiteral("mode")).toString());
    request.qos = mqtt::QoS(std::clamp(json.value(QStringLiteral("qos")).toInt(1), 0, 2));
    return request;
}

bool CommandRequest::operator==(const CommandRequest &other) const
{
    return id == other.id && application == other.application && device == other.device &&
           command == other.command && payload == other.payload && mode == other.mode && qos == other.qos;
}

} // namespace drover::ui
