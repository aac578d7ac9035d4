// Accepts MQTT over WebSockets (MQTT 6.0) and hands each connection to the session layer.
#pragma once

#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QSslConfiguration>
#include <QTcpServer>
#include <QWebSocketServer>
#include <optional>

class QTcpSocket;
class QWebSocket;

namespace drover::session {
class ClientSocket;
class MqttServer;
} // namespace drover::session

namespace drover::transport {

class WebSocketClientSocket;

// Our QTcpServer accepts the TCP connections (as GatedSockets) and QWebSocketServer only
// runs the opening handshake on each (handleConnection), so that:
//  - a handshake that does not complete within handshakeTimeout() is aborted, and slow
//    handshakes never keep other clients waiting (each is driven by its own socket's data);
//  - the TCP socket under each WebSocket is ours, for read pausing and the lingering close.
// Secure (wss): the sockets are GatedSslSockets, the TLS handshake runs first
// (startServerHandshake, as for MQTT over TLS) and the WebSocket handshake once encrypted;
// handshakeTimeout() covers both. QWebSocketServer is in SecureMode for the wss:// request
// URLs only: its own TLS server is never used.
// Accepted: the paths /mqtt and / (a query is ignored), with the subprotocol "mqtt" (or
// "mqttv3.1", the name older clients offer, as mosquitto accepts it). A client that offers
// neither (MQTT-6.0.0-3) gets close code 1002, another path 1008; both are logged.
// Frames and messages may be as large as the server's maximum packet size plus 64 KiB.
class WebSocketListener : public QObject
{
    Q_OBJECT
public:
    // MQTT over WebSockets (ws).
    explicit WebSocketListener(session::MqttServer *server, QObject *parent = nullptr);
    // MQTT over secure WebSockets (wss) with `tls` (TlsCredentials makes it).
    WebSocketListener(session::MqttServer *server, const QSslConfiguration &tls, QObject *parent = nullptr);
    ~WebSocketListener() override;

    // False with `error` set when the address can't be bound.
    bool listen(const QHostAddress &address, quint16 port, QString *error);
    // Stops accepting; handshakes still running are aborted. Established connections stay.
    void close();

    QHostAddress address() const { return m_tcp->serverAddress(); }
    quint16 port() const { return m_tcp->serverPort(); }
    QString url() const; // ws://127.0.0.1:8080/mqtt, wss://127.0.0.1:8443/mqtt
    bool isSecure() const { return m_tls.has_value(); }

    // wss: for the handshakes that start from now on (a certificate reload); established
    // connections keep what they negotiated. Ignored by a ws listener.
    void setSslConfiguration(const QSslConfiguration &tls);

    // Default 10 s.
    void setHandshakeTimeout(int ms) { m_handshakeTimeoutMs = ms; }
    int handshakeTimeout() const { return m_handshakeTimeoutMs; }
    // TCP connections whose (TLS and) WebSocket handshake is not done yet.
    int pendingHandshakes() const;

Q_SIGNALS:
    // A connection passed the checks and goes to the MqttServer right after this signal.
    void accepted(drover::session::ClientSocket *socket);

private:
    WebSocketListener(session::MqttServer *server, std::optional<QSslConfiguration> tls, QObject *parent);
    void onTcpConnections();
    void upgrade(QTcpSocket *socket);
    void onWebSocketConnections();
    void adopt(QWebSocket *webSocket);
    void refuse(WebSocketClientSocket *socket, int code, const QString &reason);

    session::MqttServer *m_server;
    std::optional<QSslConfiguration> m_tls; // wss
    QTcpServer *m_tcp;                      // makes GatedTcpSockets (wss: GatedSslSockets)
    QWebSocketServer m_webSockets;
    QList<QPointer<QTcpSocket>> m_handshaking;
    int m_handshakeTimeoutMs = 10000;
    qint64 m_maxMessageBytes;
};

} // namespace drover::transport
