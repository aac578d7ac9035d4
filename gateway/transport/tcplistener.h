// Accepts MQTT over plain TCP and hands each connection to the session layer.
#pragma once

#include <QHostAddress>
#include <QObject>
#include <QTcpServer>

namespace drover::session {
class MqttServer;
}

namespace drover::transport {

class TcpListener : public QObject
{
    Q_OBJECT
public:
    TcpListener(session::MqttServer *server, QObject *parent = nullptr);

    // False with `error` set when the address can't be bound.
    bool listen(const QHostAddress &address, quint16 port, QString *error);
    void close() { m_tcp.close(); }

    QHostAddress address() const { return m_tcp.serverAddress(); }
    quint16 port() const { return m_tcp.serverPort(); }
    QString url() const; // mqtt://127.0.0.1:1883

private:
    void acceptPending();

    session::MqttServer *m_server;
    QTcpServer m_tcp;
};

} // namespace drover::transport
