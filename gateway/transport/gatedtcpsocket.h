// The TCP socket under a server-side WebSocket: QWebSocket has no way to stop reading, but
// it reads only while bytesAvailable() says there is something. Held, this socket says
// there is nothing; the bytes stay in its read buffer, and once that buffer is full
// (setReadBufferSize) Qt stops reading from the kernel and TCP flow control slows the
// client down, as it does for a paused TcpClientSocket.
#pragma once

#include <QTcpSocket>

namespace drover::transport {

class GatedTcpSocket : public QTcpSocket
{
public:
    using QTcpSocket::QTcpSocket;

    // What QWebSocket (and anyone else) sees: 0 while held.
    qint64 bytesAvailable() const override;
    // What has arrived and is not read yet, held or not.
    qint64 receivedBytes() const { return QTcpSocket::bytesAvailable(); }

    bool isHeld() const { return m_held; }
    // Releasing with bytes waiting emits readyRead() (queued, once), so that the reader,
    // which skipped them while held, reads them now; then reading from the kernel resumes.
    void setHeld(bool held);

    // Holds the socket as soon as a QWebSocket attaches to it. QWebSocket reads the bytes
    // that follow the handshake the moment it is created, before QWebSocketServer hands it
    // out; a client that sent frames right behind its handshake would lose them. Armed
    // after QWebSocketServer::handleConnection(): the next readyRead() connection is the
    // QWebSocket's.
    void holdWhenUpgraded() { m_holdWhenUpgraded = true; }

protected:
    void connectNotify(const QMetaMethod &signal) override;

private:
    bool m_held = false;
    bool m_holdWhenUpgraded = false;
    bool m_readyReadPending = false;
};

} // namespace drover::transport
