// What MQTT means on a listener. ClientConnection runs the protocol (framing, CONNECT,
// keep alive, flow control, acknowledgements in order); an Endpoint gives the packets their
// meaning. The integration API (applications: events out, commands in) is one endpoint; the
// device endpoint (devices: events in, commands out) is the other, on the same machinery.
#pragma once

#include "auth/identity.h"
#include "mqtt/packets.h"

#include <QObject>
#include <QStringList>
#include <functional>
#include <optional>

namespace drover::session {

class Session;

struct Refusal {
    mqtt::ReasonCode reasonCode = mqtt::ReasonCode::UnspecifiedError;
    QString reason; // for the log and the v5 reason string; never a secret
};

class Endpoint
{
public:
    virtual ~Endpoint() = default;

    // The key of the client's session: the client id for applications; devices may have
    // one session per device whatever their client id.
    virtual QString sessionKey(const auth::Identity &identity, const QString &clientId) const
    {
        Q_UNUSED(identity);
        return clientId;
    }

    // Whether sessions may outlive their connection here (Session Expiry Interval > 0).
    virtual bool persistentSessions() const { return true; }
    // The client's connection was accepted and bound to `session` / is about to end.
    virtual void attached(const auth::Identity &identity, Session &session)
    {
        Q_UNUSED(identity);
        Q_UNUSED(session);
    }
    virtual void detached(const auth::Identity &identity, Session &session)
    {
        Q_UNUSED(identity);
        Q_UNUSED(session);
    }

    // Properties this endpoint adds to a successful v5 CONNACK (what it supports).
    virtual void addConnackProperties(mqtt::Properties &properties) const = 0;

    // At CONNECT, after authentication: may this client leave `will`?
    virtual std::optional<Refusal> checkWill(const auth::Identity &identity,
                                             const mqtt::Will &will) const = 0;
    // The connection ended without a normal DISCONNECT (or asked for its will).
    virtual void sendWill(const auth::Identity &identity, const QString &clientId,
                          const mqtt::Will &will) = 0;

    // Whether a PUBLISH may go ahead at all (topic, permission). A refusal here is the
    // client's mistake: a QoS 0 publish refused here ends the connection.
    virtual std::optional<Refusal> checkPublish(const auth::Identity &identity,
                                                const mqtt::PublishPacket &packet) = 0;
    // Hands an accepted PUBLISH on; `done` runs once with Success or why the backend refused
    // it (possibly before publish returns), not at all if `context` is destroyed first.
    using PublishDone = std::function<void(const std::optional<Refusal> &refusal)>;
    virtual void publish(const auth::Identity &identity, const QString &clientId,
                         const mqtt::PublishPacket &packet, QObject *context, PublishDone done) = 0;

    // One reason code per filter of `packet`; reasons for refusals are appended to `reasons`.
    virtual QList<mqtt::ReasonCode> subscribe(const auth::Identity &identity, Session &session,
                                              const mqtt::SubscribePacket &packet,
                                              mqtt::ProtocolVersion version, QStringList &reasons) = 0;
};

} // namespace drover::session
