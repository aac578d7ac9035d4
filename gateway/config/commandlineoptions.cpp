#include "commandlineoptions.h"

#include "configloader.h"

#include <QCommandLineParser>

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
{}

void CommandLineOptions::addTo(QCommandLineParser &parser) const
{
    parser.addOptions({m_config, m_mqtt, m_deviceMqtt, m_deviceHttp, m_ws, m_deviceWs, m_demo, m_demoRate,
                       m_demoDevices, m_logLevel});
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
    // --mqtt, --device-mqtt, --device-http, --ws and --device-ws each replace the listeners
    // of their kind.
    using Kind = ListenerConfig::Kind;
    for (const auto &[option, kind] :
         {std::pair{&m_mqtt, Kind::Mqtt}, std::pair{&m_deviceMqtt, Kind::DeviceMqtt},
          std::pair{&m_deviceHttp, Kind::DeviceHttp}, std::pair{&m_ws, Kind::WebSocket},
          std::pair{&m_deviceWs, Kind::DeviceWebSocket}}) {
        if (!parser.isSet(*option))
            continue;
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
    return config;
}

} // namespace drover::config
