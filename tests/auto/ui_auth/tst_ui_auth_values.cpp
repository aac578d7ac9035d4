// The value types of the console's login: connection profiles and their validation, PKCE
// (RFC 7636's own example), who is logged in from an ID token, what CONNECT carries, and the
// times of the login status line.
#include "auth/connectionprofile.h"
#include "auth/loginidentity.h"
#include "auth/loginstatus.h"
#include "auth/mqttcredentials.h"
#include "auth/pkce.h"

#include "client/clientoptions.h"

#include <QJsonDocument>
#include <QSet>
#include <QTemporaryFile>
#include <QTest>

using namespace drover::ui;

class ValuesTest : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void validProfiles_data();
    void validProfiles();
    void invalidProfiles_data();
    void invalidProfiles();
    void requestedScopesAlwaysAskForARefreshToken();
    void secretKeysAreStablePerProfile();
    void namesRoundTrip();
    void pkceMatchesRfc7636();
    void pkceVerifiersAreFreshAndWellFormed();
    void identityFromIdToken();
    void identityIgnoresGarbage();
    void credentialsApplyToClientOptions();
    void statusTimes();
};

namespace {

ConnectionProfile base()
{
    ConnectionProfile p = ConnectionProfile::create(QStringLiteral("lab"));
    p.url = QUrl(QStringLiteral("mqtts://mqtt.example.com:8883"));
    return p;
}

ConnectionProfile oauth()
{
    ConnectionProfile p = base();
    p.authKind = ConnectionProfile::AuthKind::OAuth2;
    p.issuer = QUrl(QStringLiteral("https://id.example.com/realms/drogue"));
    p.oauthClientId = QStringLiteral("drover-console");
    return p;
}

QByteArray jwt(const QJsonObject &claims)
{
    auto part = [](const QByteArray &json) {
        return json.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals);
    };
    return part(R"({"alg":"RS256","typ":"JWT"})") + '.' +
           part(QJsonDocument(claims).toJson(QJsonDocument::Compact)) + ".c2lnbmF0dXJl";
}

} // namespace

void ValuesTest::validProfiles_data()
{
    QTest::addColumn<ConnectionProfile>("profile");
    QTest::newRow("anonymous mqtts") << base();
    ConnectionProfile p = base();
    p.url = QUrl(QStringLiteral("mqtt://127.0.0.1:1883"));
    QTest::newRow("anonymous mqtt") << p;
    p.url = QUrl(QStringLiteral("wss://mqtt.example.com/mqtt"));
    QTest::newRow("websocket path") << p;
    QTest::newRow("oauth2") << oauth();
    p = oauth();
    p.issuer = QUrl(QStringLiteral("http://127.0.0.1:8080"));
    QTest::newRow("oauth2 loopback issuer") << p;
    p = oauth();
    p.tokenPlacement = ConnectionProfile::TokenPlacement::Password;
    QTest::newRow("token as password, v5") << p;
    p = oauth();
    p.mqttVersion = ConnectionProfile::MqttVersion::V311;
    QTest::newRow("token as user name, 3.1.1") << p;
    p = base();
    p.authKind = ConnectionProfile::AuthKind::ApiKey;
    p.username = QStringLiteral("bob");
    QTest::newRow("api key") << p;
}

void ValuesTest::validProfiles()
{
    QFETCH(ConnectionProfile, profile);
    QVERIFY2(profile.isValid(), qPrintable(profile.validate().join(QLatin1Char(' '))));
}

void ValuesTest::invalidProfiles_data()
{
    QTest::addColumn<ConnectionProfile>("profile");
    QTest::addColumn<QString>("message");
    ConnectionProfile p = base();
    p.name = QStringLiteral("  ");
    QTest::newRow("no name") << p << QStringLiteral("Give the profile a name.");
    p = base();
    p.url = QUrl();
    QTest::newRow("no url") << p << QStringLiteral("Enter the server URL");
    p.url = QUrl(QStringLiteral("http://mqtt.example.com"));
    QTest::newRow("http") << p << QStringLiteral("must start with mqtt://, mqtts://, ws:// or wss://");
    p.url = QUrl(QStringLiteral("mqtt://bob:secret@mqtt.example.com"));
    QTest::newRow("credentials in url")
        << p << QStringLiteral("Remove the user name and password from the server URL");
    p.url = QUrl(QStringLiteral("mqtt://mqtt.example.com/path"));
    QTest::newRow("mqtt path") << p << QStringLiteral("An mqtt:// or mqtts:// URL has no path");
    p = base();
    p.caFile = QStringLiteral("/nonexistent/ca.pem");
    QTest::newRow("missing CA file") << p
                                     << QStringLiteral("The CA file /nonexistent/ca.pem does not exist.");
    p = oauth();
    p.tokenPlacement = ConnectionProfile::TokenPlacement::Password;
    p.mqttVersion = ConnectionProfile::MqttVersion::V311;
    QTest::newRow("token as password, 3.1.1")
        << p << QStringLiteral("Sending the token as the password needs MQTT 5");
    p = oauth();
    p.issuer = QUrl();
    QTest::newRow("no issuer") << p << QStringLiteral("Enter the issuer URL");
    p.issuer = QUrl(QStringLiteral("http://id.example.com"));
    QTest::newRow("clear-text issuer") << p << QStringLiteral("The issuer must use https://");
    p.issuer = QUrl(QStringLiteral("ftp://id.example.com"));
    QTest::newRow("ftp issuer") << p << QStringLiteral("The issuer must be an https:// URL.");
    p = oauth();
    p.oauthClientId.clear();
    QTest::newRow("no client id") << p << QStringLiteral("Enter the OAuth2 client id");
    p = oauth();
    p.scopes = {QStringLiteral("read write")};
    QTest::newRow("bad scope") << p << QStringLiteral("\"read write\" is not a valid scope");
    p = base();
    p.authKind = ConnectionProfile::AuthKind::ApiKey;
    QTest::newRow("api key without user")
        << p << QStringLiteral("Enter the user name the API key belongs to.");
    p.authKind = ConnectionProfile::AuthKind::Password;
    QTest::newRow("password without user") << p << QStringLiteral("Enter the user name.");
}

void ValuesTest::invalidProfiles()
{
    QFETCH(ConnectionProfile, profile);
    QFETCH(QString, message);
    const QStringList problems = profile.validate();
    QVERIFY(!profile.isValid());
    QVERIFY2(problems.join(QLatin1Char('|')).contains(message), qPrintable(problems.join(QLatin1Char('|'))));
}

void ValuesTest::requestedScopesAlwaysAskForARefreshToken()
{
    ConnectionProfile p = oauth();
    QCOMPARE(p.requestedScopes(), QStringList({QStringLiteral("openid"), QStringLiteral("offline_access")}));
    p.scopes = {QStringLiteral("profile"), QStringLiteral("openid"), QStringLiteral("mqtt")};
    QCOMPARE(p.requestedScopes(), QStringList({QStringLiteral("openid"), QStringLiteral("offline_access"),
                                               QStringLiteral("profile"), QStringLiteral("mqtt")}));
}

void ValuesTest::secretKeysAreStablePerProfile()
{
    const ConnectionProfile a = base();
    const ConnectionProfile b = base();
    QVERIFY(a.id != b.id);
    QVERIFY(!a.id.contains(QLatin1Char('{')));
    QCOMPARE(a.secretKey(ConnectionProfile::Secret::ApiKey), QStringLiteral("profiles/%1/api-key").arg(a.id));
    const QStringList keys = a.secretKeys();
    QCOMPARE(keys.size(), 3);
    QCOMPARE(QSet<QString>(keys.cbegin(), keys.cend()).size(), 3);
    QVERIFY(!a.secretKeys().contains(b.secretKey(ConnectionProfile::Secret::OAuth2Session)));
}

void ValuesTest::namesRoundTrip()
{
    for (auto v : {ConnectionProfile::MqttVersion::V311, ConnectionProfile::MqttVersion::V5}) {
        ConnectionProfile::MqttVersion parsed{};
        QVERIFY(ConnectionProfile::parseVersion(ConnectionProfile::versionName(v), &parsed));
        QCOMPARE(parsed, v);
    }
    for (auto k : {ConnectionProfile::AuthKind::Anonymous, ConnectionProfile::AuthKind::OAuth2,
                   ConnectionProfile::AuthKind::ApiKey, ConnectionProfile::AuthKind::Password}) {
        ConnectionProfile::AuthKind parsed{};
        QVERIFY(ConnectionProfile::parseAuthKind(ConnectionProfile::authKindName(k), &parsed));
        QCOMPARE(parsed, k);
    }
    ConnectionProfile::MqttVersion v{};
    QVERIFY(!ConnectionProfile::parseVersion(QStringLiteral("6"), &v));
}

void ValuesTest::pkceMatchesRfc7636()
{
    // RFC 7636 appendix B.
    const Pkce pkce(QByteArrayLiteral("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"));
    QCOMPARE(pkce.challenge(), QByteArrayLiteral("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"));
    QCOMPARE(Pkce::method(), QStringLiteral("S256"));
}

void ValuesTest::pkceVerifiersAreFreshAndWellFormed()
{
    QSet<QByteArray> seen;
    for (int i = 0; i < 50; ++i) {
        const Pkce pkce = Pkce::generate();
        QCOMPARE(pkce.verifier().size(), 43); // RFC 7636 4.1: 43 to 128 characters
        for (char c : pkce.verifier())
            QVERIFY(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_');
        QCOMPARE(pkce.challenge(), Pkce::challengeFor(pkce.verifier()));
        seen.insert(pkce.verifier());
    }
    QCOMPARE(seen.size(), 50);
}

void ValuesTest::identityFromIdToken()
{
    const LoginIdentity id =
        LoginIdentity::fromIdToken(jwt({{QStringLiteral("sub"), QStringLiteral("248289761001")},
                                        {QStringLiteral("preferred_username"), QStringLiteral("jane")},
                                        {QStringLiteral("name"), QStringLiteral("Jane Doe")},
                                        {QStringLiteral("email"), QStringLiteral("jane@example.com")}}));
    QCOMPARE(id.subject, QStringLiteral("248289761001"));
    QCOMPARE(id.displayName(), QStringLiteral("jane"));
    QCOMPARE(LoginIdentity::fromJson(id.toJson()), id);
    const LoginIdentity subOnly =
        LoginIdentity::fromIdToken(jwt({{QStringLiteral("sub"), QStringLiteral("x1")}}));
    QCOMPARE(subOnly.displayName(), QStringLiteral("x1"));
    const LoginIdentity named = LoginIdentity::fromIdToken(jwt(
        {{QStringLiteral("sub"), QStringLiteral("x1")}, {QStringLiteral("name"), QStringLiteral("X One")}}));
    QCOMPARE(named.displayName(), QStringLiteral("X One"));
}

void ValuesTest::identityIgnoresGarbage()
{
    QVERIFY(LoginIdentity::fromIdToken("not-a-jwt").isEmpty());
    QVERIFY(LoginIdentity::fromIdToken("a.!!!.c").isEmpty());
    QVERIFY(LoginIdentity::fromIdToken("").isEmpty());
    QVERIFY(LoginIdentity::jwtClaims("a.b.c.d").isEmpty());
}

void ValuesTest::credentialsApplyToClientOptions()
{
    drover::client::ClientOptions options;
    options.username = QByteArrayLiteral("old");
    options.password = QByteArrayLiteral("old");
    MqttCredentials c;
    c.password = QByteArrayLiteral("token");
    c.applyTo(options);
    QVERIFY(!options.username);
    QCOMPARE(*options.password, QByteArrayLiteral("token"));
    MqttCredentials anonymous;
    QVERIFY(anonymous.isAnonymous());
    anonymous.applyTo(options);
    QVERIFY(!options.username && !options.password);
}

void ValuesTest::statusTimes()
{
    const QDateTime now(QDate(2026, 3, 14), QTime(9, 0));
    QCOMPARE(LoginStatus::formatTime(QDateTime(QDate(2026, 3, 14), QTime(14, 32)), now),
             QStringLiteral("14:32"));
    QCOMPARE(LoginStatus::formatTime(QDateTime(QDate(2026, 3, 15), QTime(8, 5)), now),
             QStringLiteral("2026-03-15 08:05"));
}

QTEST_GUILESS_MAIN(ValuesTest)
#include "tst_ui_auth_values.moc"
