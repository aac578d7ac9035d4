// drover: the operator console. By default it runs the gateway in-process with the demo
// (the same Gateway as droverd, same options) and watches it as an MQTT client over an
// in-process link, so it sees exactly what an application sees.
#include "auth/secretstore.h"
#include "config/commandlineoptions.h"
#include "gateway.h"
#include "logsetup.h"
#include "plots/plotwidget.h"
#include "signalwatcher.h"
#include "transport/inprocesslink.h"
#include "window/console.h"
#include "window/mainwindow.h"
#include "window/subscriptiontab.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QLoggingCategory>
#include <QTableView>
#include <QTimer>

#include <cstdio>

Q_LOGGING_CATEGORY(lcMain, "drover.console")

namespace {

constexpr auto Description = R"(Drover console: live CloudEvents per application, plots, commands.

By default the console runs the Drover gateway in-process with the demo application (as
droverd --demo would; the gateway options below mean the same as for droverd, so other
tools can watch the same gateway on its listeners) and shows the demo's events.)";

[[noreturn]] void fail(const QString &message, int code)
{
    std::fprintf(stderr, "drover: %s\n", qPrintable(message));
    std::exit(code);
}

} // namespace

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("drover"));
    QApplication::setOrganizationName(QStringLiteral("Drover"));
    QApplication::setApplicationVersion(QStringLiteral(DROVER_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("io.drover.Console"));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/drover/drover.svg")));
    drover::installLogFormat();

    QCommandLineParser parser;
    parser.setApplicationDescription(QString::fromUtf8(Description));
    parser.addHelpOption();
    parser.addVersionOption();
    const drover::config::CommandLineOptions gatewayOptions;
    gatewayOptions.addTo(parser);
    const QCommandLineOption noDemo(QStringLiteral("no-demo"),
                                    QStringLiteral("Run the embedded gateway without the demo application."));
    const QCommandLineOption screenshot(
        QStringLiteral("screenshot"),
        QStringLiteral(
            "Save a picture of the window to <file> (PNG) after --screenshot-after seconds, then quit."),
        QStringLiteral("file"));
    const QCommandLineOption screenshotAfter(QStringLiteral("screenshot-after"),
                                             QStringLiteral("Seconds before --screenshot (default 10)."),
                                             QStringLiteral("seconds"), QStringLiteral("10"));
    const QCommandLineOption connectUrl(
        QStringLiteral("connect"),
        QStringLiteral(
            "Connect to the MQTT integration endpoint at <url> (mqtt://, mqtts://, ws://, wss://) "
            "instead of running the gateway; a saved connection profile with that URL supplies the "
            "login."),
        QStringLiteral("url"));
    const QCommandLineOption applicationOption(
        QStringLiteral("application"),
        QStringLiteral("Open a tab with the events of <application>. Repeatable."),
        QStringLiteral("application"));
    const QCommandLineOption plotOption(
        QStringLiteral("plot"),
        QStringLiteral("Plot the numeric <field> of the events (a dotted path, e.g. temperature) in the tabs "
                       "opened at start."),
        QStringLiteral("field"));
    parser.addOptions({connectUrl, applicationOption, plotOption, noDemo, screenshot, screenshotAfter});
    if (!parser.parse(QApplication::arguments()))
        fail(parser.errorText() + QStringLiteral(" (see --help)"), 2);
    if (parser.isSet(QStringLiteral("help")))
        parser.showHelp(0);
    if (parser.isSet(QStringLiteral("version")))
        parser.showVersion();
    if (!parser.positionalArguments().isEmpty())
        fail(
            QStringLiteral("unexpected argument '%1' (see --help)").arg(parser.positionalArguments().first()),
            2);

    // Secrets (API keys, logins) live in the system keychain; the profiles in the settings.
    drover::ui::Console console(std::nullopt, drover::ui::SecretStore::createDefault());
    std::unique_ptr<drover::Gateway> gateway;
    drover::SignalWatcher signalWatcher; // SIGINT/SIGTERM close the windows, as for droverd
    drover::ui::MainWindow *window = nullptr;
    QString error;
    if (parser.isSet(connectUrl)) {
        window = console.openUrl(parser.value(connectUrl), &error);
        if (!window)
            fail(QStringLiteral("--connect %1: %2").arg(parser.value(connectUrl), error), 2);
    } else {
        std::optional<drover::config::Config> loaded = gatewayOptions.load(parser, &error);
        if (!loaded)
            fail(error, 2);
        drover::config::Config config = *loaded;
        // The console shows something from the first second: the demo, unless told otherwise.
        config.demo.enabled = !parser.isSet(noDemo);
        if (!drover::applyLogLevel(config.logLevel))
            fail(QStringLiteral("--log-level: expected debug, info, warning or error, got '%1'")
                     .arg(config.logLevel),
                 2);
        gateway = std::make_unique<drover::Gateway>(config);
        // The console's own connection is in-process: a port that is taken (a droverd
        // running already, say) costs only that listener, and the window says so.
        QStringList skipped;
        if (!gateway->start(&error, &skipped))
            fail(error, 1);
        drover::ui::Console::Embedded embedded;
        for (const drover::config::ApplicationConfig &application : std::as_const(config.applications))
            embedded.applications.append(application.name);
        if (config.demo.enabled) {
            embedded.defaultApplication = config.demo.application;
            if (!embedded.applications.contains(config.demo.application))
                embedded.applications.prepend(config.demo.application);
        }
        const QStringList urls = gateway->listenerUrls();
        embedded.description =
            urls.isEmpty() ? QStringLiteral("embedded gateway")
                           : QStringLiteral("embedded gateway (%1)").arg(urls.join(QStringLiteral(", ")));
        embedded.transport =
            drover::transport::InProcessLink::connector(gateway->mqttServer(), QStringLiteral("console"));
        console.setEmbedded(embedded);
        window = console.openEmbedded();
        if (!skipped.isEmpty())
            window->setNotice(QApplication::translate("drover",
                                                      "The embedded gateway runs without some listeners "
                                                      "(other tools can't reach it there): %1")
                                  .arg(skipped.join(QStringLiteral("; "))));
        qCInfo(lcMain).noquote() << "console ready:" << embedded.description;
    }
    for (const QString &application : parser.values(applicationOption)) {
        drover::ui::EventSubscription subscription;
        subscription.application = application;
        window->addSubscription(subscription);
    }

    if (parser.isSet(plotOption)) {
        for (drover::ui::SubscriptionTab *tab : window->subscriptionTabs())
            tab->plot()->setField(parser.value(plotOption));
    }

    if (parser.isSet(screenshot)) {
        const QString path = parser.value(screenshot);
        const int after = int(parser.value(screenshotAfter).toDouble() * 1000);
        QTimer::singleShot(after, window, [window, path] {
            // Show an event in full, as an operator would have one selected.
            if (drover::ui::SubscriptionTab *tab = window ? window->currentTab() : nullptr) {
                const int rows = tab->table()->model()->rowCount();
                if (rows > 0)
                    tab->table()->selectRow(rows - 1);
            }
            if (!window || !window->grab().save(path))
                std::fprintf(stderr, "drover: cannot save the screenshot to %s\n", qPrintable(path));
            QApplication::closeAllWindows();
        });
    }

    // Last window closed: the gateway ends its connections, then the process ends.
    QApplication::setQuitOnLastWindowClosed(false);
    QObject::connect(&app, &QApplication::lastWindowClosed, &app, [&gateway] {
        if (gateway)
            gateway->shutdown();
        else
            QApplication::quit();
    });
    if (gateway)
        QObject::connect(gateway.get(), &drover::Gateway::stopped, &app, &QApplication::quit);
    QObject::connect(&signalWatcher, &drover::SignalWatcher::terminate, &app, [](int signalNumber) {
        qCInfo(lcMain) << "signal" << signalNumber << "received";
        QApplication::closeAllWindows();
    });
    return app.exec();
}
