#include "websocketlistener.h"

#include "gatedsocket.h"
#include "tlshandshake.h"
#include "websocketclientsocket.h"

#include "session/mqttserver.h"

#include <QLoggingCategory>
#include <QSslSocket>
#include <QTimer>
#include <QWebSocket>

#include <unistd.h>

Q_DECLARE_LOGGING_CATEGORY(lcWebSocket)

namespace drover::transport {

namespace {

const QString HandshakeTimerName = QStringLiteral("drover-handshake-timer");
constexpr int RefusedCloseGraceMs = 5000; // for a refused client to take our close frame
constexpr qint64 FrameHeaderBytes = 14;   // the largest: 2 + 8 (length) + 4 (mask)

// Makes the sockets our own type, so that their input can be held from QWebSocket: TLS
// sockets for wss, whose handshake starts when the listener takes them.
class GatedTcpServer : public QTcpServer
{
public:
    GatedTcpServer(bool secure, QObject *parent)
        : QTcpServer(parent)
        , m_secure(secure)
    {}

protected:
    void incomingConnection(qintptr descriptor) override
    {
        QTcpSocket *socket = m_secure ? static_cast<QTcpSocket *>(new GatedSslSocket(this))
                                      : static_cast<QTcpSocket *>(new GatedTcpSocket(this));
        if (!socket->setSocketDescriptor(descriptor)) {
            delete socket;
            ::close(int(descriptor));
            return;
        }
        addPendingConnection(socket);
    }

private:
    bool m_secure;
};

SocketGate *gateOf(QTcpSocket *socket)
{
    return dynamic_cast<SocketGate *>(socket); // GatedTcpServer made it
}

QString describePeer(const QTcpSocket *socket)
{
    const QHostAddress address = socket->peerAddress();
    return QStringLiteral("%1 %2:%3")
        .arg(qobject_cast<const QSslSocket *>(socket) ? QStringLiteral("wss") : QStringLiteral("ws"))
        .arg(address.protocol() == QAbstractSocket::IPv6Protocol
                 ? QLatin1Char('[') + address.toString() + QLatin1Char(']')
                 : address.toString())
        .arg(socket->peerPort());
}

} // namespace

WebSocketListener::WebSocketListener(session::MqttServer *server, QObject *parent)
    : WebSocketListener(server, std::nullopt, parent)
{}

WebSocketListener::WebSocketListener(session::MqttServer *server, const QSslConfiguration &tls,
                                     QObject *parent)
    : WebSocketListener(server, std::optional<QSslConfiguration>(tls), parent)
{}

WebSocketListener::WebSocketListener(session::MqttServer *server, std::optional<QSslConfiguration> tls,
                                     QObject *parent)
    : QObject(parent)
    , m_server(server)
    , m_tls(std::move(tls))
    , m_tcp(new GatedTcpServer(m_tls.has_value(), this))
    , m_webSockets(QStringLiteral("drover"),
                   m_tls ? QWebSocketServer::SecureMode : QWebSocketServer::NonSecureMode)
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
    const QList<QPointer<QTcpSocket>> handshaking = std::exchange(m_handshaking, {});
    for (const QPointer<QTcpSocket> &socket : handshaking) {
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
    return QStringLiteral("%1://%2:%3/mqtt")
        .arg(m_tls ? QStringLiteral("wss") : QStringLiteral("ws"), host)
        .arg(port());
}

void WebSocketListener::setSslConfiguration(const QSslConfiguration &tls)
{
    if (m_tls)
        m_tls = tls;
}

int WebSocketListener::pendingHandshakes() const
{
    int count = 0;
    for (const QPointer<QTcpSocket> &socket : m_handshaking) {
        if (socket && socket->state() == QAbstractSocket::ConnectedState)
            ++count;
    }
    return count;
}

void WebSocketListener::onTcpConnections()
{
    m_handshaking.removeAll(nullptr);
    while (QTcpSocket *socket = m_tcp->nextPendingConnection()) {
        // Room for one largest frame: QWebSocket waits for the whole payload of a frame, and
        // while the socket is held nothing more is read from the kernel.
        socket->setReadBufferSize(m_maxMessageBytes + FrameHeaderBytes);
        auto *timer = new QTimer(socket);
        timer->setObjectName(HandshakeTimerName);
        timer->setSingleShot(true);
        connect(timer, &QTimer::timeout, socket, [socket, timeoutMs = m_handshakeTimeoutMs] {
            const auto *tls = qobject_cast<QSslSocket *>(socket);
            qCInfo(lcWebSocket).noquote()
                << describePeer(socket)
                << (tls && !tls->isEncrypted() ? "completed no TLS handshake" : "sent no WebSocket handshake")
                << "within" << timeoutMs << "ms, closing";
            socket->abort(); // deleted once disconnected (below, or by QWebSocketServer)
        });
        timer->start(m_handshakeTimeoutMs);
        m_handshaking.append(socket);
        auto *tls = qobject_cast<QSslSocket *>(socket);
        if (!tls) {
            upgrade(socket);
            continue;
        }
        // Ours until QWebSocketServer takes it over: a failed TLS handshake ends here.
        connect(socket, &QAbstractSocket::disconnected, socket, &QObject::deleteLater);
        startServerHandshake(tls, *m_tls, describePeer(socket), this, [this, socket] {
            QObject::disconnect(socket, &QAbstractSocket::disconnected, socket, &QObject::deleteLater);
            upgrade(socket);
        });
    }
}

void WebSocketListener::upgrade(QTcpSocket *socket)
{
    m_webSockets.handleConnection(socket);
    gateOf(socket)->holdWhenUpgraded();
}

void WebSocketListener::onWebSocketConnections()
{
    while (QWebSocket *webSocket = m_webSockets.nextPendingConnection())
        adopt(webSocket);
}

void WebSocketListener::adopt(QWebSocket *webSocket)
{
    // QWebSocketServer does not say which socket it upgraded: the peer tells them apart.
    QTcpSocket *tcp = nullptr;
    for (const QPointer<QTcpSocket> &candidate : std::as_const(m_handshaking)) {
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
