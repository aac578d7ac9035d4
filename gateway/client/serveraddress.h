// Where an MqttClient connects, as a URL: mqtt://, mqtts://, ws:// or wss://. One value that
// a command line, a settings dialog or a configuration file can hold, and that makes the
// matching transports.
#pragma once

#include "mqttclient.h"

#include <QSslConfiguration>
#include <QString>
#include <QUrl>
#include <optional>

namespace drover::client {

class ServerAddress
{
public:
    enum class Scheme {
        Mqtt,  // MQTT over TCP, default port 1883
        Mqtts, // MQTT over TLS, 8883
        Ws,    // MQTT over WebSockets, 80, default path /mqtt
        Wss,   // MQTT over WebSockets over TLS, 443, default path /mqtt
    };

    // "mqtt://host[:port]", "mqtts://host[:port]", "ws://host[:port][/path]",
    // "wss://host[:port][/path]". The scheme is case-insensitive; a host is required (an IPv6
    // address in brackets); a port is 1 to 65535. Refused, with the reason in `error`: other
    // schemes, a missing "://", user info (credentials belong in the client options, not in
    // an address that gets logged), a query or fragment, and a path on mqtt(s).
    static std::optional<ServerAddress> parse(const QString &text, QString *error = nullptr);

    // Without a port: the scheme's default. Without a path (ws, wss): /mqtt.
    ServerAddress(Scheme scheme, QString host, quint16 port = 0, QString path = QString());

    Scheme scheme() const { return m_scheme; }
    const QString &host() const { return m_host; }
    quint16 port() const { return m_port; }
    const QString &path() const { return m_path; } // empty for mqtt and mqtts
    bool isTls() const { return m_scheme == Scheme::Mqtts || m_scheme == Scheme::Wss; }
    bool isWebSocket() const { return m_scheme == Scheme::Ws || m_scheme == Scheme::Wss; }

    // The canonical form, with the port: "mqtt://127.0.0.1:1883", "wss://[::1]:443/mqtt".
    QString toString() const;
    // The WebSocket URL (ws and wss; empty for mqtt and mqtts).
    QUrl webSocketUrl() const;

    // Makes a TcpTransport (mqtt, mqtts) or WebSocketTransport (ws, wss) for each attempt.
    // `tls` applies to mqtts and wss only, and defaults to Qt's default configuration (the
    // system's CA certificates); the certificate is verified against host().
    MqttClient::TransportFactory transportFactory(std::optional<QSslConfiguration> tls = std::nullopt) const;

    static quint16 defaultPort(Scheme scheme);
    static QString schemeName(Scheme scheme); // "mqtt", "mqtts", "ws", "wss"

    bool operator==(const ServerAddress &other) const
    {
        return m_scheme == other.m_scheme && m_host == other.m_host && m_port == other.m_port &&
               m_path == other.m_path;
    }
    bool operator!=(const ServerAddress &other) const { return !(*this == other); }

private:
    Scheme m_scheme;
    QString m_host;
    quint16 m_port;
    QString m_path;
};

} // namespace drover::client
