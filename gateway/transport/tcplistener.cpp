#include "tcplistener.h"

#include "tcpclientsocket.h"

#include "session/mqttserver.h"

#include <QTcpSocket>

namespace drover::transport {

TcpListener::TcpListener(session::MqttServer *server, QObject *parent)
    : QObject(parent)
    , m_server(server)
{
    m_tcp.setMaxPendingConnections(1024);
    connect(&m_tcp, &QTcpServer::pendingConnectionAvailable, this, &TcpListener::acceptPending);
}

bool TcpListener::listen(const QHostAddress &address, quint16 port, QString *error)
{
    if (m_tcp.listen(address, port))
        return true;
    if (error)
        *error = m_tcp.errorString();
    return false;
}

QString TcpListener::url() const
{
    const QHostAddress a = address();
    const QString host = a.protocol() == QAbstractSocket::IPv6Protocol
                             ? QLatin1Char('[') + a.toString() + QLatin1Char(']')
                             : a.toString();
    return QStringLiteral("mqtt://%1:%2").arg(host).arg(port());
}

void TcpListener::acceptPending()
{
    while (QTcpSocket *socket = m_tcp.nextPendingConnection())
        m_server->accept(new TcpClientSocket(socket));
}

} // namespace drover::transport
