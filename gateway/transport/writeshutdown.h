// The sending half of a lingering close over TCP or TLS: once every byte given to the socket
// has reached the kernel, shut down our sending side (the peer reads all, then EOF) and keep
// the socket open until the peer closes too. Closing at once while the peer's bytes sit
// unread makes the kernel send RST, and an RST can destroy our last packet (a DISCONNECT or
// refusing CONNACK with its reason) before the peer reads it.
#pragma once

#include <QObject>

class QSslSocket;
class QTcpSocket;

namespace drover::transport {

class WriteShutdown : public QObject
{
    Q_OBJECT
public:
    // Watches socket (and is its child). Until start(), it only relays written().
    explicit WriteShutdown(QTcpSocket *socket);

    // Bytes given to the socket that the kernel has not taken yet (encrypted or not).
    qint64 pendingBytes() const;
    // Shuts our sending side down now if nothing is pending, else once the last byte is
    // written. A socket that is not connected is left alone.
    void start();
    bool isStarted() const { return m_started; }

Q_SIGNALS:
    // Room was made in the socket's send buffer (not emitted once start() was called).
    void written();

private:
    void onWritten();

    QTcpSocket *m_socket;
    QSslSocket *m_tls;
    bool m_started = false;
    bool m_done = false;
};

} // namespace drover::transport
