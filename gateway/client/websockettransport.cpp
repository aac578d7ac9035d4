#include "websockettransport.h"

#include <QLoggingCategory>
#include <QNetworkRequest>
#include <QSslSocket>
#include <QStringList>
#include <QWebSocket>
#include <QWebSocketHandshakeOptions>
#include <cstring>

Q_DECLARE_LOGGING_CATEGORY(lcClient)

namespace drover::client {

WebSocketTransport::WebSocketTransport(QUrl url, std::optional<QSslConfiguration> tls, QObject *parent)
    : ClientTransport(parent)
    , m_url(std::move(url))
    , m_tls(std::move(tls))
{
    m_url.setUserInfo(QString()); // never sent, never logged
}

WebSocketTransport::~WebSocketTransport()
{
    // The socket is our child, but its destructor closes and emits while we are half
    // destroyed: cut it loose from our slots first.
    if (m_socket) {
        m_socket->disconnect(this);
        delete m_socket;
    }
}

QString WebSocketTransport::describe() const
{
    const bool secure = m_url.scheme() == QLatin1String("wss");
    const QString host = m_url.host();
    const QString path = m_url.path().isEmpty() ? QStringLiteral("/") : m_url.path();
    return QStringLiteral("%1 %2:%3%4")
        .arg(secure ? QStringLiteral("wss") : QStringLiteral("ws"),
             host.contains(QLatin1Char(':')) ? QLatin1Char('[') + host + QLatin1Char(']') : host)
        .arg(m_url.port(secure ? 443 : 80))
        .arg(path); // never the query: it might carry a token
}

QString WebSocketTransport::subprotocol() const
{
    return m_socket ? m_socket->subprotocol() : QString();
}

void WebSocketTransport::open()
{
    if (m_socket || m_finished) {
        qCWarning(lcClient).noquote() << describe() << "opened twice; a transport serves one connection";
        return;
    }
    const QString scheme = m_url.scheme();
    if (scheme != QLatin1String("ws") && scheme != QLatin1String("wss")) {
        setError(QStringLiteral("%1: not a WebSocket URL (ws:// or wss://)").arg(describe()));
        finish();
        return;
    }
    const bool secure = scheme == QLatin1String("wss");
    if (secure && !QSslSocket::supportsSsl()) {
        setError(QStringLiteral("%1: TLS is not available (no TLS backend)").arg(describe()));
        finish();
        return;
    }
    m_socket = new QWebSocket(QString(), QWebSocketProtocol::VersionLatest, this);
    if (secure && m_tls)
        m_socket->setSslConfiguration(*m_tls);
    connect(m_socket, &QWebSocket::connected, this, &WebSocketTransport::onConnected);
    connect(m_socket, &QWebSocket::binaryFrameReceived, this,
            [this](const QByteArray &frame) { onBinaryFrame(frame); });
    connect(m_socket, &QWebSocket::textFrameReceived, this, &WebSocketTransport::onTextFrame);
    connect(m_socket, &QWebSocket::bytesWritten, this, [this] {
        if (m_bytesWrittenPending || m_finished)
            return;
        m_bytesWrittenPending = true;
        QMetaObject::invokeMethod(
            this,
            [this] {
                m_bytesWrittenPending = false;
                if (!m_disconnectedEmitted)
                    Q_EMIT bytesWritten();
            },
            Qt::QueuedConnection);
    });
    connect(m_socket, qOverload<QAbstractSocket::SocketError>(&QWebSocket::error), this,
            &WebSocketTransport::onError);
    connect(m_socket, &QWebSocket::sslErrors, this,
            [this](const QList<QSslError> &errors) { m_sslErrors = errors; });
    connect(m_socket, &QWebSocket::disconnected, this, &WebSocketTransport::onDisconnected);

    QWebSocketHandshakeOptions options;
    options.setSubprotocols({QStringLiteral("mqtt")}); // MQTT-6.0.0-3
    // May fail at once (an invalid URL): onError() then reports it, queued.
    m_socket->open(QNetworkRequest(m_url), options);
}

void WebSocketTransport::onConnected()
{
    m_connected = true;
    if (m_socket->subprotocol().isEmpty())
        qCDebug(lcClient).noquote() << describe() << "the server selected no subprotocol (MQTT-6.0.0-4)";
    QMetaObject::invokeMethod(
        this,
        [this] {
            if (!m_disconnectedEmitted)
                Q_EMIT connected();
        },
        Qt::QueuedConnection);
}

void WebSocketTransport::onBinaryFrame(const QByteArray &frame)
{
    if (m_disconnectedEmitted)
        return;
    if (unread() == 0) {
        m_inbound = frame; // shares the bytes: no copy
        m_readPos = 0;
    } else {
        m_inbound.append(frame);
    }
    if (m_readyReadPending)
        return;
    m_readyReadPending = true;
    QMetaObject::invokeMethod(
        this,
        [this] {
            m_readyReadPending = false;
            if (!m_disconnectedEmitted && unread() > 0)
                Q_EMIT readyRead();
        },
        Qt::QueuedConnection);
}

void WebSocketTransport::onTextFrame()
{
    if (m_closing || m_finished)
        return;
    setError(
        QStringLiteral("%1: the server sent a text frame; MQTT goes in binary frames only (MQTT-6.0.0-1)")
            .arg(describe()));
    m_closing = true;
    m_socket->close(QWebSocketProtocol::CloseCodeDatatypeNotSupported,
                    QStringLiteral("MQTT takes binary frames only"));
}

void WebSocketTransport::onError()
{
    const QAbstractSocket::SocketError error = m_socket->error();
    // The server closing the connection is an end, not an error; onDisconnected() tells a
    // close with an error code apart.
    if (!(m_connected && error == QAbstractSocket::RemoteHostClosedError)) {
        QString message = QStringLiteral("%1: %2").arg(describe(), m_socket->errorString());
        if (!m_sslErrors.isEmpty()) {
            QStringList reasons;
            for (const QSslError &sslError : std::as_const(m_sslErrors))
                reasons.append(sslError.errorString());
            message += QStringLiteral(" (%1)").arg(reasons.join(QStringLiteral("; ")));
        }
        setError(message);
    }
    // An open() that failed at once (invalid URL) is followed by no disconnected().
    if (m_socket->state() == QAbstractSocket::UnconnectedState)
        finish();
}

void WebSocketTransport::onDisconnected()
{
    if (m_connected && !m_closing) {
        const QWebSocketProtocol::CloseCode code = m_socket->closeCode();
        if (code != QWebSocketProtocol::CloseCodeNormal && code != QWebSocketProtocol::CloseCodeGoingAway) {
            const QString reason = m_socket->closeReason();
            setError(QStringLiteral("%1: closed by the server with code %2%3")
                         .arg(describe())
                         .arg(int(code))
                         .arg(reason.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(reason)));
        }
    }
    finish();
}

void WebSocketTransport::setError(const QString &message)
{
    if (m_error.isEmpty())
        m_error = message; // the first one is the cause; the rest follow from it
}

void WebSocketTransport::finish()
{
    if (std::exchange(m_finished, true))
        return;
    // Queued, so that nothing comes from inside a call to us; an error recorded before the
    // end is reported before it.
    QMetaObject::invokeMethod(
        this,
        [this] {
            if (m_error.isEmpty() && !m_connected && !m_closing)
                m_error =
                    QStringLiteral("%1: the connection ended during the WebSocket handshake").arg(describe());
            if (!m_error.isEmpty() && !std::exchange(m_errorReported, true))
                Q_EMIT errorOccurred(m_error);
            m_disconnectedEmitted = true;
            Q_EMIT disconnected();
        },
        Qt::QueuedConnection);
}

qint64 WebSocketTransport::bytesAvailable() const
{
    return unread();
}

qint64 WebSocketTransport::read(char *data, qint64 maxSize)
{
    const qint64 n = std::max<qint64>(0, std::min(maxSize, unread()));
    if (n == 0)
        return 0;
    std::memcpy(data, m_inbound.constData() + m_readPos, size_t(n));
    m_readPos += n;
    if (m_readPos == m_inbound.size()) {
        m_inbound.clear();
        m_readPos = 0;
    } else if (m_readPos >= 64 * 1024 && m_readPos * 2 >= m_inbound.size()) {
        m_inbound.remove(0, m_readPos);
        m_readPos = 0;
    }
    return n;
}

void WebSocketTransport::write(const QByteArray &data)
{
    if (!m_connected || m_finished || m_closing || data.isEmpty() ||
        m_socket->state() != QAbstractSocket::ConnectedState)
        return;
    m_socket->sendBinaryMessage(data);
}

qint64 WebSocketTransport::bytesToWrite() const
{
    return m_socket ? m_socket->bytesToWrite() : 0;
}

void WebSocketTransport::close()
{
    m_closing = true;
    if (m_socket && !m_finished) {
        // What is queued goes out, then a close frame; QWebSocket closes the TCP connection
        // once that is flushed. Before the handshake is done there is nothing to send.
        if (m_socket->state() == QAbstractSocket::ConnectedState)
            m_socket->close(QWebSocketProtocol::CloseCodeNormal);
        else
            m_socket->abort();
    }
    if (!m_socket || m_socket->state() == QAbstractSocket::UnconnectedState)
        finish();
}

void WebSocketTransport::abort()
{
    m_closing = true;
    if (m_socket)
        m_socket->abort();
    finish();
}

} // namespace drover::client
