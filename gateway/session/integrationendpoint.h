// The MQTT integration API of Drogue Cloud: applications subscribe to event streams
// (app/<app>[/<device>[/<channel>]], shared as $share/<group>/...) and publish commands
// (command/<app>/<device>/<command>). Wills can only be commands, so no client injects events.
#pragma once

#include "endpoint.h"
#include "servercontext.h"

namespace drover::session {

class IntegrationEndpoint : public Endpoint
{
public:
    explicit IntegrationEndpoint(const ServerContext &context)
        : m_context(context)
    {}

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

private:
    // The command a PUBLISH (or a will) to a command topic stands for, or why not.
    std::optional<Refusal> checkCommandTopic(const auth::Identity &identity, QByteArrayView topic) const;

    const ServerContext &m_context;
};

} // namespace drover::session
