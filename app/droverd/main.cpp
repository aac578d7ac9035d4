// droverd: the headless Drover gateway (a service under systemd, or a lab on a laptop).
#include "config/configloader.h"
#include "gateway.h"
#include "logsetup.h"
#include "signalwatcher.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QLoggingCategory>

#include <cstdio>

Q_LOGGING_CATEGORY(lcMain, "drover.droverd")

namespace {

constexpr auto Description =
    R"(Drover gateway: device events as CloudEvents over MQTT, commands back to devices.

Applications connect with any MQTT 3.1.1 or 5 client:
  SUBSCRIBE app/<application>                     every event of the application
  SUBSCRIBE app/<application>/<device>[/<channel>] one device or channel ('+' allowed)
  SUBSCRIBE $share/<group>/app/<application>      share one consumer group
  PUBLISH   command/<application>/<device>/<command>  send a command
MQTT 5 SUBSCRIBE user properties: content-mode=binary|structured,
start=earliest|latest|<RFC 3339 time>.

Try it:  droverd --demo
         mosquitto_sub -V 5 -t app/demo
         mosquitto_pub -V 5 -q 1 -t command/demo/device-1/setTemperature -m '{"value": 25}'

Signals: SIGINT/SIGTERM shut down gracefully (MQTT 5 clients get DISCONNECT 0x8B).
Exit status: 0 after a clean shutdown, 1 if a listener can't be bound, 2 for a usage or
configuration error.)";

void fail(const QString &message, int code)
{
    std::fprintf(stderr, "droverd: %s\n", qPrintable(message));
    std::exit(code);
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("droverd"));
    QCoreApplication::setApplicationVersion(QStringLiteral(DROVER_VERSION));
    drover::installLogFormat();

    QCommandLineParser parser;
    parser.setApplicationDescription(QString::fromUtf8(Description));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption configOption(
        QStringLiteral("config"),
        QStringLiteral("Read the TOML configuration <file> (see resources/examples/drover.toml)."),
        QStringLiteral("file"));
    const QCommandLineOption mqttOption(
        QStringLiteral("mqtt"),
        QStringLiteral(
            "Listen for MQTT on <host:port> (default 127.0.0.1:1883; port 0 picks a free port and the "
            "log says which). Repeatable; replaces the configured listeners."),
        QStringLiteral("host:port"));
    const QCommandLineOption demoOption(
        QStringLiteral("demo"),
        QStringLiteral(
            "Run the demo application 'demo' with simulated devices; anonymous clients may read and "
            "command it."));
    const QCommandLineOption demoRateOption(
        QStringLiteral("demo-rate"), QStringLiteral("Events per second of each demo device (default 1)."),
        QStringLiteral("n"));
    const QCommandLineOption demoDevicesOption(QStringLiteral("demo-devices"),
                                               QStringLiteral("Number of demo devices (default 3)."),
                                               QStringLiteral("n"));
    const QCommandLineOption logLevelOption(QStringLiteral("log-level"),
                                            QStringLiteral("debug, info (default), warning or error."),
                                            QStringLiteral("level"));
    parser.addOptions(
        {configOption, mqttOption, demoOption, demoRateOption, demoDevicesOption, logLevelOption});
    if (!parser.parse(QCoreApplication::arguments()))
        fail(parser.errorText() + QStringLiteral(" (see --help)"), 2);
    if (parser.isSet(QStringLiteral("help")))
        parser.showHelp(0);
    if (parser.isSet(QStringLiteral("version")))
        parser.showVersion();
    if (!parser.positionalArguments().isEmpty())
        fail(
            QStringLiteral("unexpected argument '%1' (see --help)").arg(parser.positionalArguments().first()),
            2);

    drover::config::Config config;
    if (parser.isSet(configOption)) {
        QString error;
        auto loaded = drover::config::ConfigLoader::loadFile(parser.value(configOption), &error);
        if (!loaded)
            fail(error, 2);
        config = *loaded;
    }
    if (parser.isSet(mqttOption)) {
        config.listeners.clear();
        for (const QString &value : parser.values(mqttOption)) {
            QString error;
            const auto listener = drover::config::parseListenAddress(value, &error);
            if (!listener)
                fail(QStringLiteral("--mqtt %1: %2").arg(value, error), 2);
            config.listeners.append(*listener);
        }
    }
    if (parser.isSet(demoOption))
        config.demo.enabled = true;
    if (parser.isSet(demoRateOption)) {
        bool ok = false;
        const double rate = parser.value(demoRateOption).toDouble(&ok);
        if (!ok || !(rate > 0) || rate > 10000)
            fail(QStringLiteral(
                     "--demo-rate: expected a number of events per second above 0 and up to 10000, got '%1'")
                     .arg(parser.value(demoRateOption)),
                 2);
        config.demo.rate = rate;
    }
    if (parser.isSet(demoDevicesOption)) {
        bool ok = false;
        const int devices = parser.value(demoDevicesOption).toInt(&ok);
        if (!ok || devices < 1 || devices > 1000)
            fail(QStringLiteral("--demo-devices: expected 1 to 1000, got '%1'")
                     .arg(parser.value(demoDevicesOption)),
                 2);
        config.demo.devices = devices;
    }
    if (parser.isSet(logLevelOption))
        config.logLevel = parser.value(logLevelOption);
    if (!drover::applyLogLevel(config.logLevel))
        fail(QStringLiteral("--log-level: expected debug, info, warning or error, got '%1'")
                 .arg(config.logLevel),
             2);

    drover::Gateway gateway(config);
    QString error;
    if (!gateway.start(&error))
        fail(error, 1);

    drover::SignalWatcher signals_;
    QObject::connect(&signals_, &drover::SignalWatcher::terminate, &gateway, [&gateway](int signalNumber) {
        qCInfo(lcMain) << "signal" << signalNumber << "received";
        gateway.shutdown();
    });
    QObject::connect(&signals_, &drover::SignalWatcher::reload, &gateway, [] {
        qCInfo(lcMain) << "SIGHUP: nothing to reload yet (the device registry will be reloadable)";
    });
    QObject::connect(&gateway, &drover::Gateway::stopped, &app, [] {
        qCInfo(lcMain) << "stopped";
        QCoreApplication::quit();
    });
    qCInfo(lcMain).noquote() << "droverd" << QCoreApplication::applicationVersion() << "ready, instance"
                             << config.instance;
    return app.exec();
}
