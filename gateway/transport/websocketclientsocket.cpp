#include "websocketclientsocket.h"

#include "writeshutdown.h"

#include "gatedsocket.h"

#include <QLoggingCategory>
#include <QSslSocket>
#include <QWebSocket>
#include <QtEndian>
#include <cstring>

Q_LOGGING_CATEGORY(lcWebSocket, "drover.transport.websocket")

namespace drover::transport {

namespace {

// A close frame as a server sends it (unmasked, RFC 6455 5.5.1): the code, then the reason
// cut to the 123 bytes a control frame leaves, on a UTF-8 character boundary.
QByteArray closeFrame(QWebSocketProtocol::CloseCode code, const QString &reason)
{
    QByteArray text = reason.toUtf8();
    if (text.size() > 123) {
        qsizetype end = 123;
        while (end > 0 && (quint8(text.at(end)) & 0xC0) == 0x80)
            --end; // text.at(end) starts a character: cut before it
        text.truncate(end);
    }
    QByteArray frame;
    frame.reserve(4 + text.size());
    frame.append(char(0x88)); // FIN, opcode 8 (close)
    frame.append(char(2 + text.size()));
    const quint16 wireCode = qToBigEndian(quint16(code));
    frame.append(reinterpret_cast<const char *>(&wireCode), 2);
    frame.append(text);
    return frame;
}

} // namespace

WebSocketClientSocket::WebSocketClientSocket(QWebSocket *webSocket, QTcpSocket *tcp, QObject *parent)
    : ClientSocket(parent)
    , m_webSocket(webSocket)
    , m_tcp(tcp)
    , m_gate(dynamic_cast<SocketGate *>(tcp))
    , m_writeShutdown(new WriteShutdown(tcp))
{
    Q_ASSERT(m_gate);
    m_tcp->setParent(this);
    m_webSocket->setParent(this);
    m_tcp->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    const QHostAddress address = m_tcp->peerAddress();
    m_peer = QStringLiteral("%1 %2:%3")
                 .arg(qobject_cast<QSslSocket *>(tcp) ? QStringLiteral("wss") : QStringLiteral("ws"))
                 .arg(address.protocol() == QAbstractSocket::IPv6Protocol
                          ? QLatin1Char('[') + address.toString() + QLatin1Char(']')
                          : address.toString())
                 .arg(m_tcp->peerPort());
    connect(m_webSocket, &QWebSocket::binaryFrameReceived, this, &WebSocketClientSocket::onBinaryFrame);
    connect(m_webSocket, &QWebSocket::textFrameReceived, this, &WebSocketClientSocket::onTextFrame);
    connect(m_tcp, &QTcpSocket::readyRead, this, [this] {
        if (m_closing && m_tcp)
            m_tcp->skip(m_gate->receivedBytes()); // lingering: see closeWith()
    });
    connect(m_writeShutdown, &WriteShutdown::written, this, &ClientSocket::bytesWritten);
    connect(m_tcp, &QTcpSocket::disconnected, this, &WebSocketClientSocket::finish);
    connect(m_tcp, &QObject::destroyed, this, &WebSocketClientSocket::finish);
    updateGate(); // the socket was held from the upgrade on: frames may be waiting
    if (m_tcp->state() != QAbstractSocket::ConnectedState)
        finish();
}

WebSocketClientSocket::~WebSocketClientSocket()
{
    // The TCP socket first: deleting it aborts the connection, as deleting a TcpClientSocket
    // does, and leaves QWebSocket's destructor nothing to close.
    if (m_webSocket)
        m_webSocket->disconnect(this);
    if (m_tcp) {
        m_tcp->disconnect(this);
        delete m_tcp.data();
    }
    delete m_webSocket.data();
}

qint64 WebSocketClientSocket::bytesAvailable() const
{
    return m_paused || m_closing ? 0 : unread();
}

qint64 WebSocketClientSocket::read(char *data, qint64 maxSize)
{
    const qint64 n = std::max<qint64>(0, std::min(maxSize, bytesAvailable()));
    if (n == 0)
        return 0;
    std::memcpy(data, m_inbound.constData() + m_readPos, size_t(n));
    m_readPos += n;
    if (m_readPos == m_inbound.size()) {
        m_inbound.clear(); // releases the memory of a burst once it is read
        m_readPos = 0;
    } else if (m_readPos >= 64 * 1024 && m_readPos * 2 >= m_inbound.size()) {
        m_inbound.remove(0, m_readPos); // each byte moved at most once on average
        m_readPos = 0;
    }
    return n;
}

void WebSocketClientSocket::write(const QByteArray &data)
{
    if (m_closing || data.isEmpty() || !m_webSocket || !m_tcp ||
        m_tcp->state() != QAbstractSocket::ConnectedState)
        return; // like writing to a closed socket: the bytes go nowhere
    m_webSocket->sendBinaryMessage(data);
}

qint64 WebSocketClientSocket::bytesToWrite() const
{
    return m_writeShutdown ? m_writeShutdown->pendingBytes() : 0;
}

void WebSocketClientSocket::close()
{
    closeWith(QWebSocketProtocol::CloseCodeNormal, QString());
}

void WebSocketClientSocket::closeWith(QWebSocketProtocol::CloseCode code, const QString &reason)
{
    // A lingering close, as TcpClientSocket does it, with a close frame first. QWebSocket's
    // own close() closes the TCP socket at once, and an RST for bytes the client is still
    // sending could destroy our last packet (a DISCONNECT with its reason) before the client
    // reads it. So the close frame is written here, behind what is queued; QWebSocket reads
    // no more (held) and we discard what comes until the client closes too.
    if (m_closing)
        return;
    m_closing = true;
    m_inbound.clear();
    m_readPos = 0;
    updateGate();
    if (!m_tcp || m_tcp->state() != QAbstractSocket::ConnectedState) {
        finish();
        return;
    }
    m_tcp->write(closeFrame(code, reason));
    m_tcp->skip(m_gate->receivedBytes());
    if (m_writeShutdown)
        m_writeShutdown->start();
}

void WebSocketClientSocket::abort()
{
    if (m_tcp)
        m_tcp->abort(); // emits disconnected() if it was connected
    finish();
}

QWebSocket *WebSocketClientSocket::webSocket() const
{
    return m_webSocket;
}

QString WebSocketClientSocket::peerDescription() const
{
    return m_peer;
}

void WebSocketClientSocket::setReadPaused(bool paused)
{
    m_paused = paused;
    updateGate();
    if (!paused)
        scheduleReadyRead();
}

void WebSocketClientSocket::onBinaryFrame(const QByteArray &frame, bool isLastFrame)
{
    if (m_closing)
        return;
    m_midMessage = !isLastFrame;
    if (unread() == 0) {
        m_inbound = frame; // shares the bytes: no copy
        m_readPos = 0;
    } else {
        m_inbound.append(frame);
    }
    updateGate(); // a pause that waited for the end of a message takes effect now
    scheduleReadyRead();
}

void WebSocketClientSocket::onTextFrame()
{
    if (m_closing)
        return;
    qCWarning(lcWebSocket).noquote() << m_peer
                                     << "sent a text frame; MQTT goes in binary frames only (MQTT-6.0.0-1), "
                                        "closing";
    closeWith(QWebSocketProtocol::CloseCodeDatatypeNotSupported,
              QStringLiteral("MQTT takes binary frames only (MQTT-6.0.0-1)"));
}

void WebSocketClientSocket::updateGate()
{
    // QWebSocket is stopped between messages only: in the middle of one it would wait for
    // the rest, and give up after 5 s (its own timeout for an incomplete message).
    if (m_tcp)
        m_gate->setHeld(m_closing || (m_paused && !m_midMessage));
}

void WebSocketClientSocket::scheduleReadyRead()
{
    if (m_readyReadPending || m_paused || m_closing || m_finished || unread() == 0)
        return;
    m_readyReadPending = true;
    QMetaObject::invokeMethod(
        this,
        [this] {
            m_readyReadPending = false;
            if (!m_paused && !m_closing && unread() > 0)
                Q_EMIT readyRead();
        },
        Qt::QueuedConnection);
}

void WebSocketClientSocket::finish()
{
    if (m_finished)
        return;
    m_finished = true;
    if (m_webSocket && !m_closing && m_webSocket->closeCode() != QWebSocketProtocol::CloseCodeNormal)
        qCDebug(lcWebSocket).noquote()
            << m_peer << "closed:" << int(m_webSocket->closeCode()) << m_webSocket->closeReason();
    QMetaObject::invokeMethod(this, &ClientSocket::disconnected, Qt::QueuedConnection);
}

} // namespace drover::transport
