#include "tlslistener.h"

#include "tcpclientsocket.h"
#include "tlshandshake.h"

#include "session/mqttserver.h"

#include <QLoggingCategory>
#include <QSslSocket>
#include <QTcpServer>
#include <QTimer>

#include <unistd.h>

Q_DECLARE_LOGGING_CATEGORY(lcTls)

namespace drover::transport {

namespace {

const QString HandshakeTimerName = QStringLiteral("drover-tls-handshake-timer");

// Makes the sockets QSslSockets; the handshake starts when the listener takes them.
class SslSocketServer : public QTcpServer
{
public:
    using QTcpServer::QTcpServer;

protected:
    void incomingConnection(qintptr descriptor) override
    {
        auto *socket = new QSslSocket(this);
        if (!socket->setSocketDescriptor(descriptor)) {
            delete socket;
            ::close(int(descriptor));
            return;
        }
        addPendingConnection(socket);
    }
};

QString describePeer(const QTcpSocket *socket)
{
    const QHostAddress address = socket->peerAddress();
    return QStringLiteral("tls %1:%2")
        .arg(address.protocol() == QAbstractSocket::IPv6Protocol
                 ? QLatin1Char('[') + address.toString() + QLatin1Char(']')
                 : address.toString())
        .arg(socket->peerPort());
}

} // namespace

TlsListener::TlsListener(session::MqttServer *server, const QSslConfiguration &configuration, QObject *parent)
    : QObject(parent)
    , m_server(server)
    , m_tcp(new SslSocketServer(this))
    , m_configuration(configuration)
{
    m_tcp->setMaxPendingConnections(1024);
    connect(m_tcp, &QTcpServer::pendingConnectionAvailable, this, &TlsListener::onTcpConnections);
}

TlsListener::~TlsListener()
{
    close();
}

bool TlsListener::listen(const QHostAddress &address, quint16 port, QString *error)
{
    if (m_tcp->listen(address, port))
        return true;
    if (error)
        *error = m_tcp->errorString();
    return false;
}

void TlsListener::close()
{
    m_tcp->close();
    const QList<QPointer<QSslSocket>> handshaking = std::exchange(m_handshaking, {});
    for (const QPointer<QSslSocket> &socket : handshaking) {
        if (socket)
            socket->abort();
    }
}

QHostAddress TlsListener::address() const
{
    return m_tcp->serverAddress();
}

quint16 TlsListener::port() const
{
    return m_tcp->serverPort();
}

QString TlsListener::url() const
{
    const QHostAddress a = address();
    const QString host = a.protocol() == QAbstractSocket::IPv6Protocol
                             ? QLatin1Char('[') + a.toString() + QLatin1Char(']')
                             : a.toString();
    return QStringLiteral("mqtts://%1:%2").arg(host).arg(port());
}

int TlsListener::pendingHandshakes() const
{
    int count = 0;
    for (const QPointer<QSslSocket> &socket : m_handshaking) {
        if (socket && socket->state() == QAbstractSocket::ConnectedState)
            ++count;
    }
    return count;
}

void TlsListener::onTcpConnections()
{
    m_handshaking.removeAll(nullptr);
    while (QTcpSocket *next = m_tcp->nextPendingConnection()) {
        auto *socket = static_cast<QSslSocket *>(next); // SslSocketServer made it
        const QString peer = describePeer(socket);
        // Until the handshake is done the socket is ours; a failed one goes away with its
        // connection.
        connect(socket, &QAbstractSocket::disconnected, socket, &QObject::deleteLater);
        auto *timer = new QTimer(socket);
        timer->setObjectName(HandshakeTimerName);
        timer->setSingleShot(true);
        connect(timer, &QTimer::timeout, socket, [socket, peer, timeoutMs = m_handshakeTimeoutMs] {
            qCInfo(lcTls).noquote() << peer << "completed no TLS handshake within" << timeoutMs
                                    << "ms, closing";
            socket->abort();
        });
        timer->start(m_handshakeTimeoutMs);
        m_handshaking.append(socket);
        startServerHandshake(socket, m_configuration, peer, this, [this, socket] { adopt(socket); });
    }
}

void TlsListener::adopt(QSslSocket *socket)
{
    m_handshaking.removeAll(socket);
    delete socket->findChild<QTimer *>(HandshakeTimerName, Qt::FindDirectChildrenOnly);
    // From here the connection object owns the socket and its lifetime.
    QObject::disconnect(socket, &QAbstractSocket::disconnected, socket, &QObject::deleteLater);
    auto *clientSocket = new TcpClientSocket(socket);
    Q_EMIT accepted(clientSocket);
    m_server->accept(clientSocket);
}

} // namespace drover::transport
