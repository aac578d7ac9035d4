// A client connection over MQTT over WebSockets (MQTT 6.0): the byte stream is the payload
// of the client's binary frames, in order. Frame boundaries mean nothing to MQTT (a packet
// may span frames, a frame may hold several packets), so frames are appended to one inbound
// buffer and the session's FrameReader does the rest.
#pragma once

#include "session/clientsocket.h"

#include <QByteArray>
#include <QPointer>
#include <QWebSocketProtocol>

class QSslSocket;
class QTcpSocket;
class QWebSocket;

namespace drover::transport {

class WriteShutdown;

class SocketGate;

// Behaviour, beside session::ClientSocket's contract:
//  - Binary frames only: a text frame is a protocol error (MQTT-6.0.0-1); the connection is
//    closed with 1003 (unsupported data) and the log says why.
//  - readyRead() and disconnected() are queued; readyRead() is coalesced, one per loop turn.
//  - write() sends one binary message; bytesToWrite() is what the TCP socket still holds,
//    framing (and over TLS, encryption) included.
//  - setReadPaused(true) stops readyRead(), and at the next message boundary also stops
//    QWebSocket from reading (see GatedSocket), so TCP flow control reaches the client.
//    Bound while paused: the TCP read buffer (one largest frame), what was decoded before the
//    pause, and the rest of a message begun before it (at most one largest message).
//  - close() is a lingering close, as over TCP: what is queued goes out, then a close frame,
//    then our side of the TCP connection is shut down and whatever the client still sends is
//    discarded until it closes too (the session's grace period aborts it otherwise).
//  - QWebSocket's own rules stay: it answers pings and close frames, closes with 1009 for a
//    frame or message above its limits (set by the listener), and drops a client that stops
//    for 5 s in the middle of a frame.
class WebSocketClientSocket : public session::ClientSocket
{
    Q_OBJECT
public:
    // Takes ownership of both: `webSocket`, upgraded by QWebSocketServer from `tcp`, a
    // GatedSocket (a GatedSslSocket for wss).
    WebSocketClientSocket(QWebSocket *webSocket, QTcpSocket *tcp, QObject *parent = nullptr);
    ~WebSocketClientSocket() override;

    qint64 bytesAvailable() const override;
    qint64 read(char *data, qint64 maxSize) override;
    void write(const QByteArray &data) override;
    qint64 bytesToWrite() const override;
    void close() override;
    void abort() override;
    QString peerDescription() const override; // "ws 127.0.0.1:53122", "wss 127.0.0.1:53122"
    void setReadPaused(bool paused) override;

    // A graceful close with a WebSocket close code and reason (at most 123 bytes of UTF-8).
    void closeWith(QWebSocketProtocol::CloseCode code, const QString &reason);

    QWebSocket *webSocket() const;

private:
    void onBinaryFrame(const QByteArray &frame, bool isLastFrame);
    void onTextFrame();
    void updateGate();
    void scheduleReadyRead();
    void finish();
    qint64 unread() const { return m_inbound.size() - m_readPos; }

    QPointer<QWebSocket> m_webSocket;
    QPointer<QTcpSocket> m_tcp;
    SocketGate *m_gate;                      // m_tcp's, valid while m_tcp is
    QPointer<WriteShutdown> m_writeShutdown; // on m_tcp: the lingering close, started by close()
    QString m_peer;
    QByteArray m_inbound; // payload of the binary frames, not yet read
    qsizetype m_readPos = 0;
    bool m_paused = false;
    bool m_midMessage = false; // the last binary frame was not the final one of its message
    bool m_closing = false;    // close frame sent: reading only to discard
    bool m_readyReadPending = false;
    bool m_finished = false; // disconnected() is scheduled
};

} // namespace drover::transport
