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
        Mqtt,                  // the integration API for applications
        DeviceMqtt,            // the device endpoint
        DeviceHttp,            // the device HTTP endpoint
        WebSocket,             // the integration API, MQTT over WebSockets
        DeviceWebSocket,       // the device endpoint, MQTT over WebSockets
        Mqtts,                 // the integration API, MQTT over TLS (certificate: TlsConfig)
        DeviceMqtts,           // the device endpoint, MQTT over TLS
        SecureWebSocket,       // the integration API, MQTT over WebSockets over TLS (wss)
        DeviceSecureWebSocket, // the device endpoint, wss
    };
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

// A named user (an API key's user, an access token's subject) and their roles in one
// application. reader: subscribe to its events; publisher: send commands to its devices;
// admin: both (and whatever manages the application, later).
struct MemberConfig {
    QString user;
    bool reader = false;
    bool publisher = false;
    bool admin = false;
    bool operator==(const MemberConfig &o) const
    {
        return user == o.user && reader == o.reader && publisher == o.publisher && admin == o.admin;
    }
};

struct ApplicationConfig {
    QString name;
    // What clients that connect without credentials may do with this application.
    bool anonymousRead = false;
    bool anonymousCommand = false;
    QList<DeviceConfig> devices;
    QList<MemberConfig> members;
    bool operator==(const ApplicationConfig &o) const
    {
        return name == o.name && anonymousRead == o.anonymousRead && anonymousCommand == o.anonymousCommand &&
               devices == o.devices && members == o.members;
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

// An OAuth2/OpenID Connect issuer whose access tokens the integration API accepts
// ([[token-issuer]]). Its discovery document and key set are fetched at startup.
struct TokenIssuerConfig {
    QString url;           // the issuer identifier, compared with `iss` exactly
    QStringList audiences; // a token's `aud` must name one of them
    bool matchAzp = false; // ... or its `azp` (authorized party) may, instead
    // The claim that names the user; empty: preferred_username, else sub.
    QString usernameClaim;
    qint64 leewaySeconds = 30; // clock skew allowed for exp, nbf and iat
    QStringList allowedAlgorithms{QStringLiteral("RS256"), QStringLiteral("ES256"), QStringLiteral("PS256")};
    // A token signed by a key the cached key set lacks refetches it at most this often.
    qint64 keyRefetchIntervalSeconds = 30;
    // RFC 7662 introspection of opaque (non-JWT) tokens; off unless clientId is set.
    QString introspectionEndpoint; // empty: the discovery document's introspection_endpoint
    QString introspectionClientId;
    QString introspectionSecretFile; // the client secret, read at startup; never in the config
    bool introspection() const { return !introspectionClientId.isEmpty(); }
    bool operator==(const TokenIssuerConfig &o) const
    {
        return url == o.url && audiences == o.audiences && matchAzp == o.matchAzp &&
               usernameClaim == o.usernameClaim && leewaySeconds == o.leewaySeconds &&
               allowedAlgorithms == o.allowedAlgorithms &&
               keyRefetchIntervalSeconds == o.keyRefetchIntervalSeconds &&
               introspectionEndpoint == o.introspectionEndpoint &&
               introspectionClientId == o.introspectionClientId &&
               introspectionSecretFile == o.introspectionSecretFile;
    }
};

struct DemoConfig {
    bool enabled = false;
    QString application = QStringLiteral("demo");
    int devices = 3;
    double rate = 1.0; // events per second per device
};

// The certificate of every TLS listener ([tls]; --tls-cert, --tls-key). Paths as given on
// the command line; ConfigLoader::loadFile makes the file's relative to its directory.
struct TlsConfig {
    enum class ClientCertificates {
        Optional, // device listeners ask; a certificate that is sent must chain to clientCaFile
        Required, // a device without a valid certificate fails the TLS handshake
    };
    enum class Version {
        Tls12, // TLS 1.2 or later
        Tls13, // TLS 1.3 only
    };
    QString certificateFile;          // PEM: the server's certificate, then its chain
    QString privateKeyFile;           // PEM
    QString privateKeyPassphraseFile; // its first line decrypts privateKeyFile; empty: not encrypted
    QString clientCaFile;             // PEM CA certificates of the devices; empty: none asked for
    ClientCertificates clientCertificates = ClientCertificates::Optional;
    Version minVersion = Version::Tls12;
    bool operator==(const TlsConfig &o) const
    {
        return certificateFile == o.certificateFile && privateKeyFile == o.privateKeyFile &&
               privateKeyPassphraseFile == o.privateKeyPassphraseFile && clientCaFile == o.clientCaFile &&
               clientCertificates == o.clientCertificates && minVersion == o.minVersion;
    }
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
    // Where droverd keeps what it writes (api-keys.json); empty: defaultStateDir().
    QString stateDir;
    RetentionConfig retention;
    SessionConfig session;
    CommandsConfig commands;
    DemoConfig demo;
    QList<TokenIssuerConfig> tokenIssuers; // none: access tokens are refused
    TlsConfig tls;

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
// Whether listeners of `kind` speak TLS (and so need TlsConfig's certificate and key).
bool isTlsListener(ListenerConfig::Kind kind);
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

// Whether name may be a user name (of API keys and application members): non-empty, at
// most 256 characters, no whitespace or control characters.
bool isValidUserName(const QString &name, QString *error);

// The state directory when none is configured: $STATE_DIRECTORY (systemd's StateDirectory=),
// else $XDG_STATE_HOME/drover, else $HOME/.local/state/drover.
QString defaultStateDir();
// config.stateDir, or defaultStateDir() when it is empty.
QString stateDirOf(const Config &config);

// Whether hash is an Argon2 hash string as libsodium's crypto_pwhash_str writes it:
// "$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>" ("$argon2i$" too), salt and
// hash in unpadded base64, at most 127 characters. The check is of the form only; it does
// not need libsodium. The error never quotes the text: it may be a misplaced password.
bool isValidPasswordHash(const QByteArray &hash, QString *error);

} // namespace drover::config
