#include "deviceinbox.h"

#include "session.h"
#include "topicscheme.h"

#include "backend/commandsource.h"

#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcDevice)

namespace drover::session {

using backend::CommandResult;
using mqtt::QoS;
using mqtt::ReasonCode;

DeviceInbox::DeviceInbox(auth::Identity identity, Session *session, backend::CommandSource *commands)
    : m_identity(std::move(identity))
    , m_session(session)
    , m_commands(commands)
{}

DeviceInbox::~DeviceInbox()
{
    for (auto it = m_attached.cbegin(); it != m_attached.cend(); ++it)
        m_commands->detach(m_identity.application, it.key(), this);
}

void DeviceInbox::subscribeOwn(QoS qos)
{
    m_own = true;
    attach(m_identity.device, qos);
}

void DeviceInbox::subscribeAll(const QSet<QString> &gatewayFor, QoS qos)
{
    subscribeOwn(qos);
    for (const QString &device : gatewayFor)
        attach(device, qos);
}

void DeviceInbox::subscribeDevice(const QString &device, QoS qos)
{
    m_named.insert(device);
    attach(device, qos);
}

void DeviceInbox::attach(const QString &device, QoS qos)
{
    const auto existing = m_attached.constFind(device);
    // Overlapping filters: the highest QoS granted for the device applies.
    if (existing != m_attached.cend() && *existing >= qos)
        return;
    const bool first = existing == m_attached.cend();
    m_attached.insert(device, qos);
    if (!first)
        return;
    // Commands that waited for the device may come at once; let the SUBACK go out first.
    QMetaObject::invokeMethod(
        this, [this, device] { m_commands->attach(m_identity.application, device, this); },
        Qt::QueuedConnection);
}

void DeviceInbox::receiveCommand(const backend::Command &command, Done done)
{
    if (!m_session || !m_session->connection())
        return done({CommandResult::Status::Unavailable, QStringLiteral("the device is disconnecting")});

    // Drogue's inbox topics: command/inbox//<command> for the device's own commands (unless
    // it subscribed naming itself), command/inbox/<device>/<command> otherwise.
    m_topic = QByteArrayLiteral("command/inbox/");
    if (!(command.device == m_identity.device && m_own && !m_named.contains(command.device)))
        TopicScheme::appendTopicLevel(m_topic, command.device.toUtf8());
    m_topic.append('/').append(command.name.toUtf8());

    const QoS qos = m_attached.value(command.device, QoS::AtMostOnce);
    Session::MessageAcked acked;
    if (qos != QoS::AtMostOnce) {
        acked = [inbox = QPointer<DeviceInbox>(this), command,
                 done](const std::optional<Session::MessageAck> &ack) {
            if (!ack) // the session's connection ended before the PUBACK came
                return done({CommandResult::Status::Unavailable,
                             QStringLiteral("the device disconnected before acknowledging it")});
            if (inbox)
                inbox->acknowledged(command, ack->reasonCode, ack->reasonString, done);
            else
                done({}); // acknowledged as its session ended: delivered
        };
    }
    switch (m_session->sendMessage(m_topic, command.payload, qos, std::move(acked))) {
    case Session::SendResult::Sent:
        if (qos == QoS::AtMostOnce)
            done({CommandResult::Status::Accepted, QStringLiteral("delivered")});
        return;
    case Session::SendResult::WindowFull:
        // It waits in the bus; when a PUBACK frees the window the inbox asks for it again.
        m_waitingForWindow = true;
        return done({CommandResult::Status::Unavailable,
                     QStringLiteral("device %1 has as many unacknowledged commands as it accepts")
                         .arg(m_identity.user)});
    case Session::SendResult::TooLarge:
        return done({CommandResult::Status::Rejected,
                     QStringLiteral("the command is larger than device %1 accepts (its Maximum Packet Size)")
                         .arg(m_identity.user)});
    case Session::SendResult::NotConnected:
        break;
    }
    done({CommandResult::Status::QueueFull,
          QStringLiteral("device %1 is not reading its commands").arg(m_identity.user)});
}

void DeviceInbox::acknowledged(const backend::Command &command, const std::optional<ReasonCode> &code,
                               const QString &reasonString, const Done &done)
{
    if (m_waitingForWindow) {
        // Room again: attaching once more hands over what waited in the bus meanwhile.
        m_waitingForWindow = false;
        QMetaObject::invokeMethod(
            this,
            [this] {
                for (auto it = m_attached.cbegin(); it != m_attached.cend(); ++it)
                    m_commands->attach(m_identity.application, it.key(), this);
            },
            Qt::QueuedConnection);
    }
    if (!code || !mqtt::isError(*code))
        return done(
            {CommandResult::Status::Accepted, QStringLiteral("delivered and acknowledged by the device")});
    CommandResult result{
        CommandResult::Status::Rejected,
        QStringLiteral("device %1 refused command '%2': %3")
            .arg(m_identity.user, command.name,
                 reasonString.isEmpty() ? QString::fromLatin1(mqtt::reasonCodeName(*code)) : reasonString),
        quint8(*code)};
    qCInfo(lcDevice).noquote() << result.message;
    done(result);
}

} // namespace drover::session
