// drover-sim: simulated thermostats as devices of any Drogue-compatible device endpoint,
// for a lab without hardware or a load test (the same devices `droverd --demo` runs in-process).
#include "client/tcptransport.h"
#include "demo/demodevice.h"
#include "logsetup.h"
#include "signalwatcher.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QLoggingCategory>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QTextStream>
#include <QTimer>
#include <QUrl>

#include <cstdio>

Q_LOGGING_CATEGORY(lcSim, "drover.sim")

using namespace drover;

namespace {

constexpr auto Description =
    R"(Simulated thermostats as devices of a device endpoint (Drover's or Drogue Cloud's).

Each device logs in as <prefix><n>@<application> with the password, publishes its state
(temperature, humidity, ...) on channel "state" and obeys the commands of its inbox,
which it subscribes to at QoS 1 and acknowledges:
  setTemperature {"value": 21.5}   the temperature jumps to the value, then drifts (-50..100)
  set-interval {"value": 0.5}      seconds between events (0.001..3600)
A bad value is refused with PUBACK 0x99, an unknown command with 0x83, each with a reason.

The password comes from --password-file, else the environment variable
DROVER_SIM_PASSWORD, else the first line of standard input. It is never printed.

Every --report seconds, and at the end, a line tells how many devices are connected, the
events published and accepted per second, refusals, commands obeyed, and the round trip of
the endpoint's acknowledgements (PUBACK at QoS 1, p50/p99/max).

Exit status: 0 when every device connected; 1 when the endpoint refused a device's login
(the others keep running until --duration) or none could connect; 2 for a usage error.)";

struct Options {
    QUrl url;
    QString application;
    int devices = 1;
    QString prefix;
    int first = 1;
    QByteArray password;
    double rate = 1;
    mqtt::QoS qos = mqtt::QoS::AtLeastOnce;
    mqtt::ProtocolVersion version = mqtt::ProtocolVersion::V5;
    double duration = 0;
    double report = 5;
    std::optional<QSslConfiguration> tls;
};

[[noreturn]] void usageError(const QString &message)
{
    std::fprintf(stderr, "drover-sim: %s\nTry 'drover-sim --help'.\n", qPrintable(message));
    std::exit(2);
}

QByteArray readPassword(const QString &file)
{
    QByteArray line;
    if (!file.isEmpty()) {
        QFile f(file);
        if (!f.open(QIODevice::ReadOnly))
            usageError(QStringLiteral("cannot read the password file %1: %2").arg(file, f.errorString()));
        line = f.readLine();
    } else if (const QByteArray env = qgetenv("DROVER_SIM_PASSWORD"); !env.isEmpty()) {
        return env;
    } else {
        QFile in;
        if (!in.open(stdin, QIODevice::ReadOnly))
            usageError(QStringLiteral("cannot read the password from standard input"));
        line = in.readLine();
    }
    while (line.endsWith('\n') || line.endsWith('\r'))
        line.chop(1);
    if (line.isEmpty())
        usageError(
            QStringLiteral("the password is empty (give --password-file, DROVER_SIM_PASSWORD or a line "
                           "on standard input)"));
    return line;
}

Options parse(QCoreApplication &app)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QString::fromLatin1(Description));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption url(
        QStringLiteral("url"), QStringLiteral("The device endpoint: mqtt://HOST:PORT or mqtts://HOST:PORT."),
        QStringLiteral("url"), QStringLiteral("mqtt://127.0.0.1:1884"));
    const QCommandLineOption application(QStringLiteral("application"),
                                         QStringLiteral("The devices' application (required)."),
                                         QStringLiteral("name"));
    const QCommandLineOption devices(QStringLiteral("devices"), QStringLiteral("How many devices."),
                                     QStringLiteral("n"), QStringLiteral("1"));
    const QCommandLineOption prefix(QStringLiteral("device-prefix"),
                                    QStringLiteral("Device names are <prefix><n>."), QStringLiteral("prefix"),
                                    QStringLiteral("device-"));
    const QCommandLineOption first(QStringLiteral("first"), QStringLiteral("The number of the first device."),
                                   QStringLiteral("n"), QStringLiteral("1"));
    const QCommandLineOption passwordFile(QStringLiteral("password-file"),
                                          QStringLiteral("A file whose first line is the devices' password."),
                                          QStringLiteral("file"));
    const QCommandLineOption rate(QStringLiteral("rate"),
                                  QStringLiteral("Events per second per device; 0: as fast as the endpoint "
                                                 "acknowledges them (a load test)."),
                                  QStringLiteral("r"), QStringLiteral("1"));
    const QCommandLineOption qos(QStringLiteral("qos"), QStringLiteral("QoS of the events: 0 or 1."),
                                 QStringLiteral("qos"), QStringLiteral("1"));
    const QCommandLineOption version(QStringLiteral("mqtt-version"), QStringLiteral("3.1.1 or 5."),
                                     QStringLiteral("version"), QStringLiteral("5"));
    const QCommandLineOption duration(QStringLiteral("duration"),
                                      QStringLiteral("Stop after this many seconds (default: run until "
                                                     "SIGINT/SIGTERM)."),
                                      QStringLiteral("seconds"));
    const QCommandLineOption report(QStringLiteral("report"),
                                    QStringLiteral("Seconds between report lines; 0: only at the end."),
                                    QStringLiteral("seconds"), QStringLiteral("5"));
    const QCommandLineOption cafile(QStringLiteral("cafile"),
                                    QStringLiteral("PEM certificates to verify an mqtts:// endpoint with "
                                                   "(default: the system's)."),
                                    QStringLiteral("file"));
    const QCommandLineOption logLevel(QStringLiteral("log-level"),
                                      QStringLiteral("debug, info, warning (default) or error."),
                                      QStringLiteral("level"), QStringLiteral("warning"));
    parser.addOptions({url, application, devices, prefix, first, passwordFile, rate, qos, version, duration,
                       report, cafile, logLevel});
    parser.process(app);
    if (!parser.positionalArguments().isEmpty())
        usageError(QStringLiteral("unexpected argument '%1'").arg(parser.positionalArguments().constFirst()));

    Options o;
    if (!applyLogLevel(parser.value(logLevel)))
        usageError(QStringLiteral("--log-level must be debug, info, warning or error"));
    o.url = QUrl(parser.value(url));
    if (!o.url.isValid() ||
        (o.url.scheme() != QLatin1String("mqtt") && o.url.scheme() != QLatin1String("mqtts")) ||
        o.url.host().isEmpty())
        usageError(QStringLiteral("--url must be mqtt://HOST:PORT or mqtts://HOST:PORT, not '%1'")
                       .arg(parser.value(url)));
    o.application = parser.value(application);
    if (o.application.isEmpty())
        usageError(QStringLiteral("--application is required"));
    const auto number = [&](const QCommandLineOption &option, double min, double max) {
        bool ok = false;
        const double value = parser.value(option).toDouble(&ok);
        if (!ok || value < min || value > max)
            usageError(QStringLiteral("--%1 must be a number from %2 to %3, not '%4'")
                           .arg(option.names().constFirst())
                           .arg(min)
                           .arg(max)
                           .arg(parser.value(option)));
        return value;
    };
    o.devices = int(number(devices, 1, 100000));
    o.first = int(number(first, 0, 1e9));
    o.prefix = parser.value(prefix);
    o.rate = number(rate, 0, 100000);
    o.qos = parser.value(qos) == QLatin1String("0") ? mqtt::QoS::AtMostOnce
            : parser.value(qos) == QLatin1String("1")
                ? mqtt::QoS::AtLeastOnce
                : (usageError(QStringLiteral("--qos must be 0 or 1")), mqtt::QoS::AtMostOnce);
    if (parser.value(version) == QLatin1String("3.1.1"))
        o.version = mqtt::ProtocolVersion::V311;
    else if (parser.value(version) != QLatin1String("5"))
        usageError(QStringLiteral("--mqtt-version must be 3.1.1 or 5"));
    if (parser.isSet(duration))
        o.duration = number(duration, 0.001, 1e7);
    o.report = number(report, 0, 1e6);
    if (o.url.scheme() == QLatin1String("mqtts")) {
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        if (parser.isSet(cafile)) {
            const QList<QSslCertificate> certificates = QSslCertificate::fromPath(parser.value(cafile));
            if (certificates.isEmpty())
                usageError(QStringLiteral("no PEM certificate in --cafile %1").arg(parser.value(cafile)));
            tls.setCaCertificates(certificates);
        }
        o.tls = tls;
    }
    o.password = readPassword(parser.value(passwordFile));
    return o;
}

QString milliseconds(qint64 microseconds)
{
    return QString::number(double(microseconds) / 1000.0, 'f', microseconds < 10000 ? 2 : 1);
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("drover-sim"));
    QCoreApplication::setApplicationVersion(QStringLiteral(DROVER_VERSION));
    installLogFormat();
    const Options options = parse(app);

    const QString host = options.url.host();
    const quint16 port = quint16(options.url.port(options.tls ? 8883 : 1883));
    QList<demo::DemoDevice *> devices;
    int refusedLogins = 0;
    for (int i = 0; i < options.devices; ++i) {
        const QString name = options.prefix + QString::number(options.first + i);
        client::ClientOptions clientOptions;
        clientOptions.version = options.version;
        clientOptions.clientId = (name + QLatin1Char('@') + options.application).toUtf8();
        clientOptions.username = clientOptions.clientId;
        clientOptions.password = options.password;
        clientOptions.autoReconnect = true;
        auto *device = new demo::DemoDevice(
            name, clientOptions,
            [host, port, tls = options.tls] { return new client::TcpTransport(host, port, tls); },
            demo::DemoDevice::Settings{options.rate, options.qos}, &app);
        QObject::connect(device, &demo::DemoDevice::refused, &app,
                         [&refusedLogins, name](const QString &reason) {
                             ++refusedLogins;
                             std::fprintf(stderr, "drover-sim: device %s was refused: %s\n", qPrintable(name),
                                          qPrintable(reason));
                         });
        devices.append(device);
    }

    QElapsedTimer clock;
    clock.start();
    demo::DemoDevice::Counters last;
    qint64 lastAt = 0;
    const auto printReport = [&](bool final) {
        demo::DemoDevice::Counters total;
        demo::LatencyHistogram latencies;
        int connected = 0;
        for (const demo::DemoDevice *device : std::as_const(devices)) {
            const demo::DemoDevice::Counters &c = device->counters();
            total.published += c.published;
            total.accepted += c.accepted;
            total.refused += c.refused;
            total.skipped += c.skipped;
            total.commands += c.commands;
            total.commandsRefused += c.commandsRefused;
            connected += device->isConnected();
            latencies.merge(device->latencies());
        }
        const qint64 now = clock.elapsed();
        const double span = final ? double(now) / 1000.0 : double(now - lastAt) / 1000.0;
        const quint64 published = final ? total.published : total.published - last.published;
        const quint64 accepted = final ? total.accepted : total.accepted - last.accepted;
        std::printf(
            "%s t=%.1fs devices %d/%d connected, events %llu published (%.1f/s), %llu accepted (%.1f/s), "
            "%llu refused, %llu skipped, commands %llu obeyed, %llu refused, ack p50 %s ms p99 %s ms "
            "max %s ms\n",
            final ? "total" : "report", double(now) / 1000.0, connected, int(devices.size()),
            static_cast<unsigned long long>(published), span > 0 ? double(published) / span : 0.0,
            static_cast<unsigned long long>(accepted), span > 0 ? double(accepted) / span : 0.0,
            static_cast<unsigned long long>(total.refused), static_cast<unsigned long long>(total.skipped),
            static_cast<unsigned long long>(total.commands),
            static_cast<unsigned long long>(total.commandsRefused),
            qPrintable(milliseconds(latencies.percentile(0.5))),
            qPrintable(milliseconds(latencies.percentile(0.99))), qPrintable(milliseconds(latencies.max())));
        std::fflush(stdout);
        last = total;
        lastAt = now;
    };

    QTimer reportTimer;
    if (options.report > 0) {
        QObject::connect(&reportTimer, &QTimer::timeout, &app, [&] { printReport(false); });
        reportTimer.start(int(options.report * 1000));
    }

    bool stopping = false;
    const auto stop = [&] {
        if (stopping)
            return;
        stopping = true;
        reportTimer.stop();
        // Each device lets its events in flight be acknowledged, then disconnects; the
        // report follows once all have (and their DISCONNECTs had a moment to go out).
        auto waiting = std::make_shared<int>(int(devices.size()));
        for (demo::DemoDevice *device : std::as_const(devices)) {
            QObject::connect(device, &demo::DemoDevice::stopped, &app, [&, waiting] {
                if (--*waiting > 0)
                    return;
                QTimer::singleShot(100, &app, [&] {
                    printReport(true);
                    int everConnected = 0;
                    for (const demo::DemoDevice *d : std::as_const(devices))
                        everConnected += d->counters().connects > 0;
                    app.exit(refusedLogins > 0 || everConnected == 0 ? 1 : 0);
                });
            });
            device->stop();
        }
    };
    SignalWatcher signals;
    QObject::connect(&signals, &SignalWatcher::terminate, &app, stop);
    if (options.duration > 0)
        QTimer::singleShot(qint64(options.duration * 1000), &app, stop);

    std::printf("drover-sim: %d devices %s%d..%s%d of %s on %s, %g events/s each (QoS %d, MQTT %s)\n",
                options.devices, qPrintable(options.prefix), options.first, qPrintable(options.prefix),
                options.first + options.devices - 1, qPrintable(options.application),
                qPrintable(options.url.toString()), options.rate, int(options.qos),
                options.version == mqtt::ProtocolVersion::V5 ? "5" : "3.1.1");
    std::fflush(stdout);
    for (demo::DemoDevice *device : std::as_const(devices))
        device->start();
    return app.exec();
}
