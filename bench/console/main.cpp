// The console under load: connects a console window (the real MainWindow, models and
// plot) to a gateway that sends it events as fast as it is fed (bench/console.sh runs
// droverd with demo devices at 10 000 events/s), for a while, and reports what an operator
// would feel: the longest event-loop stall, how many stalls passed 16 and 50 ms, the events
// received and shown, and the memory once the table holds its bound (100 000 events).
#include "auth/memorysecretbackend.h"
#include "auth/secretstore.h"
#include "events/eventmodel.h"
#include "logsetup.h"
#include "plots/plotwidget.h"
#include "window/console.h"
#include "window/consoleconnection.h"
#include "window/mainwindow.h"
#include "window/subscriptiontab.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QTableView>
#include <QTemporaryDir>
#include <QTimer>

#include <cstdio>

namespace {

qint64 rssKiB()
{
    QFile status(QStringLiteral("/proc/self/status"));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong();
    }
    return -1;
}

// Times every event delivery, to say what the longest stalls were spent on.
class TimingApplication : public QApplication
{
public:
    using QApplication::QApplication;
    bool notify(QObject *receiver, QEvent *event) override
    {
        if (m_depth++ > 0) {
            const bool handled = QApplication::notify(receiver, event);
            --m_depth;
            return handled;
        }
        QElapsedTimer timer;
        timer.start();
        const bool handled = QApplication::notify(receiver, event);
        --m_depth;
        const qint64 us = timer.nsecsElapsed() / 1000;
        if (us > 16000 && recording) {
            QString what = QString::fromLatin1(receiver->metaObject()->className());
            if (!receiver->objectName().isEmpty())
                what += QLatin1Char('/') + receiver->objectName();
            if (auto *timerReceiver = qobject_cast<QTimer *>(receiver); timerReceiver && receiver->parent())
                what += QLatin1String(" of ") +
                        QString::fromLatin1(receiver->parent()->metaObject()->className());
            slow[what + QStringLiteral(" (event %1)").arg(int(event->type()))].append(us);
        }
        return handled;
    }
    bool recording = false;
    QMap<QString, QList<qint64>> slow;

private:
    int m_depth = 0;
};

} // namespace

int main(int argc, char *argv[])
{
    TimingApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("bench_console"));
    drover::installLogFormat();
    drover::applyLogLevel(QStringLiteral("warning"));
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption url(QStringLiteral("connect"), QStringLiteral("The gateway: mqtt://HOST:PORT."),
                                 QStringLiteral("url"));
    const QCommandLineOption application(QStringLiteral("application"),
                                         QStringLiteral("Whose events (demo)."), QStringLiteral("name"),
                                         QStringLiteral("demo"));
    const QCommandLineOption seconds(QStringLiteral("seconds"), QStringLiteral("How long to measure (30)."),
                                     QStringLiteral("n"), QStringLiteral("30"));
    const QCommandLineOption warmup(QStringLiteral("warmup"), QStringLiteral("Seconds before measuring (2)."),
                                    QStringLiteral("n"), QStringLiteral("2"));
    const QCommandLineOption without(QStringLiteral("hide"),
                                     QStringLiteral("Hide a part to see what it costs: plot, table, board."),
                                     QStringLiteral("part"));
    parser.addOptions({url, application, seconds, warmup, without});
    parser.process(app);
    if (!parser.isSet(url)) {
        std::fprintf(stderr, "bench_console: --connect mqtt://HOST:PORT is required\n");
        return 2;
    }

    QTemporaryDir settings; // no profiles or history of the user's
    drover::ui::Console console(std::nullopt,
                                std::make_unique<drover::ui::SecretStore>(
                                    std::make_unique<drover::ui::MemorySecretBackend>(), QString()),
                                settings.filePath(QStringLiteral("profiles.ini")));
    QString error;
    drover::ui::MainWindow *window = console.openUrl(parser.value(url), &error);
    if (!window) {
        std::fprintf(stderr, "bench_console: %s\n", qPrintable(error));
        return 2;
    }
    drover::ui::EventSubscription subscription;
    subscription.application = parser.value(application);
    subscription.qos = drover::mqtt::QoS::AtMostOnce;
    drover::ui::SubscriptionTab *tab = window->addSubscription(subscription);
    for (const QString &part : parser.values(without)) {
        if (part == QLatin1String("plot"))
            tab->plot()->hide();
        else if (part == QLatin1String("table"))
            tab->table()->hide();
    }

    // The stall probe: a 1 ms timer; the longest gap between its ticks, less the 1 ms, is
    // the longest time the event loop did not get around to it.
    QElapsedTimer clock;
    clock.start();
    qint64 lastTick = -1;
    qint64 longestStallUs = 0;
    int stalls16 = 0, stalls50 = 0;
    bool measuring = false;
    QTimer probe;
    probe.setTimerType(Qt::PreciseTimer);
    probe.setInterval(1);
    QObject::connect(&probe, &QTimer::timeout, &app, [&] {
        const qint64 now = clock.nsecsElapsed() / 1000;
        if (measuring && lastTick >= 0) {
            const qint64 stall = now - lastTick - 1000;
            longestStallUs = std::max(longestStallUs, stall);
            stalls16 += stall > 16000;
            stalls50 += stall > 50000;
        }
        lastTick = now;
    });
    probe.start();

    qint64 receivedAtStart = 0;
    qint64 rssAtBound = -1;
    qint64 secondsToBound = -1;
    const qint64 rssBefore = rssKiB();
    QTimer sampler; // memory when the table first holds its bound
    QObject::connect(&sampler, &QTimer::timeout, &app, [&] {
        if (rssAtBound < 0 && tab->events()->rowCount() >= tab->events()->capacity()) {
            rssAtBound = rssKiB();
            secondsToBound = clock.elapsed() / 1000;
        }
    });
    sampler.start(100);

    const int warm = parser.value(warmup).toInt() * 1000;
    const int span = parser.value(seconds).toInt() * 1000;
    QTimer::singleShot(warm, &app, [&] {
        measuring = true;
        app.recording = true;
        receivedAtStart = tab->events()->counters().received;
        lastTick = -1;
        clock.restart();
    });
    QTimer::singleShot(warm + span, &app, [&] {
        measuring = false;
        const drover::ui::EventModel::Counters c = tab->events()->counters();
        const double elapsed = double(clock.elapsed()) / 1000.0;
        const double rate = double(c.received - receivedAtStart) / elapsed;
        const qint64 rssEnd = rssKiB();
        QJsonObject result{
            {QStringLiteral("benchmark"), QStringLiteral("console")},
            {QStringLiteral("seconds"), elapsed},
            {QStringLiteral("events_per_second"), rate},
            {QStringLiteral("events_received"), double(c.received)},
            {QStringLiteral("rows"), tab->events()->rowCount()},
            {QStringLiteral("ring_bound"), double(tab->events()->capacity())},
            {QStringLiteral("evicted"), double(c.evicted)},
            {QStringLiteral("longest_stall_ms"), double(longestStallUs) / 1000.0},
            {QStringLiteral("stalls_over_16_ms"), stalls16},
            {QStringLiteral("stalls_over_50_ms"), stalls50},
            {QStringLiteral("rss_kib_before"), double(rssBefore)},
            {QStringLiteral("rss_kib_at_bound"), double(rssAtBound)},
            {QStringLiteral("rss_kib_end"), double(rssEnd)},
            {QStringLiteral("connection"), window->connection()->statusText()},
        };
        std::printf(
            "console under load: %.0f events/s received for %.0f s; longest event-loop stall %.1f ms "
            "(%d over 16 ms, %d over 50 ms; target < 50 ms); table %d rows of %lld bound (%lld evicted); "
            "RSS %.1f MiB at the bound (after %lld s), %.1f MiB at the end, %.1f MiB before\n",
            rate, elapsed, double(longestStallUs) / 1000.0, stalls16, stalls50, tab->events()->rowCount(),
            static_cast<long long>(tab->events()->capacity()), static_cast<long long>(c.evicted),
            double(rssAtBound) / 1024.0, static_cast<long long>(secondsToBound), double(rssEnd) / 1024.0,
            double(rssBefore) / 1024.0);
        for (auto it = app.slow.cbegin(); it != app.slow.cend(); ++it) {
            const qint64 worst = *std::max_element(it.value().cbegin(), it.value().cend());
            std::printf("  %4d deliveries over 16 ms (longest %.1f ms): %s\n", int(it.value().size()),
                        double(worst) / 1000.0, qPrintable(it.key()));
        }
        std::printf("%s\n", QJsonDocument(result).toJson(QJsonDocument::Compact).constData());
        std::fflush(stdout);
        QApplication::exit(0);
    });
    return app.exec();
}
