#include "websocketlistener.h"

#include "gatedtcpsocket.h"
#include "websocketclientsocket.h"

#include "session/mqttserver.h"

#include <QLoggingCategory>
#include <QTimer>
#include <QWebSocket>

#include <unistd.h>

Q_DECLARE_LOGGING_CATEGORY(lcWebSocket)

namespace drover::transport {

namespace {

const QString HandshakeTimerName = QStringLiteral("drover-handshake-timer");
constexpr int RefusedCloseGraceMs = 5000; // for a refused client to take our close frame
constexpr qint64 FrameHeaderBytes = 14;   // the largest: 2 + 8 (length) + 4 (mask)

// Makes the sockets our own type, so that their input can be held from QWebSocket.
class GatedTcpServer : public QTcpServer
{
public:
    using QTcpServer::QTcpServer;

protected:
    void incomingConnection(qintptr descriptor) override
    {
        auto *socket = new GatedTcpSocket(this);
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
    return QStringLiteral("ws %1:%2")
        .arg(address.protocol() == QAbstractSocket::IPv6Protocol
                 ? QLatin1Char('[') + address.toString() + QLatin1Char(']')
                 : address.toString())
        .arg(socket->peerPort());
}

} // namespace

WebSocketListener::WebSocketListener(session::MqttServer *server, QObject *parent)
    : QObject(parent)
    , m_server(server)
    , m_tcp(new GatedTcpServer(this))
    , m_webSockets(QStringLiteral("drover"), QWebSocketServer::NonSecureMode)
    // One largest MQTT packet, and room for small ones a client packs into the same message.
    , m_maxMessageBytes(qint64(server->context().limits.maxPacketSize) + 64 * 1024)
{
    m_tcp->setMaxPendingConnections(1024);
    connect(m_tcp, &QTcpServer::pendingConnectionAvailable, this, &WebSocketListener::onTcpConnections);
    // QWebSocketServer selects the first of these that the client offers.
    m_webSockets.setSupportedSubprotocols({QStringLiteral("mqtt"), QStringLiteral("mqttv3.1")});
    m_webSockets.setMaxPendingConnections(1024);
    connect(&m_webSockets, &QWebSocketServer::newConnection, this,
            &WebSocketListener::onWebSocketConnections);
    connect(&m_webSockets, &QWebSocketServer::serverError, this, [this] {
        qCDebug(lcWebSocket).noquote() << "WebSocket handshake refused:" << m_webSockets.errorString();
    });
}

WebSocketListener::~WebSocketListener()
{
    close();
}

bool WebSocketListener::listen(const QHostAddress &address, quint16 port, QString *error)
{
    if (m_tcp->listen(address, port))
        return true;
    if (error)
        *error = m_tcp->errorString();
    return false;
}

void WebSocketListener::close()
{
    m_tcp->close();
    const QList<QPointer<GatedTcpSocket>> handshaking = std::exchange(m_handshaking, {});
    for (const QPointer<GatedTcpSocket> &socket : handshaking) {
        if (socket)
            socket->abort();
    }
}

QString WebSocketListener::url() const
{
    const QHostAddress a = address();
    const QString host = a.protocol() == QAbstractSocket::IPv6Protocol
                             ? QLatin1Char('[') + a.toString() + QLatin1Char(']')
                             : a.toString();
    return QStringLiteral("ws://%1:%2/mqtt").arg(host).arg(port());
}

int WebSocketListener::pendingHandshakes() const
{
    int count = 0;
    for (const QPointer<GatedTcpSocket> &socket : m_handshaking) {
        if (socket && socket->state() == QAbstractSocket::ConnectedState)
            ++count;
    }
    return count;
}

void WebSocketListener::onTcpConnections()
{
    m_handshaking.removeAll(nullptr);
    while (QTcpSocket *next = m_tcp->nextPendingConnection()) {
        auto *socket = static_cast<GatedTcpSocket *>(next); // GatedTcpServer made it
        // Room for one largest frame: QWebSocket waits for the whole payload of a frame, and
        // while the socket is held nothing more is read from the kernel.
        socket->setReadBufferSize(m_maxMessageBytes + FrameHeaderBytes);
        auto *timer = new QTimer(socket);
        timer->setObjectName(HandshakeTimerName);
        timer->setSingleShot(true);
        connect(timer, &QTimer::timeout, socket, [socket, timeoutMs = m_handshakeTimeoutMs] {
            qCInfo(lcWebSocket).noquote()
                << describePeer(socket) << "sent no WebSocket handshake within" << timeoutMs << "ms, closing";
            socket->abort(); // QWebSocketServer deletes it once disconnected
        });
        timer->start(m_handshakeTimeoutMs);
        m_handshaking.append(socket);
        m_webSockets.handleConnection(socket);
        socket->holdWhenUpgraded();
    }
}

void WebSocketListener::onWebSocketConnections()
{
    while (QWebSocket *webSocket = m_webSockets.nextPendingConnection())
        adopt(webSocket);
}

void WebSocketListener::adopt(QWebSocket *webSocket)
{
    // QWebSocketServer does not say which socket it upgraded: the peer tells them apart.
    GatedTcpSocket *tcp = nullptr;
    for (const QPointer<GatedTcpSocket> &candidate : std::as_const(m_handshaking)) {
        if (candidate && candidate->peerPort() == webSocket->peerPort() &&
            candidate->peerAddress() == webSocket->peerAddress()) {
            tcp = candidate;
            break;
        }
    }
    if (!tcp) {
        qCWarning(lcWebSocket) << "WebSocket connection from an unknown socket, dropped";
        webSocket->abort();
        webSocket->deleteLater();
        return;
    }
    m_handshaking.removeAll(tcp);
    delete tcp->findChild<QTimer *>(HandshakeTimerName, Qt::FindDirectChildrenOnly);
    // From here the socket lives as long as its connection object, which QWebSocketServer
    // must not pull away by deleting it on disconnect.
    QObject::disconnect(tcp, &QAbstractSocket::disconnected, &m_webSockets, nullptr);
    webSocket->setMaxAllowedIncomingFrameSize(quint64(m_maxMessageBytes));
    webSocket->setMaxAllowedIncomingMessageSize(quint64(m_maxMessageBytes));
    auto *socket = new WebSocketClientSocket(webSocket, tcp);

    const QString path = webSocket->requestUrl().path(QUrl::FullyEncoded); // never a raw newline in the log
    if (!path.isEmpty() && path != QLatin1String("/") && path != QLatin1String("/mqtt")) {
        refuse(socket, QWebSocketProtocol::CloseCodePolicyViolated,
               QStringLiteral("no MQTT endpoint at %1; use /mqtt").arg(path.left(64)));
        return;
    }
    if (webSocket->subprotocol().isEmpty()) {
        refuse(socket, QWebSocketProtocol::CloseCodeProtocolError,
               QStringLiteral("offer the WebSocket subprotocol \"mqtt\" (MQTT-6.0.0-3)"));
        return;
    }
    qCDebug(lcWebSocket).noquote() << socket->peerDescription() << "opened"
                                   << (path.isEmpty() ? QStringLiteral("/") : path) << "with subprotocol"
                                   << webSocket->subprotocol();
    Q_EMIT accepted(socket);
    m_server->accept(socket);
}

void WebSocketListener::refuse(WebSocketClientSocket *socket, int code, const QString &reason)
{
    qCWarning(lcWebSocket).noquote() << socket->peerDescription() << "refused:" << reason;
    socket->setParent(this);
    connect(socket, &session::ClientSocket::disconnected, socket, &QObject::deleteLater);
    QTimer::singleShot(RefusedCloseGraceMs, socket, [socket] { socket->abort(); });
    socket->closeWith(QWebSocketProtocol::CloseCode(code), reason);
}

} // namespace drover::transport
