#include "commandoutcome.h"

#include "mqtt/reasoncode.h"

namespace drover::ui {

using mqtt::ReasonCode;

namespace {

QString hex(int code)
{
    return QStringLiteral("0x") + QStringLiteral("%1").arg(code, 2, 16, QLatin1Char('0')).toUpper();
}

// "<text>: <reason>", or just the text when the gateway gave no reason.
QString withReason(const QString &text, const QString &reason)
{
    return reason.isEmpty() ? text : text + QStringLiteral(": ") + reason;
}

// The client's own failure texts (gateway/client/mqttclient.cpp): these never reached the
// gateway, or their answer never came back.
bool startsWith(const QString &reason, const char *prefix)
{
    return reason.startsWith(QLatin1String(prefix), Qt::CaseInsensitive);
}

// What follows the prefix, without a separating ':' and spaces.
QString afterPrefix(const QString &reason, const char *prefix)
{
    QString rest = reason.mid(qsizetype(qstrlen(prefix))).trimmed();
    if (rest.startsWith(u':'))
        rest = rest.mid(1).trimmed();
    return rest;
}

} // namespace

CommandOutcome::CommandOutcome(Status status, const QString &text, const QString &detail, int reasonCode)
    : m_status(status)
    , m_text(text)
    , m_detail(detail)
    , m_reasonCode(reasonCode)
{}

CommandOutcome CommandOutcome::pending(mqtt::QoS qos)
{
    if (qos == mqtt::QoS::AtMostOnce)
        return {Status::Pending, QStringLiteral("Sending…"),
                QStringLiteral("QoS 0: nothing will confirm it")};
    return {Status::Pending, QStringLiteral("Waiting for the device…"),
            QStringLiteral("QoS %1: the gateway acknowledges once the device took the command (a device "
                           "subscribed at QoS 1 acknowledges it itself), or once it queued it for a device "
                           "that is not connected")
                .arg(int(qos))};
}

CommandOutcome CommandOutcome::describe(const client::PublishOutcome &outcome, mqtt::QoS qos,
                                        mqtt::ProtocolVersion version)
{
    const QString &reason = outcome.reasonString;
    const int code = int(outcome.reasonCode);
    const QString codeLine = QStringLiteral("Reason code %1 (%2)")
                                 .arg(hex(code), QLatin1String(mqtt::reasonCodeName(outcome.reasonCode)));
    const QString reasonLine = reason.isEmpty() ? QString() : QStringLiteral("\nReason string: ") + reason;

    if (outcome.delivered) {
        if (qos == mqtt::QoS::AtMostOnce)
            return {Status::Sent, QStringLiteral("Sent (QoS 0: no acknowledgement)"),
                    QStringLiteral("QoS 0: written to the connection. Neither the gateway nor the device "
                                   "confirms it; the device's next events may show the effect."),
                    -1};
        // The gateway says "queued ..." in the reason string when the device could not take
        // the command now: a success, but not a delivery yet.
        if (startsWith(reason, "queued")) {
            // "queued for 60 s: device not connected" → "Queued by the gateway for 60 s: ..."
            const QString rest = reason.mid(6);
            const bool phrase = rest.startsWith(u' ') && !rest.trimmed().startsWith(u':');
            return {Status::Queued,
                    phrase
                        ? QStringLiteral("Queued by the gateway ") + rest.trimmed()
                        : withReason(QStringLiteral("Queued by the gateway"), afterPrefix(reason, "queued")),
                    codeLine + reasonLine +
                        QStringLiteral("\nThe device gets the command when it connects or has room, unless "
                                       "it expires first."),
                    code};
        }
        QString text = QStringLiteral("Delivered: the device took the command");
        if (!reason.isEmpty())
            text += QStringLiteral(" (") + reason + u')';
        return {
            Status::Delivered, text,
            codeLine + reasonLine +
                QStringLiteral("\nA device subscribed at QoS 1 acknowledged it itself; for a device "
                               "subscribed at QoS 0, delivered means the gateway wrote it to the device's "
                               "connection."),
            code};
    }

    // Failures the client reports without an answer from the gateway.
    const QString local = QStringLiteral("\nReported by the console's MQTT client: ") + reason;
    if (outcome.reasonCode == ReasonCode::UnspecifiedError) {
        if (startsWith(reason, "not connected"))
            return {Status::Failed, QStringLiteral("Not sent: not connected to the gateway"),
                    codeLine + local, code};
        if (startsWith(reason, "disconnected by the client") ||
            startsWith(reason, "connection attempt cancelled"))
            return {Status::Failed,
                    QStringLiteral("No acknowledgement: the console disconnected before it came"),
                    codeLine + local, code};
        if (startsWith(reason, "connection lost")) {
            if (version == mqtt::ProtocolVersion::V311)
                return {
                    Status::Failed,
                    QStringLiteral("Refused, or the connection was lost: MQTT 3.1.1 has no negative "
                                   "acknowledgement; the gateway closed the connection"),
                    codeLine + local +
                        QStringLiteral("\nWith MQTT 3.1.1 the gateway refuses a command (unknown device, "
                                       "not authorized, queue full, refused by the device) by closing the "
                                       "connection. Connect with MQTT 5 to get the reason."),
                    code};
            return {
                Status::Failed,
                withReason(QStringLiteral("No acknowledgement: the connection was lost; the device may or "
                                          "may not have the command"),
                           afterPrefix(reason, "connection lost")),
                codeLine + local, code};
        }
    }

    QString text;
    switch (outcome.reasonCode) {
    case ReasonCode::NotAuthorized:
        text = withReason(QStringLiteral("Not authorized, or no such device"), reason);
        break;
    case ReasonCode::TopicNameInvalid:
        text = withReason(QStringLiteral("Not a command topic"), reason);
        break;
    case ReasonCode::QuotaExceeded:
        text = withReason(QStringLiteral("The device's command queue is full"), reason);
        break;
    case ReasonCode::PayloadFormatInvalid:
        text = withReason(QStringLiteral("The device refused the payload"), reason);
        break;
    case ReasonCode::ImplementationSpecificError:
        text = withReason(QStringLiteral("The device refused the command"), reason);
        break;
    case ReasonCode::UnspecifiedError:
        text = withReason(QStringLiteral("The command failed (unspecified error)"), reason);
        break;
    case ReasonCode::PacketTooLarge:
        text = withReason(QStringLiteral("Too large for the gateway"), reason);
        break;
    case ReasonCode::QoSNotSupported:
        text = withReason(QStringLiteral("The gateway does not accept this QoS"), reason);
        break;
    default:
        text = withReason(
            QStringLiteral("Refused (%1)").arg(QLatin1String(mqtt::reasonCodeName(outcome.reasonCode))),
            reason);
        break;
    }
    return {Status::Refused, text, codeLine + reasonLine, code};
}

QString CommandOutcome::codeText() const
{
    return m_reasonCode < 0 ? QString() : hex(m_reasonCode);
}

QString CommandOutcome::statusName(Status status)
{
    switch (status) {
    case Status::Pending:
        return QStringLiteral("pending");
    case Status::Sent:
        return QStringLiteral("sent");
    case Status::Delivered:
        return QStringLiteral("delivered");
    case Status::Queued:
        return QStringLiteral("queued");
    case Status::Refused:
        return QStringLiteral("refused");
    case Status::Failed:
        break;
    }
    return QStringLiteral("failed");
}

CommandOutcome::Status CommandOutcome::statusFromName(const QString &name)
{
    for (Status status :
         {Status::Pending, Status::Sent, Status::Delivered, Status::Queued, Status::Refused}) {
        if (statusName(status) == name)
            return status;
    }
    return Status::Failed;
}

bool CommandOutcome::operator==(const CommandOutcome &other) const
{
    return m_status == other.m_status && m_text == other.m_text && m_detail == other.m_detail &&
           m_reasonCode == other.m_reasonCode;
}

} // namespace drover::ui
