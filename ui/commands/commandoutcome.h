// What became of a sent command, in plain words: the PUBACK reason code (or the local
// failure) of client::PublishOutcome turned into a sentence for the composer and history,
// with the code and the gateway's reason string in a detail text (tooltip).
#pragma once

#include "client/mqttclient.h"
#include "mqtt/packets.h"

#include <QString>

namespace drover::ui {

class CommandOutcome
{
public:
    enum class Status : quint8 {
        Pending,   // sent, no answer yet
        Sent,      // QoS 0: written, nobody confirms
        Delivered, // acknowledged: the device took it (or it was written to a QoS 0 device)
        Queued,    // acknowledged: the gateway keeps it until the device can take it
        Refused,   // a negative acknowledgement (gateway, device, or the client before sending)
        Failed,    // no acknowledgement: not connected, connection lost, console closed
    };

    CommandOutcome() = default; // Pending, no text
    CommandOutcome(Status status, const QString &text, const QString &detail, int reasonCode = -1);

    // While the acknowledgement is awaited: a QoS 1/2 command now waits for the device.
    static CommandOutcome pending(mqtt::QoS qos);
    // The plain-words outcome of a publish at `qos` over a connection speaking `version`
    // (3.1.1 refuses by closing the connection, which the client reports as a loss).
    static CommandOutcome describe(const client::PublishOutcome &outcome, mqtt::QoS qos,
                                   mqtt::ProtocolVersion version = mqtt::ProtocolVersion::V5);

    Status status() const { return m_status; }
    const QString &text() const { return m_text; }     // one line, e.g. "The device's command queue is full"
    const QString &detail() const { return m_detail; } // the code as 0xNN, reason string, what it means
    int reasonCode() const { return m_reasonCode; }    // the wire code, -1 when none applies
    QString codeText() const;                          // "0x87", or empty

    bool isPending() const { return m_status == Status::Pending; }
    bool isSuccess() const
    {
        return m_status == Status::Sent || m_status == Status::Delivered || m_status == Status::Queued;
    }

    // Stable names for persistence ("pending", "sent", ...); unknown names read as Failed.
    static QString statusName(Status status);
    static Status statusFromName(const QString &name);

    bool operator==(const CommandOutcome &other) const;
    bool operator!=(const CommandOutcome &other) const { return !(*this == other); }

private:
    Status m_status = Status::Pending;
    QString m_text;
    QString m_detail;
    int m_reasonCode = -1;
};

} // namespace drover::ui
