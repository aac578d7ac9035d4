#include "deviceinbox.h"

#include "clientconnection.h"
#include "session.h"
#include "topicscheme.h"

#include "backend/commandsource.h"
#include "mqtt/packetencoder.h"

namespace drover::session {

using backend::CommandResult;

DeviceInbox::DeviceInbox(auth::Identity identity, Session *session, backend::CommandSource *commands)
    : m_identity(std::move(identity))
    , m_session(session)
    , m_commands(commands)
{}

DeviceInbox::~DeviceInbox()
{
    for (const QString &device : std::as_const(m_attached))
        m_commands->detach(m_identity.application, device, this);
}

void DeviceInbox::subscribeOwn()
{
    m_own = true;
    attach(m_identity.device);
}

void DeviceInbox::subscribeAll(const QSet<QString> &gatewayFor)
{
    subscribeOwn();
    for (const QString &device : gatewayFor)
        attach(device);
}

void DeviceInbox::subscribeDevice(const QString &device)
{
    m_named.insert(device);
    attach(device);
}

void DeviceInbox::attach(const QString &device)
{
    if (m_attached.contains(device))
        return;
    m_attached.insert(device);
    // Commands that waited for the device may come at once; let the SUBACK go out first.
    QMetaObject::invokeMethod(
        this, [this, device] { m_commands->attach(m_identity.application, device, this); },
        Qt::QueuedConnection);
}

CommandResult DeviceInbox::receiveCommand(const backend::Command &command)
{
    ClientConnection *connection = m_session ? m_session->connection() : nullptr;
    if (!connection)
        return {CommandResult::Status::Unavailable, QStringLiteral("device is disconnecting")};
    if (!connection->hasRoom())
        return {CommandResult::Status::QueueFull,
                QStringLiteral("device %1 is not reading its commands").arg(m_identity.user)};

    // Drogue's inbox topics: command/inbox//<command> for the device's own commands (unless
    // it subscribed naming itself), command/inbox/<device>/<command> otherwise.
    m_topic = QByteArrayLiteral("command/inbox/");
    if (!(command.device == m_identity.device && m_own && !m_named.contains(command.device)))
        TopicScheme::appendTopicLevel(m_topic, command.device.toUtf8());
    m_topic.append('/').append(command.name.toUtf8());

    mqtt::PacketEncoder::PublishHead head;
    head.topic = m_topic;
    mqtt::PacketEncoder::appendPublish(connection->outbox(), connection->version(), head, {},
                                       command.payload);
    connection->flush();
    return {CommandResult::Status::Accepted, QStringLiteral("delivered")};
}

} // namespace drover::session
