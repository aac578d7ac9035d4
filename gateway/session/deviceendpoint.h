// The device endpoint: devices publish telemetry and receive commands, as Drogue Cloud's
// MQTT endpoint does it. PUBLISH <channel> (or <channel>/<device> from a gateway) becomes a
// CloudEvent of the device's application; SUBSCRIBE command/inbox/... receives commands.
// Connecting and disconnecting emit io.drogue.connection.v1 events, one session per device.
#pragma once

#include "endpoint.h"

#include "backend/deviceeventpublisher.h"

#include <QHash>
#include <functional>
#include <memory>
#include <variant>

namespace drover::backend {
class CommandSource;
class EventLog;
} // namespace drover::backend
namespace drover::registry {
class DeviceRegistry;
}

namespace drover::session {

class DeviceInbox;

class DeviceEndpoint : public Endpoint
{
public:
    using RegistryGetter = std::function<std::shared_ptr<const registry::DeviceRegistry>()>;
    DeviceEndpoint(backend::EventLog *events, backend::CommandSource *commands, RegistryGetter registry,
                   const QByteArray &instance);
    ~DeviceEndpoint() override;

    QString sessionKey(const auth::Identity &identity, const QString &clientId) const override;
    bool persistentSessions() const override { return false; }
    void attached(const auth::Identity &identity, Session &session) override;
    void detached(const auth::Identity &identity, Session &session) override;
    void addConnackProperties(mqtt::Properties &properties) const override;
    std::optional<Refusal> checkWill(const auth::Identity &identity, const mqtt::Will &will) const override;
    void sendWill(const auth::Identity &identity, const QString &clientId, const mqtt::Will &will) override;
    std::optional<Refusal> checkPublish(const auth::Identity &identity,
                                        const mqtt::PublishPacket &packet) override;
    void publish(const auth::Identity &identity, const QString &clientId, const mqtt::PublishPacket &packet,
                 QObject *context, PublishDone done) override;
    QList<mqtt::ReasonCode> subscribe(const auth::Identity &identity, Session &session,
                                      const mqtt::SubscribePacket &packet, mqtt::ProtocolVersion version,
                                      QStringList &reasons) override;

    // Topic <channel> or <channel>/<device>: the channel and the device the event is for.
    struct Target {
        QString channel;
        QString device;
    };
    std::variant<Target, Refusal> parseTopic(const auth::Identity &identity, QByteArrayView topic) const;

private:
    void publishEvent(const auth::Identity &identity, const Target &target, const QByteArray &payload,
                      const QByteArray &contentType, const QByteArray &type, QObject *context,
                      PublishDone done);

    backend::DeviceEventPublisher m_publisher;
    backend::CommandSource *m_commands;
    RegistryGetter m_registry;
    QHash<Session *, DeviceInbox *> m_inboxes; // the command inbox of each connected device session
};

} // namespace drover::session
