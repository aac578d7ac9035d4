#include "commandlineoptions.h"

#include "configloader.h"

#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>

#include <algorithm>

namespace drover::config {

CommandLineOptions::CommandLineOptions()
    : m_config(QStringLiteral("config"),
               QStringLiteral("Read the TOML configuration <file> (see resources/examples/drover.toml)."),
               QStringLiteral("file"))
    , m_mqtt(QStringLiteral("mqtt"),
             QStringLiteral(
                 "Listen for MQTT on <host:port> (default 127.0.0.1:1883; port 0 picks a free port and "
                 "the log says which). Repeatable; replaces the configured MQTT listeners."),
             QStringLiteral("host:port"))
    , m_deviceMqtt(QStringLiteral("device-mqtt"),
                   QStringLiteral("Listen for devices (MQTT device endpoint) on <host:port> (default "
                                  "127.0.0.1:1884; port 0 picks a free port). Repeatable; replaces the "
                                  "configured device listeners."),
                   QStringLiteral("host:port"))
    , m_deviceHttp(QStringLiteral("device-http"),
                   QStringLiteral("Listen for devices over HTTP (POST /v1/<channel>) on <host:port> (default "
                                  "127.0.0.1:8088; port 0 picks a free port). Repeatable."),
                   QStringLiteral("host:port"))
    , m_ws(QStringLiteral("ws"),
           QStringLiteral("Listen for MQTT over WebSockets (ws://<host:port>/mqtt) on <host:port> (none by "
                          "default; port 0 picks a free port). Repeatable; replaces the configured ws "
                          "listeners."),
           QStringLiteral("host:port"))
    , m_deviceWs(QStringLiteral("device-ws"),
                 QStringLiteral("Listen for devices over WebSockets (ws://<host:port>/mqtt) on <host:port> "
                                "(none by default; port 0 picks a free port). Repeatable; replaces the "
                                "configured device-ws listeners."),
                 QStringLiteral("host:port"))
    , m_mqtts(
          QStringLiteral("mqtts"),
          QStringLiteral("Listen for MQTT over TLS (mqtts://<host:port>) on <host:port> (none by default; "
                         "port 0 picks a free port; needs --tls-cert and --tls-key or [tls]). Repeatable; "
                         "replaces the configured mqtts listeners."),
          QStringLiteral("host:port"))
    , m_deviceMqtts(QStringLiteral("device-mqtts"),
                    QStringLiteral("Listen for devices over TLS on <host:port> (none by default; they may "
                                   "present client certificates, see [tls] client-ca). Repeatable; replaces "
                                   "the configured device-mqtts listeners."),
                    QStringLiteral("host:port"))
    , m_wss(QStringLiteral("wss"),
            QStringLiteral("Listen for MQTT over secure WebSockets (wss://<host:port>/mqtt) on <host:port> "
                           "(none by default). Repeatable; replaces the configured wss listeners."),
            QStringLiteral("host:port"))
    , m_deviceWss(QStringLiteral("device-wss"),
                  QStringLiteral("Listen for devices over secure WebSockets (wss://<host:port>/mqtt) on "
                                 "<host:port> (none by default). Repeatable; replaces the configured "
                                 "device-wss listeners."),
                  QStringLiteral("host:port"))
    , m_tlsCert(QStringLiteral("tls-cert"),
                QStringLiteral("The certificate of the TLS listeners: a PEM <file> with the server's "
                               "certificate first, then its chain (replaces certificate of [tls])."),
                QStringLiteral("file"))
    , m_tlsKey(QStringLiteral("tls-key"),
               QStringLiteral("The private key of --tls-cert's certificate, a PEM <file> (replaces "
                              "private-key of [tls]). SIGHUP re-reads both files."),
               QStringLiteral("file"))
    , m_demo(
          QStringLiteral("demo"),
          QStringLiteral("Run the demo application 'demo' with simulated devices; anonymous clients may read "
                         "and command it."))
    , m_demoRate(QStringLiteral("demo-rate"),
                 QStringLiteral("Events per second of each demo device (default 1)."), QStringLiteral("n"))
    , m_demoDevices(QStringLiteral("demo-devices"), QStringLiteral("Number of demo devices (default 3)."),
                    QStringLiteral("n"))
    , m_logLevel(QStringLiteral("log-level"), QStringLiteral("debug, info (default), warning or error."),
                 QStringLiteral("level"))
    , m_stateDir(QStringLiteral("state-dir"),
                 QStringLiteral("Keep state (api-keys.json) in <dir> (default $STATE_DIRECTORY, else "
                                "$XDG_STATE_HOME/drover, else ~/.local/state/drover)."),
                 QStringLiteral("dir"))
{}

void CommandLineOptions::addTo(QCommandLineParser &parser) const
{
    parser.addOptions({m_config, m_mqtt, m_deviceMqtt, m_deviceHttp, m_ws, m_deviceWs, m_mqtts, m_deviceMqtts,
                       m_wss, m_deviceWss, m_tlsCert, m_tlsKey, m_demo, m_demoRate, m_demoDevices, m_logLevel,
                       m_stateDir});
}

bool CommandLineOptions::hasConfigFile(const QCommandLineParser &parser) const
{
    return parser.isSet(m_config);
}

QString CommandLineOptions::configFile(const QCommandLineParser &parser) const
{
    return parser.value(m_config);
}

std::optional<Config> CommandLineOptions::load(const QCommandLineParser &parser, QString *error) const
{
    Config config;
    if (parser.isSet(m_config)) {
        auto loaded = ConfigLoader::loadFile(parser.value(m_config), error);
        if (!loaded)
            return std::nullopt;
        config = *loaded;
    }
    // --mqtt, --device-mqtt, --device-http, --ws, --device-ws and the TLS ones each replace
    // the listeners of their kind.
    using Kind = ListenerConfig::Kind;
    QString firstTlsOption; // "--mqtts 127.0.0.1:8883", for the message below
    for (const auto &[option, kind] :
         {std::pair{&m_mqtt, Kind::Mqtt}, std::pair{&m_deviceMqtt, Kind::DeviceMqtt},
          std::pair{&m_deviceHttp, Kind::DeviceHttp}, std::pair{&m_ws, Kind::WebSocket},
          std::pair{&m_deviceWs, Kind::DeviceWebSocket}, std::pair{&m_mqtts, Kind::Mqtts},
          std::pair{&m_deviceMqtts, Kind::DeviceMqtts}, std::pair{&m_wss, Kind::SecureWebSocket},
          std::pair{&m_deviceWss, Kind::DeviceSecureWebSocket}}) {
        if (!parser.isSet(*option))
            continue;
        if (isTlsListener(kind) && firstTlsOption.isEmpty())
            firstTlsOption =
                QStringLiteral("--%1 %2").arg(option->names().constFirst(), parser.value(*option));
        config.listeners.removeIf([kind = kind](const ListenerConfig &l) { return l.kind == kind; });
        for (const QString &value : parser.values(*option)) {
            QString reason;
            auto listener = parseListenAddress(value, &reason);
            if (!listener) {
                *error = QStringLiteral("--%1 %2: %3").arg(option->names().constFirst(), value, reason);
                return std::nullopt;
            }
            listener->kind = kind;
            config.listeners.append(*listener);
        }
    }
    // Paths made absolute here, so that a reload (SIGHUP) reads the same files.
    for (const auto &[option, target] : {std::pair{&m_tlsCert, &config.tls.certificateFile},
                                         std::pair{&m_tlsKey, &config.tls.privateKeyFile}}) {
        if (!parser.isSet(*option))
            continue;
        if (parser.value(*option).isEmpty()) {
            *error = QStringLiteral("--%1: expected a PEM file, got ''").arg(option->names().constFirst());
            return std::nullopt;
        }
        *target = QFileInfo(parser.value(*option)).absoluteFilePath();
    }
    const bool tlsListener = std::any_of(config.listeners.cbegin(), config.listeners.cend(),
                                         [](const ListenerConfig &l) { return isTlsListener(l.kind); });
    if (tlsListener && (config.tls.certificateFile.isEmpty() || config.tls.privateKeyFile.isEmpty())) {
        // (A TLS listener of the file has its [tls] checked by the loader: this one is ours.)
        *error = QStringLiteral("%1: a TLS listener needs a certificate and its private key: give --tls-cert "
                                "FILE and --tls-key FILE (or certificate and private-key in [tls] of the "
                                "--config file)")
                     .arg(firstTlsOption.isEmpty() ? QStringLiteral("--tls-cert") : firstTlsOption);
        return std::nullopt;
    }
    if (parser.isSet(m_demo))
        config.demo.enabled = true;
    if (parser.isSet(m_demoRate)) {
        bool ok = false;
        const double rate = parser.value(m_demoRate).toDouble(&ok);
        if (!ok || !(rate > 0) || rate > 10000) {
            *error = QStringLiteral("--demo-rate: expected a number of events per second above 0 and up to "
                                    "10000, got '%1'")
                         .arg(parser.value(m_demoRate));
            return std::nullopt;
        }
        config.demo.rate = rate;
    }
    if (parser.isSet(m_demoDevices)) {
        bool ok = false;
        const int devices = parser.value(m_demoDevices).toInt(&ok);
        if (!ok || devices < 1 || devices > 1000) {
            *error = QStringLiteral("--demo-devices: expected 1 to 1000, got '%1'")
                         .arg(parser.value(m_demoDevices));
            return std::nullopt;
        }
        config.demo.devices = devices;
    }
    if (parser.isSet(m_logLevel))
        config.logLevel = parser.value(m_logLevel);
    if (parser.isSet(m_stateDir)) {
        if (parser.value(m_stateDir).isEmpty()) {
            *error = QStringLiteral("--state-dir: expected a directory, got ''");
            return std::nullopt;
        }
        // Relative to where droverd was started: the same directory after a SIGHUP.
        config.stateDir = QDir::cleanPath(QDir(parser.value(m_stateDir)).absolutePath());
    }
    return config;
}

} // namespace drover::config
