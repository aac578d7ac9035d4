#include "mqttserver.h"

#include "clientconnection.h"
#include "clientsocket.h"
#include "integrationendpoint.h"
#include "sessionstore.h"

namespace drover::session {

MqttServer::MqttServer(ServerContext context, QObject *parent)
    : QObject(parent)
    , m_context(std::move(context))
{
    if (!m_context.endpoint) {
        m_ownEndpoint = std::make_unique<IntegrationEndpoint>(m_context);
        m_context.endpoint = m_ownEndpoint.get();
    }
    m_sessions = new SessionStore(m_context, this);
}

MqttServer::~MqttServer()
{
    // Connections first: they detach from sessions that the store then deletes.
    qDeleteAll(std::exchange(m_connections, {}));
    delete m_sessions;
}

void MqttServer::accept(ClientSocket *socket)
{
    if (m_shuttingDown) {
        socket->abort();
        socket->deleteLater();
        return;
    }
    auto *connection = new ClientConnection(socket, m_context, *m_sessions, this);
    m_connections.append(connection);
    connect(connection, &ClientConnection::finished, this, [this](ClientConnection *c) {
        m_connections.removeOne(c);
        c->deleteLater();
        if (m_shuttingDown && m_connections.isEmpty())
            Q_EMIT drained();
    });
}

void MqttServer::shutdown()
{
    m_shuttingDown = true;
    const QList<ClientConnection *> connections = m_connections;
    for (ClientConnection *connection : connections)
        connection->disconnectClient(mqtt::ReasonCode::ServerShuttingDown,
                                     QStringLiteral("server shutting down"));
    if (m_connections.isEmpty())
        Q_EMIT drained();
}

} // namespace drover::session
