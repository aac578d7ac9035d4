// The console's windows for saved connection profiles, against a real gateway over TCP:
// an anonymous profile shows the demo's events; credentials the gateway refuses end in a
// plain-language refusal, not a reconnect loop; a profile without its API key asks for it;
// an OAuth2 login at a real issuer connects with a token the gateway verifies.
#include "config/config.h"
#include "gateway.h"

#include "scriptedbrowser.h"
#include "testissuer.h"

#include "auth/memorysecretbackend.h"
#include "auth/profilestore.h"
#include "auth/secretstore.h"
#include "events/eventmodel.h"
#include "window/console.h"
#include "window/consoleconnection.h"
#include "window/mainwindow.h"
#include "window/subscriptiontab.h"

#include <QApplication>
#include <QDialog>
#include <QLabel>
#include <QLineEdit>
#include <QLoggingCategory>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QUrl>

using namespace drover;
using namespace drover::ui;

namespace {
constexpr int Wait = 10000;
}

class TestConsole : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void anonymousProfileShowsEvents();
    void refusedCredentialsAreNotRetried();
    void missingApiKeyIsAskedFor();
    void connectUrlMakesAnAdHocProfile();
    void badUrlIsRefused();
    void oauthLoginThenConnectsWithTheToken();
    void oauthTokenOfAnotherIssuerIsRefused();

private:
    std::unique_ptr<Console> makeConsole();
    bool startGateway(const QList<config::TokenIssuerConfig> &tokenIssuers);
    ConnectionProfile profile(const QString &name, ConnectionProfile::AuthKind kind) const;

    QTemporaryDir m_dir;
    std::unique_ptr<Gateway> m_gateway;
    quint16 m_port = 0;
    std::unique_ptr<Console> m_console;
};

void TestConsole::initTestCase()
{
    QLoggingCategory::setFilterRules(QStringLiteral("drover.*.debug=false\ndrover.*.info=false"));
    QStandardPaths::setTestModeEnabled(true);
    QSettings::setDefaultFormat(QSettings::IniFormat);
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_dir.path());
}

void TestConsole::init()
{
    QVERIFY(startGateway({}));
    m_console = makeConsole();
}

bool TestConsole::startGateway(const QList<config::TokenIssuerConfig> &tokenIssuers)
{
    m_gateway.reset();
    config::Config config;
    config.listeners = {
        config::ListenerConfig{config::ListenerConfig::Kind::Mqtt, QHostAddress::LocalHost, 0}};
    config.demo.enabled = true;
    config.demo.rate = 20;
    config.tokenIssuers = tokenIssuers;
    m_gateway = std::make_unique<Gateway>(config);
    QString error;
    if (!m_gateway->start(&error)) {
        qWarning() << "gateway not started:" << error;
        return false;
    }
    m_port = quint16(QUrl(m_gateway->listenerUrls().constFirst()).port());
    return true;
}

void TestConsole::cleanup()
{
    m_console.reset();
    m_gateway.reset();
}

std::unique_ptr<Console> TestConsole::makeConsole()
{
    auto secrets = std::make_unique<SecretStore>(std::make_unique<MemorySecretBackend>(),
                                                 m_dir.filePath(QStringLiteral("insecure.ini")));
    return std::make_unique<Console>(std::nullopt, std::move(secrets),
                                     m_dir.filePath(QStringLiteral("profiles.ini")));
}

ConnectionProfile TestConsole::profile(const QString &name, ConnectionProfile::AuthKind kind) const
{
    ConnectionProfile p = ConnectionProfile::create(name);
    p.url = QUrl(QStringLiteral("mqtt://127.0.0.1:%1").arg(m_port));
    p.authKind = kind;
    if (kind == ConnectionProfile::AuthKind::ApiKey)
        p.username = QStringLiteral("alice");
    return p;
}

void TestConsole::anonymousProfileShowsEvents()
{
    ConnectionProfile p = profile(QStringLiteral("local"), ConnectionProfile::AuthKind::Anonymous);
    QString error;
    QVERIFY2(m_console->profiles()->add(p, &error, &p), qPrintable(error));
    MainWindow *window = m_console->openProfile(p);
    QVERIFY(window);
    QCOMPARE(window->windowTitle(), QStringLiteral("local — Drover"));
    QTRY_COMPARE_WITH_TIMEOUT(window->connection()->state(), ConsoleConnection::State::Online, Wait);
    EventSubscription demo;
    demo.application = QStringLiteral("demo");
    SubscriptionTab *tab = window->addSubscription(demo);
    QTRY_VERIFY_WITH_TIMEOUT(tab->events()->rowCount() >= 5, Wait);
    QVERIFY(window->findChild<QLabel *>(QStringLiteral("connectionState"))
                ->text()
                .startsWith(QStringLiteral("Connected to mqtt://127.0.0.1:")));
}

void TestConsole::refusedCredentialsAreNotRetried()
{
    // This gateway has no API keys: it refuses any (0x86). The window says so and stops.
    ConnectionProfile p = profile(QStringLiteral("keyed"), ConnectionProfile::AuthKind::ApiKey);
    QVERIFY(m_console->profiles()->add(p, nullptr, &p));
    bool written = false;
    m_console->secrets()->write(p.secretKey(ConnectionProfile::Secret::ApiKey),
                                QStringLiteral("drv_not-a-real-key"), [&](const auto &) { written = true; });
    QTRY_VERIFY(written);
    MainWindow *window = m_console->openProfile(p);
    QTRY_COMPARE_WITH_TIMEOUT(window->connection()->state(), ConsoleConnection::State::Refused, Wait);
    const QString status = window->findChild<QLabel *>(QStringLiteral("connectionState"))->text();
    QVERIFY2(status.contains(QStringLiteral("refused the login")), qPrintable(status));
    QVERIFY2(status.contains(QStringLiteral("Bad User Name or Password"), Qt::CaseInsensitive),
             qPrintable(status));
    QVERIFY(!status.contains(QStringLiteral("drv_not-a-real-key")));
    QTest::qWait(1500); // no reconnect attempts follow
    QCOMPARE(window->connection()->state(), ConsoleConnection::State::Refused);
}

void TestConsole::missingApiKeyIsAskedFor()
{
    ConnectionProfile p = profile(QStringLiteral("asks"), ConnectionProfile::AuthKind::ApiKey);
    QVERIFY(m_console->profiles()->add(p, nullptr, &p));
    // The prompt is a modal dialog: answer it when it shows.
    bool asked = false;
    QTimer answer;
    connect(&answer, &QTimer::timeout, this, [&] {
        auto *dialog = qobject_cast<QDialog *>(QApplication::activeModalWidget());
        if (!dialog)
            return;
        asked = dialog->windowTitle().contains(QStringLiteral("API key"));
        dialog->findChild<QLineEdit *>()->setText(QStringLiteral("drv_typed-key"));
        dialog->accept();
        answer.stop();
    });
    answer.start(50);
    MainWindow *window = m_console->openProfile(p);
    QTRY_VERIFY_WITH_TIMEOUT(asked, Wait);
    // With the key typed the console connects, and this gateway refuses it (it has no keys).
    QTRY_COMPARE_WITH_TIMEOUT(window->connection()->state(), ConsoleConnection::State::Refused, Wait);
}

void TestConsole::connectUrlMakesAnAdHocProfile()
{
    QString error;
    const qsizetype saved = m_console->profiles()->profiles().size();
    MainWindow *window = m_console->openUrl(QStringLiteral("mqtt://127.0.0.1:%1").arg(m_port), &error);
    QVERIFY2(window, qPrintable(error));
    QTRY_COMPARE_WITH_TIMEOUT(window->connection()->state(), ConsoleConnection::State::Online, Wait);
    QCOMPARE(m_console->profiles()->profiles().size(), saved); // nothing saved behind the user's back
}

void TestConsole::badUrlIsRefused()
{
    QString error;
    QVERIFY(!m_console->openUrl(QStringLiteral("http://127.0.0.1:1"), &error));
    QVERIFY2(error.contains(QStringLiteral("mqtt")), qPrintable(error));
}

void TestConsole::oauthLoginThenConnectsWithTheToken()
{
    if (const QString why = TestIssuer::unavailableReason(); !why.isEmpty())
        QSKIP(qPrintable(why));
    TestIssuer issuer;
    QString error;
    QVERIFY2(issuer.start(300, &error), qPrintable(error));
    // A gateway that accepts this issuer's access tokens for its resource.
    config::TokenIssuerConfig accepted;
    accepted.url = issuer.url().toString();
    accepted.audiences = {issuer.resource()};
    QVERIFY(startGateway({accepted}));
    ScriptedBrowser browser;
    m_console->setBrowserOpener([&browser](const QUrl &url) { browser.open(url); });

    ConnectionProfile p = profile(QStringLiteral("sso"), ConnectionProfile::AuthKind::OAuth2);
    p.issuer = issuer.url();
    p.oauthClientId = issuer.clientId();
    p.audience = issuer.resource();
    QVERIFY2(m_console->profiles()->add(p, &error, &p), qPrintable(error));
    // No login saved: opening the profile asks the browser to log in, then connects.
    MainWindow *window = m_console->openProfile(p);
    QTRY_VERIFY_WITH_TIMEOUT(browser.isDone(), 20000);
    auto *login = window->findChild<QLabel *>(QStringLiteral("loginState"));
    QTRY_VERIFY_WITH_TIMEOUT(login->text().contains(QStringLiteral("alice")), Wait);
    // The gateway verifies the token (signature, issuer, audience) and lets alice in; the
    // demo application is open to every user, so her tab shows its events.
    QTRY_COMPARE_WITH_TIMEOUT(window->connection()->state(), ConsoleConnection::State::Online, Wait);
    EventSubscription demo;
    demo.application = QStringLiteral("demo");
    SubscriptionTab *tab = window->addSubscription(demo);
    QTRY_VERIFY_WITH_TIMEOUT(tab->events()->rowCount() >= 3, Wait);
}

void TestConsole::oauthTokenOfAnotherIssuerIsRefused()
{
    if (const QString why = TestIssuer::unavailableReason(); !why.isEmpty())
        QSKIP(qPrintable(why));
    TestIssuer issuer;
    TestIssuer other;
    QString error;
    QVERIFY2(issuer.start(300, &error), qPrintable(error));
    QVERIFY2(other.start(300, &error), qPrintable(error));
    config::TokenIssuerConfig accepted;
    accepted.url = other.url().toString(); // not the issuer the console logs in at
    accepted.audiences = {issuer.resource()};
    QVERIFY(startGateway({accepted}));
    ScriptedBrowser browser;
    m_console->setBrowserOpener([&browser](const QUrl &url) { browser.open(url); });
    ConnectionProfile p = profile(QStringLiteral("elsewhere"), ConnectionProfile::AuthKind::OAuth2);
    p.issuer = issuer.url();
    p.oauthClientId = issuer.clientId();
    p.audience = issuer.resource();
    QVERIFY2(m_console->profiles()->add(p, &error, &p), qPrintable(error));
    MainWindow *window = m_console->openProfile(p);
    QTRY_VERIFY_WITH_TIMEOUT(browser.isDone(), 20000);
    // The refusal is explained, and does not send the user round a loop of browser logins.
    QTRY_COMPARE_WITH_TIMEOUT(window->connection()->state(), ConsoleConnection::State::Refused, Wait);
    QVERIFY(window->findChild<QLabel *>(QStringLiteral("connectionState"))
                ->text()
                .contains(QStringLiteral("refused the login")));
}

QTEST_MAIN(TestConsole)
#include "tst_console.moc"
