// Accepts MQTT over WebSockets (MQTT 6.0) and hands each connection to the session layer.
#pragma once

#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QTcpServer>
#include <QWebSocketServer>

class QWebSocket;

namespace drover::session {
class ClientSocket;
class MqttServer;
} // namespace drover::session

namespace drover::transport {

class GatedTcpSocket;
class WebSocketClientSocket;

// Our QTcpServer accepts the TCP connections (as GatedTcpSockets) and QWebSocketServer only
// runs the opening handshake on each (handleConnection), so that:
//  - a handshake that does not complete within handshakeTimeout() is aborted, and slow
//    handshakes never keep other clients waiting (each is driven by its own socket's data);
//  - the TCP socket under each WebSocket is ours, for read pausing and the lingering close.
// Accepted: the paths /mqtt and / (a query is ignored), with the subprotocol "mqtt" (or
// "mqttv3.1", the name older clients offer, as mosquitto accepts it). A client that offers
// neither (MQTT-6.0.0-3) gets close code 1002, another path 1008; both are logged.
// Frames and messages may be as large as the server's maximum packet size plus 64 KiB.
// wss (later): a QTcpServer making TLS sockets with the same gate, QWebSocketServer in
// SecureMode (for the wss:// request URLs), the handshake started once encrypted.
class WebSocketListener : public QObject
{
    Q_OBJECT
public:
    explicit WebSocketListener(session::MqttServer *server, QObject *parent = nullptr);
    ~WebSocketListener() override;

    // False with `error` set when the address can't be bound.
    bool listen(const QHostAddress &address, quint16 port, QString *error);
    // Stops accepting; handshakes still running are aborted. Established connections stay.
    void close();

    QHostAddress address() const { return m_tcp->serverAddress(); }
    quint16 port() const { return m_tcp->serverPort(); }
    QString url() const; // ws://127.0.0.1:8080/mqtt

    // Default 10 s.
    void setHandshakeTimeout(int ms) { m_handshakeTimeoutMs = ms; }
    int handshakeTimeout() const { return m_handshakeTimeoutMs; }
    // TCP connections whose WebSocket handshake is not done yet.
    int pendingHandshakes() const;

Q_SIGNALS:
    // A connection passed the checks and goes to the MqttServer right after this signal.
    void accepted(drover::session::ClientSocket *socket);

private:
    void onTcpConnections();
    void onWebSocketConnections();
    void adopt(QWebSocket *webSocket);
    void refuse(WebSocketClientSocket *socket, int code, const QString &reason);

    session::MqttServer *m_server;
    QTcpServer *m_tcp; // makes GatedTcpSockets
    QWebSocketServer m_webSockets;
    QList<QPointer<GatedTcpSocket>> m_handshaking;
    int m_handshakeTimeoutMs = 10000;
    qint64 m_maxMessageBytes;
};

} // namespace drover::transport
