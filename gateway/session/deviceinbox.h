// Commands for one connected device session: what it subscribed to under command/inbox/,
// and the delivery of each command as a QoS 0 PUBLISH on Drogue's inbox topics.
#pragma once

#include "auth/identity.h"
#include "backend/commandreceiver.h"

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
    // those of every device it is a gateway for, listed in `gatewayFor`).
    void subscribeOwn();
    void subscribeAll(const QSet<QString> &gatewayFor);
    // command/inbox/<device>/#
    void subscribeDevice(const QString &device);

    backend::CommandResult receiveCommand(const backend::Command &command) override;

private:
    void attach(const QString &device);

    auth::Identity m_identity;
    QPointer<Session> m_session;
    backend::CommandSource *m_commands;
    bool m_own = false;       // own commands go to command/inbox//<command>
    QSet<QString> m_named;    // devices named in the filter: command/inbox/<device>/<command>
    QSet<QString> m_attached; // devices whose commands come here
    QByteArray m_topic;       // reused for every command
};

} // namespace drover::session
