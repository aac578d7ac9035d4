// Accepts MQTT over TLS and hands each connection to the session layer.
#pragma once

#include <QHostAddress>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QSslConfiguration>

class QSslSocket;
class QTcpServer;

namespace drover::session {
class ClientSocket;
class MqttServer;
} // namespace drover::session

namespace drover::transport {

// Our QTcpServer accepts the TCP connections as QSslSockets and runs the server handshake on
// each (startServerHandshake); an encrypted one goes to the MqttServer as a TcpClientSocket,
// which has the same lingering close and back-pressure over TLS as over TCP. Not QSslServer:
// it drops a client whose first bytes are not TLS without a word, and the WebSocket listener
// needs its own socket class under the handshake anyway; both listeners now log alike.
//  - A handshake that does not complete within handshakeTimeout() is aborted and logged;
//    slow handshakes keep nobody else waiting (each is driven by its own socket's data).
//  - Failures (a client speaking plain MQTT, no shared protocol version, a client
//    certificate refused) are logged at info with the peer and Qt's reason; the listener
//    carries on.
//  - The TLS version and cipher of each connection are logged at debug.
class TlsListener : public QObject
{
    Q_OBJECT
public:
    // `configuration`: the certificate chain, private key, minimum protocol and client
    // certificate policy (TlsCredentials makes it).
    TlsListener(session::MqttServer *server, const QSslConfiguration &configuration,
                QObject *parent = nullptr);
    ~TlsListener() override;

    // False with `error` set when the address can't be bound.
    bool listen(const QHostAddress &address, quint16 port, QString *error);
    // Stops accepting; handshakes still running are aborted. Established connections stay.
    void close();

    QHostAddress address() const;
    quint16 port() const;
    QString url() const; // mqtts://127.0.0.1:8883

    // For the handshakes that start from now on (a certificate reload); established
    // connections keep what they negotiated.
    void setSslConfiguration(const QSslConfiguration &configuration) { m_configuration = configuration; }
    const QSslConfiguration &sslConfiguration() const { return m_configuration; }

    // Default 10 s.
    void setHandshakeTimeout(int ms) { m_handshakeTimeoutMs = ms; }
    int handshakeTimeout() const { return m_handshakeTimeoutMs; }
    // TCP connections whose TLS handshake is not done yet.
    int pendingHandshakes() const;

Q_SIGNALS:
    // An encrypted connection goes to the MqttServer right after this signal.
    void accepted(drover::session::ClientSocket *socket);

private:
    void onTcpConnections();
    void adopt(QSslSocket *socket);

    session::MqttServer *m_server;
    QTcpServer *m_tcp; // makes QSslSockets
    QSslConfiguration m_configuration;
    QList<QPointer<QSslSocket>> m_handshaking;
    int m_handshakeTimeoutMs = 10000;
};

} // namespace drover::transport
