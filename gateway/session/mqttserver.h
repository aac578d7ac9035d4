// The session layer's entry point: transports hand it accepted client sockets; it runs
// each as a ClientConnection over the shared SessionStore.
#pragma once

#include "servercontext.h"

#include <QList>
#include <QObject>
#include <memory>

namespace drover::session {

class ClientConnection;
class ClientSocket;
class Endpoint;
class SessionStore;

class MqttServer : public QObject
{
    Q_OBJECT
public:
    explicit MqttServer(ServerContext context, QObject *parent = nullptr);
    ~MqttServer() override;

    // Takes ownership of `socket` and serves MQTT on it.
    void accept(ClientSocket *socket);

    // Ends every connection (v5: DISCONNECT 0x8B Server shutting down).
    void shutdown();

    int connectionCount() const { return int(m_connections.size()); }
    const SessionStore &sessions() const { return *m_sessions; }
    const ServerContext &context() const { return m_context; }

Q_SIGNALS:
    // Emitted when the last connection has closed after shutdown().
    void drained();

private:
    ServerContext m_context;
    std::unique_ptr<Endpoint> m_ownEndpoint;
    SessionStore *m_sessions = nullptr;
    QList<ClientConnection *> m_connections;
    bool m_shuttingDown = false;
};

} // namespace drover::session
