// Commands for one connected device session: what it subscribed to under command/inbox/,
// and the delivery of each command as a PUBLISH on Drogue's inbox topics. At QoS 0 (as
// Drogue sends them) a command counts as delivered once written. A device that subscribes
// with QoS 1 acknowledges each command, and its PUBACK is the answer the sender gets: a
// v5 device may refuse a command with a negative PUBACK and a reason string.
#pragma once

#include "auth/identity.h"
#include "backend/commandreceiver.h"
#include "mqtt/packets.h"

#include <QHash>
#include <QObject>
#include <QPointer>
#include <QSet>

namespace drover::backend {
class CommandSource;
}

namespace drover::session {

class Session;

class DeviceInbox : public QObject, public backend::CommandReceiver
{
    Q_OBJECT
public:
    DeviceInbox(auth::Identity identity, Session *session, backend::CommandSource *commands);
    ~DeviceInbox() override; // detaches from every device it receives for

    // command/inbox//# (own commands) or command/inbox/# and command/inbox/+/# (own and
    // those of every device it is a gateway for, listed in `gatewayFor`). `qos` is the
    // granted QoS (0 or 1) commands for these devices go out with.
    void subscribeOwn(mqtt::QoS qos);
    void subscribeAll(const QSet<QString> &gatewayFor, mqtt::QoS qos);
    // command/inbox/<device>/#
    void subscribeDevice(const QString &device, mqtt::QoS qos);

    void receiveCommand(const backend::Command &command, Done done) override;

private:
    void attach(const QString &device, mqtt::QoS qos);
    void acknowledged(const backend::Command &command, const std::optional<mqtt::ReasonCode> &code,
                      const QString &reasonString, const Done &done);

    auth::Identity m_identity;
    QPointer<Session> m_session;
    backend::CommandSource *m_commands;
    bool m_own = false;                   // own commands go to command/inbox//<command>
    QSet<QString> m_named;                // devices named in the filter: command/inbox/<device>/<command>
    QHash<QString, mqtt::QoS> m_attached; // devices whose commands come here, and their QoS
    bool m_waitingForWindow = false;      // a command went back to the bus for want of room
    QByteArray m_topic;                   // reused for every command
};

} // namespace drover::session
