// The gateway's configuration as values. Read from TOML by ConfigLoader; droverd's
// command line overrides single entries. Nothing here touches files or sockets.
#pragma once

#include <QByteArray>
#include <QHostAddress>
#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace drover::config {

struct ListenerConfig {
    enum class Kind {
        Mqtt,            // the integration API for applications
        DeviceMqtt,      // the device endpoint
        DeviceHttp,      // the device HTTP endpoint
        WebSocket,       // the integration API, MQTT over WebSockets
        DeviceWebSocket, // the device endpoint, MQTT over WebSockets
    };                   // TLS kinds come with the transport
    Kind kind = Kind::Mqtt;
    QHostAddress address = QHostAddress::LocalHost;
    quint16 port = 1883; // 0 picks a free port; the log says which
    bool operator==(const ListenerConfig &o) const
    {
        return kind == o.kind && address == o.address && port == o.port;
    }
};

// A device of an application, as the registry knows it. Devices authenticate as
// themselves; a gateway device may also act for the devices named in gatewayFor.
struct DeviceConfig {
    QString name;
    // A libsodium/Argon2 hash string ("$argon2id$v=19$..."), never the password itself.
    // Empty: the device cannot log in with a password (other credentials come later).
    QByteArray passwordHash;
    bool enabled = true;
    // Other devices of the same application this device may publish for.
    QStringList gatewayFor;
    bool operator==(const DeviceConfig &o) const
    {
        return name == o.name && passwordHash == o.passwordHash && enabled == o.enabled &&
               gatewayFor == o.gatewayFor;
    }
};

struct ApplicationConfig {
    QString name;
    // What clients that connect without credentials may do with this application.
    bool anonymousRead = false;
    bool anonymousCommand = false;
    QList<DeviceConfig> devices;
    bool operator==(const ApplicationConfig &o) const
    {
        return name == o.name && anonymousRead == o.anonymousRead && anonymousCommand == o.anonymousCommand &&
               devices == o.devices;
    }

    // The device called name, or nullptr.
    const DeviceConfig *device(const QString &name) const;
};

// Bounds of the embedded event log, per application: the oldest events go first.
struct RetentionConfig {
    qint64 maxEvents = 100000;
    qint64 maxBytes = 64 * 1024 * 1024;
    // A consumer group without members is forgotten after this long (seconds).
    qint64 groupIdleSeconds = 24 * 3600;
};

// Commands for devices that are not connected wait in a queue per device (Drogue drops them).
struct CommandsConfig {
    qint64 ttlSeconds = 60;              // 0: no queueing, such commands are refused
    qint64 maxQueued = 100;              // per device
    qint64 maxQueuedBytes = 1024 * 1024; // per device
};

struct SessionConfig {
    // Upper bound of a session's expiry interval; 3.1.1 persistent sessions get this.
    quint32 maxSessionExpirySeconds = 24 * 3600;
    // Server cap on QoS 1 deliveries in flight per session (the client's Receive Maximum
    // lowers it further).
    quint16 maxInflight = 1000;
    // Largest packet accepted from clients (advertised as v5 Maximum Packet Size).
    quint32 maxPacketSize = 1024 * 1024;
    quint16 topicAliasMaximum = 32;
    // Keep alive for clients that ask for 0 or more than this (advertised as Server Keep Alive).
    quint16 maxKeepAliveSeconds = 3600;
    // A session stops pulling events while this many bytes wait in its socket buffer.
    qint64 socketHighWaterBytes = 512 * 1024;
};

struct DemoConfig {
    bool enabled = false;
    QString application = QStringLiteral("demo");
    int devices = 3;
    double rate = 1.0; // events per second per device
};

struct Config {
    QString instance = QStringLiteral("drover"); // the CloudEvents `instance` extension
    QString logLevel = QStringLiteral("info");   // debug, info, warning, error
    QList<ListenerConfig> listeners{
        ListenerConfig{},
        ListenerConfig{ListenerConfig::Kind::DeviceMqtt, QHostAddress::LocalHost, 1884},
        ListenerConfig{ListenerConfig::Kind::DeviceHttp, QHostAddress::LocalHost, 8088},
    };
    QList<ApplicationConfig> applications;
    RetentionConfig retention;
    SessionConfig session;
    CommandsConfig commands;
    DemoConfig demo;

    // The application called name, or nullptr.
    const ApplicationConfig *application(const QString &name) const;
};

// Text helpers shared by ConfigLoader and droverd's command line, so a value means the
// same wherever it is given. On failure they return nullopt and, if error is not null,
// set it to a reason without any location (the caller knows where the text came from).

// "HOST:PORT" where HOST is an IPv4 literal, a bracketed IPv6 literal ("[::1]") or
// `localhost` (127.0.0.1); other host names are refused because nothing resolves names at
// startup. PORT is 0..65535, 0 picking a free port. The result is an mqtt listener.
std::optional<ListenerConfig> parseListenAddress(const QString &text, QString *error);
// The inverse of parseListenAddress: "127.0.0.1:1883", "[::1]:1883".
QString formatListenAddress(const ListenerConfig &listener);

// Listener kinds by their configuration name ("mqtt"); nullopt for an unknown name.
std::optional<ListenerConfig::Kind> listenerKindFromName(const QString &name);
QString listenerKindName(ListenerConfig::Kind kind);
// Every known kind name, for error messages and --help.
QStringList listenerKindNames();

// A byte count: "1048576", "512KiB", "64 MiB"; units B, KiB, MiB, GiB (powers of 1024).
std::optional<qint64> parseByteSize(const QString &text, QString *error);
// The largest unit that represents bytes exactly: 65536 -> "64KiB", 1000 -> "1000B".
QString formatByteSize(qint64 bytes);

// A duration in seconds: "90", "90s", "15m", "24h", "7d".
std::optional<qint64> parseDuration(const QString &text, QString *error);
// The largest unit that represents seconds exactly: 86400 -> "1d", 90 -> "90s".
QString formatDuration(qint64 seconds);

// Whether name may be an application name (non-empty, none of '/', '+', '#', no
// whitespace or control characters: it becomes an MQTT topic level); sets error if not.
bool isValidApplicationName(const QString &name, QString *error);

// Whether name may be a device name: the application name rules, and no '@' either,
// because user names of the form "device@application" separate the two with it.
bool isValidDeviceName(const QString &name, QString *error);

// Whether hash is an Argon2 hash string as libsodium's crypto_pwhash_str writes it:
// "$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>" ("$argon2i$" too), salt and
// hash in unpadded base64, at most 127 characters. The check is of the form only; it does
// not need libsodium. The error never quotes the text: it may be a misplaced password.
bool isValidPasswordHash(const QByteArray &hash, QString *error);

} // namespace drover::config
