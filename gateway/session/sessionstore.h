// All sessions of a server by client id: takeover, clean start and expiry.
#pragma once

#include "servercontext.h"

#include <QHash>
#include <QObject>

namespace drover::session {

class ClientConnection;
class Session;

class SessionStore : public QObject
{
    Q_OBJECT
public:
    explicit SessionStore(const ServerContext &context, QObject *parent = nullptr);
    ~SessionStore() override;

    struct Claim {
        Session *session = nullptr;
        bool present = false; // an existing session was resumed (CONNACK Session Present)
    };
    // The session a new connection continues or starts for `clientId`. A connection that
    // still holds the client id is taken over (MQTT-3.1.4-3); clean start discards the old
    // session.
    Claim claim(const QString &clientId, bool cleanStart);

    int count() const { return int(m_sessions.size()); }
    Session *find(const QString &clientId) const { return m_sessions.value(clientId); }

private:
    void discard(Session *session);

    const ServerContext &m_context;
    QHash<QString, Session *> m_sessions; // children of this
};

} // namespace drover::session
