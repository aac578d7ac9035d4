// The console's OAuth2 login against a real OpenID Connect issuer on loopback (npm
// oidc-provider, tests/oidc/issuer.mjs) with 5 s access tokens: discovery, the browser login
// with PKCE (a scripted browser fills in the issuer's pages), who is logged in, the refresh
// before each connect, a rejected refresh leading to LoginRequired, logout with revocation,
// where the token goes in CONNECT, API keys, and a restart that restores the login.
#include "auth/connectionprofile.h"
#include "auth/loginstatus.h"
#include "auth/memorysecretbackend.h"
#include "auth/oidcdiscovery.h"
#include "auth/secretstore.h"
#include "auth/tokensession.h"

#include "scriptedbrowser.h"
#include "testissuer.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <QUrlQuery>

using namespace drover::ui;

namespace {

constexpr int AccessTokenTtl = 5;
constexpr int WaitMs = 20000;

struct CredentialsResult {
    bool called = false;
    std::optional<MqttCredentials> credentials;
    QString error;
};

QByteArray token(const MqttCredentials &c)
{
    return c.username ? *c.username : c.password.value_or(QByteArray());
}

} // namespace

class TokenSessionTest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void discoveryFindsTheEndpoints();
    void discoveryRefusesAnotherIssuersDocument();
    void discoveryReportsAnUnreachableIssuer();
    void discoveryReportsNotFound();
    void discoveryChecksTheDocument_data();
    void discoveryChecksTheDocument();

    void loginUsesPkceAndShowsWhoIsLoggedIn();
    void issuerRefusesLoginWithoutPkce();
    void loginStopsOnStateMismatch();
    void loginTimesOut();
    void refreshBeforeEveryConnect();
    void concurrentConnectsShareOneRefresh();
    void refreshWhenExpiringGivesNewTokenAfterExpiry();
    void rejectedRefreshRequiresLogin();
    void logoutForgetsAndRevokes();
    void tokenPlacement_data();
    void tokenPlacement();
    void restartRestoresTheLogin();
    void apiKeyCredentials_data();
    void apiKeyCredentials();
    void anonymousNeedsNoLogin();
    void unreachableIssuerKeepsTheLogin(); // restarts the issuer: keep it last

private:
    ConnectionProfile oauthProfile(
        ConnectionProfile::MqttVersion version = ConnectionProfile::MqttVersion::V5,
        ConnectionProfile::TokenPlacement placement = ConnectionProfile::TokenPlacement::Username) const;
    std::unique_ptr<SecretStore> makeSecrets(MemorySecretBackend **keychain = nullptr);
    bool login(TokenSession &session, ScriptedBrowser &browser);
    CredentialsResult credentials(TokenSession &session);
    std::optional<OidcDiscovery::Metadata> discover(const QUrl &issuer, QString *error);

    TestIssuer m_issuer;
    QTemporaryDir m_dir;
    int m_stores = 0;
};

void TokenSessionTest::initTestCase()
{
    const QString reason = TestIssuer::unavailableReason();
    if (!reason.isEmpty())
        QSKIP(qPrintable(QStringLiteral("No OIDC issuer for these tests: ") + reason));
    QVERIFY(m_dir.isValid());
    QString error;
    QVERIFY2(m_issuer.start(AccessTokenTtl, &error), qPrintable(error));
}

void TokenSessionTest::cleanupTestCase()
{
    m_issuer.stop();
}

ConnectionProfile TokenSessionTest::oauthProfile(ConnectionProfile::MqttVersion version,
                                                 ConnectionProfile::TokenPlacement placement) const
{
    ConnectionProfile p = ConnectionProfile::create(QStringLiteral("test"));
    p.url = QUrl(QStringLiteral("mqtt://127.0.0.1:1883"));
    p.mqttVersion = version;
    p.authKind = ConnectionProfile::AuthKind::OAuth2;
    p.issuer = m_issuer.url();
    p.oauthClientId = m_issuer.clientId();
    p.scopes = {QStringLiteral("profile"), QStringLiteral("email")};
    p.audience = m_issuer.resource();
    p.tokenPlacement = placement;
    return p;
}

std::unique_ptr<SecretStore> TokenSessionTest::makeSecrets(MemorySecretBackend **keychain)
{
    // An in-memory stand-in for the system keychain.
    auto backend = std::make_unique<MemorySecretBackend>();
    if (keychain)
        *keychain = backend.get();
    return std::make_unique<SecretStore>(std::move(backend),
                                         m_dir.filePath(QStringLiteral("secrets-%1.ini").arg(++m_stores)));
}

bool TokenSessionTest::login(TokenSession &session, ScriptedBrowser &browser)
{
    session.setBrowserOpener([&browser](const QUrl &url) { browser.open(url); });
    QSignalSpy finished(&session, &TokenSession::loginFinished);
    session.login();
    if (!finished.wait(WaitMs)) {
        qWarning() << "no loginFinished; browser:" << browser.error();
        return false;
    }
    if (!finished.first().at(0).toBool()) {
        qWarning() << "login failed:" << finished.first().at(1).toString() << "browser:" << browser.error();
        return false;
    }
    return true;
}

CredentialsResult TokenSessionTest::credentials(TokenSession &session)
{
    auto result = std::make_shared<CredentialsResult>();
    session.credentialsForConnect([result](const std::optional<MqttCredentials> &c, const QString &error) {
        result->called = true;
        result->credentials = c;
        result->error = error;
    });
    if (!QTest::qWaitFor([result]() { return result->called; }, WaitMs))
        result->error = QStringLiteral("(no answer within %1 ms)").arg(WaitMs);
    return *result;
}

std::optional<OidcDiscovery::Metadata> TokenSessionTest::discover(const QUrl &issuer, QString *error)
{
    QNetworkAccessManager nam;
    OidcDiscovery discovery(&nam);
    bool called = false;
    std::optional<OidcDiscovery::Metadata> out;
    discovery.discover(issuer, [&](const std::optional<OidcDiscovery::Metadata> &m, const QString &e) {
        called = true;
        out = m;
        *error = e;
    });
    if (!QTest::qWaitFor([&called]() { return called; }, WaitMs))
        *error = QStringLiteral("(no answer)");
    return out;
}

// ---- discovery -----------------------------------------------------------------------------

void TokenSessionTest::discoveryFindsTheEndpoints()
{
    QString error;
    const auto m = discover(m_issuer.url(), &error);
    QVERIFY2(m, qPrintable(error));
    QCOMPARE(m->issuer, m_issuer.url());
    QCOMPARE(m->authorizationEndpoint, m_issuer.url().resolved(QUrl(QStringLiteral("/auth"))));
    QCOMPARE(m->tokenEndpoint, m_issuer.url().resolved(QUrl(QStringLiteral("/token"))));
    QCOMPARE(m->revocationEndpoint, m_issuer.url().resolved(QUrl(QStringLiteral("/token/revocation"))));
    QVERIFY(!m->jwksUri.isEmpty());
    QVERIFY(!m->endSessionEndpoint.isEmpty());
    QVERIFY(m->codeChallengeMethods.contains(QStringLiteral("S256")));
}

void TokenSessionTest::discoveryRefusesAnotherIssuersDocument()
{
    // The issuer's document served under another URL: its "issuer" does not match.
    QString error;
    const QUrl impostor = m_issuer.url().resolved(QUrl(QStringLiteral("/test/impostor")));
    QVERIFY(!discover(impostor, &error));
    QVERIFY2(error.contains(QStringLiteral("is for the issuer \"%1\"").arg(m_issuer.url().toString())),
             qPrintable(error));
}

void TokenSessionTest::discoveryReportsAnUnreachableIssuer()
{
    QTcpServer server; // a port that was free a moment ago, and is closed again
    QVERIFY(server.listen(QHostAddress::LocalHost));
    const quint16 port = server.serverPort();
    server.close();
    QString error;
    QVERIFY(!discover(QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port)), &error));
    QVERIFY2(error.startsWith(QStringLiteral("Could not reach the issuer at http://127.0.0.1:%1").arg(port)),
             qPrintable(error));
}

void TokenSessionTest::discoveryReportsNotFound()
{
    QString error;
    QVERIFY(!discover(m_issuer.url().resolved(QUrl(QStringLiteral("/no-such-issuer"))), &error));
    QVERIFY2(error.contains(QStringLiteral("answered HTTP 404")), qPrintable(error));
}

void TokenSessionTest::discoveryChecksTheDocument_data()
{
    QTest::addColumn<QByteArray>("json");
    QTest::addColumn<QString>("error"); // empty: accepted
    const QByteArray base =
        R"("issuer":"https://id.example.com","authorization_endpoint":"https://id.example.com/a",)"
        R"("token_endpoint":"https://id.example.com/t","jwks_uri":"https://id.example.com/k")";
    QTest::newRow("good") << QByteArray("{" + base + "}") << QString();
    QTest::newRow("S256 offered") << QByteArray("{" + base +
                                                R"(,"code_challenge_methods_supported":["plain","S256"]})")
                                  << QString();
    QTest::newRow("no S256") << QByteArray("{" + base + R"(,"code_challenge_methods_supported":["plain"]})")
                             << QStringLiteral("does not support PKCE with S256");
    QTest::newRow("no token endpoint")
        << QByteArray(
               R"({"issuer":"https://id.example.com","authorization_endpoint":"https://id.example.com/a"})")
        << QStringLiteral("has no token_endpoint");
    QTest::newRow("clear-text endpoint")
        << QByteArray(
               R"({"issuer":"https://id.example.com","authorization_endpoint":"https://id.example.com/a",)"
               R"("token_endpoint":"http://id.example.com/t"})")
        << QStringLiteral("token_endpoint \"http://id.example.com/t\" is not an https:// URL");
    QTest::newRow("other issuer") << QByteArray(R"({"issuer":"https://evil.example.com"})")
                                  << QStringLiteral("is for the issuer \"https://evil.example.com\"");
    QTest::newRow("not JSON") << QByteArray("<html>") << QStringLiteral("is not a JSON object");
}

void TokenSessionTest::discoveryChecksTheDocument()
{
    QFETCH(QByteArray, json);
    QFETCH(QString, error);
    QString actual;
    const auto m = OidcDiscovery::parse(json, QUrl(QStringLiteral("https://id.example.com/")), &actual);
    if (error.isEmpty()) {
        QVERIFY2(m, qPrintable(actual));
        QCOMPARE(m->tokenEndpoint, QUrl(QStringLiteral("https://id.example.com/t")));
    } else {
        QVERIFY(!m);
        QVERIFY2(actual.contains(error), qPrintable(actual));
    }
}

// ---- login ---------------------------------------------------------------------------------

void TokenSessionTest::loginUsesPkceAndShowsWhoIsLoggedIn()
{
    MemorySecretBackend *keychain = nullptr;
    auto secrets = makeSecrets(&keychain);
    const ConnectionProfile profile = oauthProfile();
    TokenSession session(profile, secrets.get());
    ScriptedBrowser browser(QStringLiteral("alice"));
    QSignalSpy started(&session, &TokenSession::browserLoginStarted);
    QVERIFY(login(session, browser));
    QVERIFY2(browser.isDone() && browser.error().isEmpty(), qPrintable(browser.error()));
    QCOMPARE(browser.formsSubmitted(), 2); // the login page, then consent
    QCOMPARE(started.size(), 1);

    // The authorization request: code flow with PKCE S256, our state, a loopback redirect.
    const QUrl authorization = browser.authorizationUrl();
    const QUrlQuery query(authorization);
    QCOMPARE(authorization.adjusted(QUrl::RemoveQuery),
             m_issuer.url().resolved(QUrl(QStringLiteral("/auth"))));
    QCOMPARE(query.queryItemValue(QStringLiteral("response_type")), QStringLiteral("code"));
    QCOMPARE(query.queryItemValue(QStringLiteral("client_id")), m_issuer.clientId());
    QCOMPARE(query.queryItemValue(QStringLiteral("code_challenge_method")), QStringLiteral("S256"));
    const QString challenge = query.queryItemValue(QStringLiteral("code_challenge"));
    QVERIFY2(QRegularExpression(QStringLiteral("^[A-Za-z0-9_-]{43}$")).match(challenge).hasMatch(),
             qPrintable(challenge));
    QVERIFY(query.queryItemValue(QStringLiteral("state")).size() >= 32);
    const QStringList scopes =
        query.queryItemValue(QStringLiteral("scope"), QUrl::FullyDecoded).split(QLatin1Char(' '));
    for (const char *scope : {"openid", "offline_access", "profile", "email"})
        QVERIFY2(scopes.contains(QLatin1String(scope)), scope);
    QCOMPARE(query.queryItemValue(QStringLiteral("resource"), QUrl::FullyDecoded), m_issuer.resource());
    const QUrl redirect(query.queryItemValue(QStringLiteral("redirect_uri"), QUrl::FullyDecoded));
    QCOMPARE(redirect.scheme(), QStringLiteral("http"));
    QCOMPARE(redirect.host(), QStringLiteral("127.0.0.1"));
    QVERIFY(redirect.port() > 0);
    // The browser came back with a code, the state and the issuer (RFC 9207).
    const QUrlQuery back(browser.redirectUrl());
    QVERIFY(back.hasQueryItem(QStringLiteral("code")));
    QCOMPARE(back.queryItemValue(QStringLiteral("state")), query.queryItemValue(QStringLiteral("state")));

    // Logged in: who, until when.
    QCOMPARE(session.state(), TokenSession::State::LoggedIn);
    QCOMPARE(session.identity().subject, QStringLiteral("alice"));
    QCOMPARE(session.identity().username, QStringLiteral("alice"));
    QCOMPARE(session.identity().name, QStringLiteral("Alice"));
    QCOMPARE(session.identity().email, QStringLiteral("alice@example.test"));
    const qint64 validFor = QDateTime::currentDateTimeUtc().secsTo(session.accessTokenExpiry());
    QVERIFY2(validFor > 0 && validFor <= AccessTokenTtl, qPrintable(QString::number(validFor)));
    const QString status = LoginStatus::text(session);
    QVERIFY2(status.startsWith(QStringLiteral("Logged in as alice; access token valid until ")),
             qPrintable(status));
    QVERIFY(
        status.contains(LoginStatus::formatTime(session.accessTokenExpiry(), QDateTime::currentDateTime())));

    // The refresh token went to the keychain, with who it belongs to; no access token did.
    const QHash<QString, QString> stored = keychain->entries();
    QCOMPARE(stored.size(), 1);
    const QJsonObject saved =
        QJsonDocument::fromJson(
            stored.value(profile.secretKey(ConnectionProfile::Secret::OAuth2Session)).toUtf8())
            .object();
    QVERIFY(!saved.value(QStringLiteral("refresh_token")).toString().isEmpty());
    QVERIFY(!saved.contains(QStringLiteral("access_token")));
    QCOMPARE(saved.value(QStringLiteral("identity"))
                 .toObject()
                 .value(QStringLiteral("preferred_username"))
                 .toString(),
             QStringLiteral("alice"));

    // The access token the connect gets is a JWT for the gateway, valid at the issuer.
    session.setRefreshPolicy(TokenSession::RefreshPolicy::WhenExpiring, 0);
    const CredentialsResult c = credentials(session);
    QVERIFY2(c.credentials, qPrintable(c.error));
    const QJsonObject verified = m_issuer.verifyAccessToken(token(*c.credentials));
    QVERIFY2(verified.value(QStringLiteral("active")).toBool(), QJsonDocument(verified).toJson().constData());
    QCOMPARE(verified.value(QStringLiteral("sub")).toString(), QStringLiteral("alice"));
    QCOMPARE(verified.value(QStringLiteral("aud")).toString(), m_issuer.resource());
}

void TokenSessionTest::issuerRefusesLoginWithoutPkce()
{
    // The issuer requires PKCE of public clients: the same request without the challenge is
    // refused, so the logins above prove the console sent it.
    auto secrets = makeSecrets();
    TokenSession session(oauthProfile(), secrets.get());
    ScriptedBrowser browser;
    session.setBrowserOpener([&browser](const QUrl &url) {
        QUrlQuery query(url);
        query.removeAllQueryItems(QStringLiteral("code_challenge"));
        query.removeAllQueryItems(QStringLiteral("code_challenge_method"));
        QUrl stripped = url;
        stripped.setQuery(query);
        browser.open(stripped);
    });
    QSignalSpy finished(&session, &TokenSession::loginFinished);
    session.login();
    QVERIFY(finished.wait(WaitMs));
    QCOMPARE(finished.first().at(0).toBool(), false);
    const QString error = finished.first().at(1).toString();
    QVERIFY2(error.contains(QStringLiteral("invalid_request")) && error.contains(QStringLiteral("PKCE")),
             qPrintable(error));
    QCOMPARE(session.state(), TokenSession::State::LoggedOut);
    QCOMPARE(session.lastError(), error);
}

void TokenSessionTest::loginStopsOnStateMismatch()
{
    auto secrets = makeSecrets();
    TokenSession session(oauthProfile(), secrets.get());
    ScriptedBrowser browser;
    browser.rewriteRedirect = [](const QUrl &url) {
        QUrlQuery query(url);
        query.removeAllQueryItems(QStringLiteral("state"));
        query.addQueryItem(QStringLiteral("state"), QStringLiteral("forged-state-of-another-request"));
        QUrl out = url;
        out.setQuery(query);
        return out;
    };
    session.setBrowserOpener([&browser](const QUrl &url) { browser.open(url); });
    QSignalSpy finished(&session, &TokenSession::loginFinished);
    session.login();
    QVERIFY(finished.wait(WaitMs));
    QCOMPARE(finished.first().at(0).toBool(), false);
    QVERIFY2(finished.first().at(1).toString().contains(QStringLiteral("another login request")),
             qPrintable(finished.first().at(1).toString()));
    QCOMPARE(session.state(), TokenSession::State::LoggedOut);
}

void TokenSessionTest::loginTimesOut()
{
    auto secrets = makeSecrets();
    TokenSession session(oauthProfile(), secrets.get());
    session.setBrowserOpener([](const QUrl &) {}); // nobody logs in
    session.setLoginTimeout(300);
    QSignalSpy finished(&session, &TokenSession::loginFinished);
    session.login();
    QCOMPARE(session.state(), TokenSession::State::LoggingIn);
    QCOMPARE(LoginStatus::text(session), QStringLiteral("Logging in: continue in the browser"));
    QVERIFY(finished.wait(WaitMs));
    QCOMPARE(finished.first().at(0).toBool(), false);
    QVERIFY2(finished.first().at(1).toString().contains(QStringLiteral("did not complete")),
             qPrintable(finished.first().at(1).toString()));
    QCOMPARE(session.state(), TokenSession::State::LoggedOut);
    const CredentialsResult c = credentials(session);
    QVERIFY(c.called && !c.credentials);
    QCOMPARE(c.error, QStringLiteral("Not logged in: log in first."));
}

// ---- refresh -------------------------------------------------------------------------------

void TokenSessionTest::refreshBeforeEveryConnect()
{
    MemorySecretBackend *keychain = nullptr;
    auto secrets = makeSecrets(&keychain);
    const ConnectionProfile profile = oauthProfile();
    TokenSession session(profile, secrets.get());
    QCOMPARE(session.refreshPolicy(), TokenSession::RefreshPolicy::BeforeEveryConnect);
    ScriptedBrowser browser;
    QVERIFY(login(session, browser));
    const QString key = profile.secretKey(ConnectionProfile::Secret::OAuth2Session);
    const QString savedAtLogin = keychain->entries().value(key);

    QSignalSpy states(&session, &TokenSession::stateChanged);
    const CredentialsResult first = credentials(session);
    QVERIFY2(first.credentials, qPrintable(first.error));
    const CredentialsResult second = credentials(session);
    QVERIFY2(second.credentials, qPrintable(second.error));
    // Each attempt got its own fresh token, valid at the issuer.
    QVERIFY(token(*first.credentials) != token(*second.credentials));
    QVERIFY(m_issuer.verifyAccessToken(token(*second.credentials)).value(QStringLiteral("active")).toBool());
    QVERIFY(second.credentials->expiresAt.isValid());
    QCOMPARE(second.credentials->expiresAt, session.accessTokenExpiry());
    QCOMPARE(states.size(), 4); // Refreshing, LoggedIn, twice
    QCOMPARE(states.at(0).at(0).value<TokenSession::State>(), TokenSession::State::Refreshing);
    QCOMPARE(session.state(), TokenSession::State::LoggedIn);
    // The issuer rotates refresh tokens: the saved one follows.
    QTRY_VERIFY_WITH_TIMEOUT(keychain->entries().value(key) != savedAtLogin, WaitMs);
}

void TokenSessionTest::concurrentConnectsShareOneRefresh()
{
    auto secrets = makeSecrets();
    TokenSession session(oauthProfile(), secrets.get());
    ScriptedBrowser browser;
    QVERIFY(login(session, browser));
    // With rotating refresh tokens two refreshes at once would spend the same token twice
    // (and oidc-provider would then revoke the whole grant): they must share one.
    QList<std::shared_ptr<CredentialsResult>> results;
    for (int i = 0; i < 3; ++i) {
        auto r = std::make_shared<CredentialsResult>();
        results << r;
        session.credentialsForConnect([r](const std::optional<MqttCredentials> &c, const QString &e) {
            r->called = true;
            r->credentials = c;
            r->error = e;
        });
    }
    QCOMPARE(session.state(), TokenSession::State::Refreshing);
    QTRY_VERIFY_WITH_TIMEOUT(std::all_of(results.cbegin(), results.cend(), [](auto &r) { return r->called; }),
                             WaitMs);
    for (const auto &r : std::as_const(results))
        QVERIFY2(r->credentials, qPrintable(r->error));
    QCOMPARE(token(*results.at(1)->credentials), token(*results.at(0)->credentials));
    QCOMPARE(token(*results.at(2)->credentials), token(*results.at(0)->credentials));
    // And the login still works afterwards.
    const CredentialsResult after = credentials(session);
    QVERIFY2(after.credentials, qPrintable(after.error));
}

void TokenSessionTest::refreshWhenExpiringGivesNewTokenAfterExpiry()
{
    auto secrets = makeSecrets();
    TokenSession session(oauthProfile(), secrets.get());
    session.setRefreshPolicy(TokenSession::RefreshPolicy::WhenExpiring, 1);
    ScriptedBrowser browser;
    QVERIFY(login(session, browser));

    // Fresh enough: no refresh, the same token twice.
    const CredentialsResult first = credentials(session);
    QVERIFY2(first.credentials, qPrintable(first.error));
    const CredentialsResult again = credentials(session);
    QVERIFY2(again.credentials, qPrintable(again.error));
    QCOMPARE(token(*again.credentials), token(*first.credentials));
    const QDateTime oldExpiry = session.accessTokenExpiry();

    // Once it has expired (5 s), the issuer no longer takes it, and the connect gets a new one.
    QTRY_VERIFY_WITH_TIMEOUT(QDateTime::currentDateTimeUtc() > oldExpiry.addSecs(1),
                             3 * AccessTokenTtl * 1000);
    QCOMPARE(m_issuer.verifyAccessToken(token(*first.credentials)).value(QStringLiteral("active")).toBool(),
             false);
    const CredentialsResult renewed = credentials(session);
    QVERIFY2(renewed.credentials, qPrintable(renewed.error));
    QVERIFY(token(*renewed.credentials) != token(*first.credentials));
    QVERIFY(m_issuer.verifyAccessToken(token(*renewed.credentials)).value(QStringLiteral("active")).toBool());
    QVERIFY(session.accessTokenExpiry() > QDateTime::currentDateTimeUtc());
}

void TokenSessionTest::rejectedRefreshRequiresLogin()
{
    MemorySecretBackend *keychain = nullptr;
    auto secrets = makeSecrets(&keychain);
    const ConnectionProfile profile = oauthProfile();
    TokenSession session(profile, secrets.get());
    ScriptedBrowser browser;
    QVERIFY(login(session, browser));
    QVERIFY(keychain->entries().contains(profile.secretKey(ConnectionProfile::Secret::OAuth2Session)));

    QVERIFY(m_issuer.revokeAll()); // the issuer forgets every grant
    const CredentialsResult c = credentials(session);
    QVERIFY(c.called);
    QVERIFY(!c.credentials);
    QVERIFY2(c.error.startsWith(
                 QStringLiteral("Login required: the issuer rejected the refresh token (invalid_grant")),
             qPrintable(c.error));
    QVERIFY2(c.error.endsWith(QStringLiteral("; log in again")), qPrintable(c.error));
    QCOMPARE(session.state(), TokenSession::State::LoginRequired);
    const QString status = LoginStatus::text(session);
    QVERIFY2(status.startsWith(QStringLiteral("Login required: the issuer rejected the refresh token")),
             qPrintable(status));
    // The dead refresh token is forgotten; who it was stays for the message.
    QTRY_VERIFY_WITH_TIMEOUT(keychain->entries().isEmpty(), WaitMs);
    QCOMPARE(session.identity().username, QStringLiteral("alice"));
    QVERIFY(!session.accessTokenExpiry().isValid());
    // Further attempts don't ask the issuer again.
    const CredentialsResult again = credentials(session);
    QVERIFY(!again.credentials);
    QVERIFY(again.error.startsWith(QStringLiteral("Login required:")));

    // A new login ends it.
    QVERIFY(login(session, browser));
    QCOMPARE(session.state(), TokenSession::State::LoggedIn);
    const CredentialsResult after = credentials(session);
    QVERIFY2(after.credentials, qPrintable(after.error));
}

// ---- logout --------------------------------------------------------------------------------

void TokenSessionTest::logoutForgetsAndRevokes()
{
    MemorySecretBackend *keychain = nullptr;
    auto secrets = makeSecrets(&keychain);
    const ConnectionProfile profile = oauthProfile();
    TokenSession session(profile, secrets.get());
    ScriptedBrowser browser;
    QVERIFY(login(session, browser));
    const QString key = profile.secretKey(ConnectionProfile::Secret::OAuth2Session);
    const QByteArray refreshToken = QJsonDocument::fromJson(keychain->entries().value(key).toUtf8())
                                        .object()
                                        .value(QStringLiteral("refresh_token"))
                                        .toString()
                                        .toUtf8();
    QVERIFY(!refreshToken.isEmpty());

    QSignalSpy finished(&session, &TokenSession::logoutFinished);
    session.logout();
    // Forgotten at once, in memory and in the keychain.
    QCOMPARE(session.state(), TokenSession::State::LoggedOut);
    QVERIFY(session.identity().isEmpty());
    QVERIFY(!session.accessTokenExpiry().isValid());
    QCOMPARE(LoginStatus::text(session), QStringLiteral("Not logged in"));
    QVERIFY(finished.wait(WaitMs));
    QVERIFY2(finished.first().at(0).toBool(), qPrintable(finished.first().at(1).toString()));
    QVERIFY(keychain->entries().isEmpty());
    // Revoked: the issuer no longer takes the refresh token.
    const TestIssuer::Reply reply =
        TestIssuer::post(m_issuer.url().resolved(QUrl(QStringLiteral("/token"))),
                         "grant_type=refresh_token&client_id=" + m_issuer.clientId().toUtf8() +
                             "&refresh_token=" + QUrl::toPercentEncoding(QString::fromUtf8(refreshToken)));
    QCOMPARE(reply.status, 400);
    QCOMPARE(QJsonDocument::fromJson(reply.body).object().value(QStringLiteral("error")).toString(),
             QStringLiteral("invalid_grant"));
    const CredentialsResult c = credentials(session);
    QVERIFY(!c.credentials);
    QCOMPARE(c.error, QStringLiteral("Not logged in: log in first."));

    // A restart finds nothing to restore.
    TokenSession restarted(profile, secrets.get());
    QSignalSpy restored(&restarted, &TokenSession::restored);
    restarted.restore();
    QVERIFY(restored.wait(WaitMs));
    QCOMPARE(restored.first().at(0).toBool(), false);
    QCOMPARE(restarted.state(), TokenSession::State::LoggedOut);
}

// ---- what CONNECT carries ------------------------------------------------------------------

void TokenSessionTest::tokenPlacement_data()
{
    QTest::addColumn<ConnectionProfile::MqttVersion>("version");
    QTest::addColumn<ConnectionProfile::TokenPlacement>("placement");
    QTest::addColumn<bool>("asUsername");
    QTest::newRow("3.1.1: user name")
        << ConnectionProfile::MqttVersion::V311 << ConnectionProfile::TokenPlacement::Username << true;
    QTest::newRow("5: user name") << ConnectionProfile::MqttVersion::V5
                                  << ConnectionProfile::TokenPlacement::Username << true;
    QTest::newRow("5: password only")
        << ConnectionProfile::MqttVersion::V5 << ConnectionProfile::TokenPlacement::Password << false;
}

void TokenSessionTest::tokenPlacement()
{
    QFETCH(ConnectionProfile::MqttVersion, version);
    QFETCH(ConnectionProfile::TokenPlacement, placement);
    QFETCH(bool, asUsername);
    const ConnectionProfile profile = oauthProfile(version, placement);
    QVERIFY2(profile.isValid(), qPrintable(profile.validate().join(QLatin1Char(' '))));
    auto secrets = makeSecrets();
    TokenSession session(profile, secrets.get());
    ScriptedBrowser browser;
    QVERIFY(login(session, browser));
    const CredentialsResult c = credentials(session);
    QVERIFY2(c.credentials, qPrintable(c.error));
    if (asUsername) {
        QVERIFY(c.credentials->username);
        QVERIFY(!c.credentials->password);
        QVERIFY(
            m_issuer.verifyAccessToken(*c.credentials->username).value(QStringLiteral("active")).toBool());
    } else {
        QVERIFY(!c.credentials->username);
        QVERIFY(c.credentials->password);
        QVERIFY(
            m_issuer.verifyAccessToken(*c.credentials->password).value(QStringLiteral("active")).toBool());
    }
}

void TokenSessionTest::restartRestoresTheLogin()
{
    MemorySecretBackend *keychain = nullptr;
    auto secrets = makeSecrets(&keychain);
    const ConnectionProfile profile = oauthProfile();
    {
        TokenSession session(profile, secrets.get());
        ScriptedBrowser browser;
        QVERIFY(login(session, browser));
    }
    // A new console: no browser, the saved refresh token does it.
    TokenSession session(profile, secrets.get());
    session.setBrowserOpener([](const QUrl &) { QFAIL("a restored login must not open the browser"); });
    QSignalSpy restored(&session, &TokenSession::restored);
    session.restore();
    QVERIFY(restored.wait(WaitMs));
    QCOMPARE(restored.first().at(0).toBool(), true);
    QCOMPARE(session.state(), TokenSession::State::LoggedIn);
    QCOMPARE(session.identity().username, QStringLiteral("alice"));
    QVERIFY(!session.accessTokenExpiry().isValid());
    QVERIFY2(LoginStatus::text(session).startsWith(QStringLiteral("Logged in as alice (saved login")),
             qPrintable(LoginStatus::text(session)));
    const CredentialsResult c = credentials(session);
    QVERIFY2(c.credentials, qPrintable(c.error));
    QVERIFY(m_issuer.verifyAccessToken(token(*c.credentials)).value(QStringLiteral("active")).toBool());

    // credentialsForConnect() restores by itself, too.
    TokenSession third(profile, secrets.get());
    const CredentialsResult c3 = credentials(third);
    QVERIFY2(c3.credentials, qPrintable(c3.error));
    QVERIFY(third.isRestored());

    // A saved login of another issuer (the profile was edited) is dropped, not used.
    ConnectionProfile edited = profile;
    edited.issuer = QUrl(QStringLiteral("http://127.0.0.1:1"));
    TokenSession other(edited, secrets.get());
    QSignalSpy otherRestored(&other, &TokenSession::restored);
    other.restore();
    QVERIFY(otherRestored.wait(WaitMs));
    QCOMPARE(otherRestored.first().at(0).toBool(), false);
}

void TokenSessionTest::apiKeyCredentials_data()
{
    QTest::addColumn<ConnectionProfile::AuthKind>("kind");
    QTest::addColumn<QString>("notLoggedIn");
    QTest::newRow("API key") << ConnectionProfile::AuthKind::ApiKey
                             << QStringLiteral("Log in: enter the API key of bob.");
    QTest::newRow("password") << ConnectionProfile::AuthKind::Password
                              << QStringLiteral("Log in: enter the password of bob.");
}

void TokenSessionTest::apiKeyCredentials()
{
    QFETCH(ConnectionProfile::AuthKind, kind);
    QFETCH(QString, notLoggedIn);
    MemorySecretBackend *keychain = nullptr;
    auto secrets = makeSecrets(&keychain);
    ConnectionProfile profile = ConnectionProfile::create(QStringLiteral("keys"));
    profile.url = QUrl(QStringLiteral("mqtts://mqtt.example.com"));
    profile.authKind = kind;
    profile.username = QStringLiteral("bob");
    QVERIFY(profile.isValid());

    TokenSession session(profile, secrets.get());
    const CredentialsResult none = credentials(session);
    QVERIFY(!none.credentials);
    QCOMPARE(none.error, notLoggedIn);

    QSignalSpy finished(&session, &TokenSession::loginFinished);
    session.loginWithSecret(QStringLiteral("k3y+s3cret/value="), true);
    QVERIFY(finished.wait(WaitMs));
    QCOMPARE(finished.first().at(0).toBool(), true);
    QCOMPARE(session.state(), TokenSession::State::LoggedIn);
    QCOMPARE(LoginStatus::text(session), kind == ConnectionProfile::AuthKind::ApiKey
                                             ? QStringLiteral("Logged in as bob with an API key")
                                             : QStringLiteral("Logged in as bob with a password"));
    const CredentialsResult c = credentials(session);
    QVERIFY2(c.credentials, qPrintable(c.error));
    QCOMPARE(*c.credentials->username, QByteArray("bob"));
    QCOMPARE(*c.credentials->password, QByteArray("k3y+s3cret/value="));
    QVERIFY(!c.credentials->expiresAt.isValid());
    QTRY_COMPARE_WITH_TIMEOUT(keychain->entries().size(), 1, WaitMs);

    // Remembered: a restart connects without asking.
    TokenSession restarted(profile, secrets.get());
    const CredentialsResult r = credentials(restarted);
    QVERIFY2(r.credentials, qPrintable(r.error));
    QCOMPARE(*r.credentials->password, QByteArray("k3y+s3cret/value="));

    // Logout forgets it.
    QSignalSpy loggedOut(&restarted, &TokenSession::logoutFinished);
    restarted.logout();
    QVERIFY(loggedOut.wait(WaitMs));
    QTRY_VERIFY_WITH_TIMEOUT(keychain->entries().isEmpty(), WaitMs);
    QCOMPARE(credentials(restarted).error, notLoggedIn);

    // Not remembered: this session only.
    TokenSession once(profile, secrets.get());
    once.loginWithSecret(QStringLiteral("just-now"), false);
    QCOMPARE(*credentials(once).credentials->password, QByteArray("just-now"));
    TokenSession later(profile, secrets.get());
    QCOMPARE(credentials(later).error, notLoggedIn);
}

void TokenSessionTest::anonymousNeedsNoLogin()
{
    ConnectionProfile profile = ConnectionProfile::create(QStringLiteral("demo"));
    profile.url = QUrl(QStringLiteral("mqtt://127.0.0.1:1883"));
    TokenSession session(profile, nullptr);
    QCOMPARE(session.state(), TokenSession::State::LoggedIn);
    QCOMPARE(LoginStatus::text(session), QStringLiteral("Anonymous: no login needed"));
    const CredentialsResult c = credentials(session);
    QVERIFY(c.credentials);
    QVERIFY(c.credentials->isAnonymous());
}

void TokenSessionTest::unreachableIssuerKeepsTheLogin()
{
    auto secrets = makeSecrets();
    TokenSession session(oauthProfile(), secrets.get());
    session.setRetryDelays({50, 100});
    session.setRefreshPolicy(TokenSession::RefreshPolicy::BeforeEveryConnect, 1);
    ScriptedBrowser browser;
    QVERIFY(login(session, browser));
    const CredentialsResult first = credentials(session);
    QVERIFY2(first.credentials, qPrintable(first.error));

    m_issuer.stop();
    // The refresh fails (after its retries), but the token in hand is still valid: it is used.
    const CredentialsResult during = credentials(session);
    QVERIFY2(during.credentials, qPrintable(during.error));
    QCOMPARE(token(*during.credentials), token(*first.credentials));
    QCOMPARE(session.state(), TokenSession::State::LoggedIn);
    QVERIFY2(session.lastError().startsWith(
                 QStringLiteral("Could not refresh the access token: the issuer could not "
                                "be reached")),
             qPrintable(session.lastError()));

    // Once it has expired there is nothing to connect with, but the login is kept: the
    // issuer may come back, and a browser login would not help meanwhile.
    const QDateTime expiry = session.accessTokenExpiry();
    QTRY_VERIFY_WITH_TIMEOUT(QDateTime::currentDateTimeUtc().addSecs(1) >= expiry, 3 * AccessTokenTtl * 1000);
    const CredentialsResult after = credentials(session);
    QVERIFY(!after.credentials);
    QVERIFY2(
        after.error.startsWith(QStringLiteral("Could not refresh the access token: the issuer could not be "
                                              "reached")),
        qPrintable(after.error));
    QCOMPARE(session.state(), TokenSession::State::LoggedIn);

    QString error;
    QVERIFY2(m_issuer.start(AccessTokenTtl, &error), qPrintable(error));
}

QTEST_GUILESS_MAIN(TokenSessionTest)
#include "tst_ui_auth_tokensession.moc"
