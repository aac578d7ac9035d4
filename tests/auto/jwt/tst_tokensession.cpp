// Access tokens at the integration API, end to end in process: a Gateway (with the demo,
// whose application anonymous clients, and so named users, may read) that trusts the test
// issuer (tests/oidc/issuer.mjs), spoken to over TCP with the project's codec. Tokens as user
// name (3.1.1 and 5) and as v5 password, refusals with their CONNACK codes, the end of a
// session whose token expires (v5 DISCONNECT 0xA0, 3.1.1 closed), and re-authentication
// with method oauth2-jwt (AUTH 0x19 → AUTH 0x00; another user's token → DISCONNECT 0x87).
#include "testclient.h"
#include "tokentestutil.h"

#include "config/config.h"
#include "gateway.h"
#include "mqtt/packetencoder.h"

#include <QLoggingCategory>
#include <QTest>

using namespace drover;
using namespace drover::mqtt;
using drover::test::mintToken;
using drover::test::TestClient;

Q_DECLARE_METATYPE(drover::mqtt::ProtocolVersion)

namespace {

const QByteArray Method = QByteArrayLiteral("oauth2-jwt");

QString hexCode(ReasonCode code)
{
    return QStringLiteral("0x%1").arg(int(code), 2, 16, QLatin1Char('0'));
}

QUrlQuery tokenFor(const QString &sub, int ttl)
{
    QUrlQuery form;
    form.addQueryItem(QStringLiteral("sub"), sub);
    form.addQueryItem(QStringLiteral("ttl"), QString::number(ttl));
    return form;
}

AuthPacket reauthenticate(const QByteArray &token, const QByteArray &method = Method)
{
    AuthPacket auth{ReasonCode::ReAuthenticate, {}};
    auth.properties.setBytes(Properties::AuthenticationMethod, method);
    auth.properties.setBytes(Properties::AuthenticationData, token);
    return auth;
}

} // namespace

class TestTokenSession : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void init();
    void cleanup();

    void tokenAsUserName_data();
    void tokenAsUserName();
    void tokenAsPasswordOnly();
    void tokenInBothFieldsIsRefused();
    void refusedTokensAtConnect_data();
    void refusedTokensAtConnect();
    void authenticationMethodAtConnect();
    void expiryEndsV5Session();
    void expiryClosesV311Connection();
    void reauthenticationExtendsSession();
    void reauthenticationAsAnotherUserIsRefused();
    void reauthenticationWithBadTokenIsRefused();
    void reauthenticationProtocolErrors();

private:
    TestClient *client(ProtocolVersion version = ProtocolVersion::V5);
    std::optional<ConnackPacket> connectWith(TestClient *c, const QByteArray &clientId,
                                             std::optional<QByteArray> username,
                                             std::optional<QByteArray> password,
                                             const QByteArray &method = {}, const QByteArray &data = {});
    bool receivesDemoEvents(TestClient *c);

    TestIssuer m_issuer;
    std::unique_ptr<Gateway> m_gateway;
    quint16 m_port = 0;
    std::vector<std::unique_ptr<TestClient>> m_clients;
};

void TestTokenSession::initTestCase()
{
    QLoggingCategory::setFilterRules(QStringLiteral("drover.*.debug=false"));
    if (const QString reason = TestIssuer::unavailableReason(); !reason.isEmpty())
        QSKIP(qPrintable(reason));
    QString error;
    QVERIFY2(m_issuer.start(300, &error), qPrintable(error));
}

void TestTokenSession::cleanupTestCase()
{
    m_issuer.stop();
}

void TestTokenSession::init()
{
    config::Config config;
    config.listeners = {
        config::ListenerConfig{config::ListenerConfig::Kind::Mqtt, QHostAddress::LocalHost, 0}};
    config.demo.enabled = true;
    config.demo.rate = 20;
    config::TokenIssuerConfig issuer;
    issuer.url = m_issuer.url().toString();
    issuer.audiences = {QStringLiteral("urn:drover:mqtt")};
    issuer.leewaySeconds = 0; // expiry tests count in seconds
    config.tokenIssuers = {issuer};
    m_gateway = std::make_unique<Gateway>(config);
    QString error;
    QVERIFY2(m_gateway->start(&error), qPrintable(error));
    m_port = quint16(QUrl(m_gateway->listenerUrls().first()).port());
}

void TestTokenSession::cleanup()
{
    for (auto &c : m_clients)
        QVERIFY2(c->errors.isEmpty(), qPrintable(c->errors.join(QStringLiteral("; "))));
    m_clients.clear();
    m_gateway.reset();
}

TestClient *TestTokenSession::client(ProtocolVersion version)
{
    m_clients.push_back(std::make_unique<TestClient>(version));
    return m_clients.back().get();
}

std::optional<ConnackPacket> TestTokenSession::connectWith(TestClient *c, const QByteArray &clientId,
                                                           std::optional<QByteArray> username,
                                                           std::optional<QByteArray> password,
                                                           const QByteArray &method, const QByteArray &data)
{
    if (!c->open(m_port))
        return std::nullopt;
    ConnectPacket connect;
    connect.version = c->version();
    connect.clientId = clientId;
    connect.username = std::move(username);
    connect.password = std::move(password);
    if (!method.isEmpty()) {
        connect.properties.setBytes(Properties::AuthenticationMethod, method);
        if (!data.isEmpty())
            connect.properties.setBytes(Properties::AuthenticationData, data);
    }
    return c->connectMqtt(connect, 20000); // the first CONNECT waits for the issuer's keys
}

bool TestTokenSession::receivesDemoEvents(TestClient *c)
{
    const auto suback = c->subscribe(QByteArrayLiteral("app/demo"));
    if (!suback || suback->reasonCodes.value(0) != ReasonCode::Success)
        return false;
    return c->waitForPublish([](const PublishPacket &p) { return p.topic == "app/demo"; }, 10000);
}

void TestTokenSession::tokenAsUserName_data()
{
    QTest::addColumn<ProtocolVersion>("version");
    QTest::newRow("3.1.1") << ProtocolVersion::V311;
    QTest::newRow("5") << ProtocolVersion::V5;
}

void TestTokenSession::tokenAsUserName()
{
    QFETCH(ProtocolVersion, version);
    TestClient *c = client(version);
    const auto connack = connectWith(c, "by-user-name", mintToken(m_issuer), std::nullopt);
    QVERIFY(connack);
    QCOMPARE(hexCode(connack->reasonCode), hexCode(ReasonCode::Success));
    QVERIFY(!connack->properties.has(Properties::AuthenticationMethod));
    QVERIFY(receivesDemoEvents(c));
}

void TestTokenSession::tokenAsPasswordOnly()
{
    TestClient *c = client();
    const auto connack = connectWith(c, "by-password", std::nullopt, mintToken(m_issuer));
    QVERIFY(connack);
    QCOMPARE(hexCode(connack->reasonCode), hexCode(ReasonCode::Success));
    QVERIFY(receivesDemoEvents(c));
}

void TestTokenSession::tokenInBothFieldsIsRefused()
{
    TestClient *c = client();
    const QByteArray token = mintToken(m_issuer);
    const auto connack = connectWith(c, "both", token, token);
    QVERIFY(connack);
    QCOMPARE(hexCode(connack->reasonCode), hexCode(ReasonCode::BadUserNameOrPassword));
    QVERIFY(connack->properties.bytes(Properties::ReasonString).contains("not in both"));
}

void TestTokenSession::refusedTokensAtConnect_data()
{
    QTest::addColumn<ProtocolVersion>("version");
    QTest::addColumn<QUrlQuery>("mint");
    QTest::addColumn<QByteArray>("reason");
    QUrlQuery expired = tokenFor(QStringLiteral("alice"), -60);
    QUrlQuery audience;
    audience.addQueryItem(QStringLiteral("aud"), QStringLiteral("urn:other"));
    QUrlQuery none;
    none.addQueryItem(QStringLiteral("alg"), QStringLiteral("none"));
    QTest::newRow("v5 expired") << ProtocolVersion::V5 << expired << QByteArray("token expired at");
    QTest::newRow("v5 wrong audience")
        << ProtocolVersion::V5 << audience << QByteArray("not for this gateway");
    QTest::newRow("v5 alg none") << ProtocolVersion::V5 << none << QByteArray("unsigned token");
    QTest::newRow("3.1.1 expired") << ProtocolVersion::V311 << expired << QByteArray();
}

void TestTokenSession::refusedTokensAtConnect()
{
    QFETCH(ProtocolVersion, version);
    QFETCH(QUrlQuery, mint);
    QFETCH(QByteArray, reason);
    TestClient *c = client(version);
    const auto connack = connectWith(c, "refused", mintToken(m_issuer, mint), std::nullopt);
    QVERIFY(connack);
    // 0x86; 3.1.1 return code 4 decodes as the same.
    QCOMPARE(hexCode(connack->reasonCode), hexCode(ReasonCode::BadUserNameOrPassword));
    if (!reason.isEmpty())
        QVERIFY2(connack->properties.bytes(Properties::ReasonString).contains(reason),
                 connack->properties.bytes(Properties::ReasonString).constData());
    QVERIFY(c->waitForClosed());
}

void TestTokenSession::authenticationMethodAtConnect()
{
    // oauth2-jwt: the token is the Authentication Data; CONNACK names the method.
    TestClient *ok = client();
    const auto accepted = connectWith(ok, "method", std::nullopt, std::nullopt, Method, mintToken(m_issuer));
    QVERIFY(accepted);
    QCOMPARE(hexCode(accepted->reasonCode), hexCode(ReasonCode::Success));
    QCOMPARE(accepted->properties.bytes(Properties::AuthenticationMethod), Method);
    QVERIFY(receivesDemoEvents(ok));

    TestClient *other = client();
    const auto unknown = connectWith(other, "scram", std::nullopt, std::nullopt, "SCRAM-SHA-256", "x");
    QCOMPARE(hexCode(unknown->reasonCode), hexCode(ReasonCode::BadAuthenticationMethod));
    QVERIFY(unknown->properties.bytes(Properties::ReasonString).contains("supported: oauth2-jwt"));

    TestClient *noData = client();
    const auto empty = connectWith(noData, "no-data", std::nullopt, std::nullopt, Method, {});
    QCOMPARE(hexCode(empty->reasonCode), hexCode(ReasonCode::BadUserNameOrPassword));

    TestClient *alsoUser = client();
    const auto both =
        connectWith(alsoUser, "also-user", QByteArray("alice"), std::nullopt, Method, mintToken(m_issuer));
    QCOMPARE(hexCode(both->reasonCode), hexCode(ReasonCode::BadUserNameOrPassword));
    QVERIFY(both->properties.bytes(Properties::ReasonString).contains("Authentication Data only"));
}

void TestTokenSession::expiryEndsV5Session()
{
    TestClient *c = client();
    const auto connack =
        connectWith(c, "expiring", mintToken(m_issuer, tokenFor(QStringLiteral("alice"), 3)), std::nullopt);
    QCOMPARE(hexCode(connack->reasonCode), hexCode(ReasonCode::Success));
    QElapsedTimer timer;
    timer.start();
    const auto disconnect = c->takeDisconnect(10000);
    QVERIFY(disconnect);
    QCOMPARE(hexCode(disconnect->reasonCode), hexCode(ReasonCode::MaximumConnectTime));
    QVERIFY2(disconnect->properties.bytes(Properties::ReasonString).contains("expired at"),
             disconnect->properties.bytes(Properties::ReasonString).constData());
    QVERIFY2(timer.elapsed() > 1000, "not before the token expires");
    QVERIFY(c->waitForClosed());
}

void TestTokenSession::expiryClosesV311Connection()
{
    TestClient *c = client(ProtocolVersion::V311);
    const auto connack = connectWith(c, "expiring-311",
                                     mintToken(m_issuer, tokenFor(QStringLiteral("alice"), 3)), std::nullopt);
    QCOMPARE(hexCode(connack->reasonCode), hexCode(ReasonCode::Success));
    QElapsedTimer timer;
    timer.start();
    QVERIFY(c->waitForClosed(10000));
    QVERIFY(timer.elapsed() > 1000);
}

void TestTokenSession::reauthenticationExtendsSession()
{
    TestClient *c = client();
    const auto connack = connectWith(c, "renewing", std::nullopt, std::nullopt, Method,
                                     mintToken(m_issuer, tokenFor(QStringLiteral("alice"), 3)));
    QCOMPARE(hexCode(connack->reasonCode), hexCode(ReasonCode::Success));
    QVERIFY(c->subscribe(QByteArrayLiteral("app/demo")));
    c->send(reauthenticate(mintToken(m_issuer, tokenFor(QStringLiteral("alice"), 60))));
    const auto answer = c->take(PacketType::Auth, 10000);
    QVERIFY(answer);
    const auto &auth = std::get<AuthPacket>(*answer);
    QCOMPARE(hexCode(auth.reasonCode), hexCode(ReasonCode::Success));
    QCOMPARE(auth.properties.bytes(Properties::AuthenticationMethod), Method);
    // Past the first token's expiry the connection goes on, and events keep coming.
    QTest::qWait(4500);
    QVERIFY(c->isConnected());
    QCOMPARE(c->queued(PacketType::Disconnect), 0);
    c->takeAllPublishes();
    QVERIFY(c->waitForPublish([](const PublishPacket &p) { return p.topic == "app/demo"; }, 5000));
}

void TestTokenSession::reauthenticationAsAnotherUserIsRefused()
{
    TestClient *c = client();
    QCOMPARE(
        hexCode(
            connectWith(c, "takeover", std::nullopt, std::nullopt, Method, mintToken(m_issuer))->reasonCode),
        hexCode(ReasonCode::Success));
    c->send(reauthenticate(mintToken(m_issuer, tokenFor(QStringLiteral("mallory"), 60))));
    const auto disconnect = c->takeDisconnect(10000);
    QVERIFY(disconnect);
    QCOMPARE(hexCode(disconnect->reasonCode), hexCode(ReasonCode::NotAuthorized));
    QVERIFY2(disconnect->properties.bytes(Properties::ReasonString).contains("belongs to alice"),
             disconnect->properties.bytes(Properties::ReasonString).constData());
    QVERIFY(c->waitForClosed());
}

void TestTokenSession::reauthenticationWithBadTokenIsRefused()
{
    TestClient *c = client();
    QCOMPARE(hexCode(connectWith(c, "bad-reauth", std::nullopt, std::nullopt, Method, mintToken(m_issuer))
                         ->reasonCode),
             hexCode(ReasonCode::Success));
    c->send(reauthenticate(mintToken(m_issuer, tokenFor(QStringLiteral("alice"), -60))));
    const auto disconnect = c->takeDisconnect(10000);
    QVERIFY(disconnect);
    QCOMPARE(hexCode(disconnect->reasonCode), hexCode(ReasonCode::NotAuthorized));
    QVERIFY(disconnect->properties.bytes(Properties::ReasonString).contains("token expired at"));
}

void TestTokenSession::reauthenticationProtocolErrors()
{
    // AUTH without a method agreed at CONNECT.
    TestClient *plain = client();
    QCOMPARE(hexCode(connectWith(plain, "plain", mintToken(m_issuer), std::nullopt)->reasonCode),
             hexCode(ReasonCode::Success));
    plain->send(reauthenticate(mintToken(m_issuer)));
    QCOMPARE(hexCode(plain->takeDisconnect()->reasonCode), hexCode(ReasonCode::ProtocolError));

    // Another method than CONNECT's.
    TestClient *switching = client();
    QCOMPARE(hexCode(connectWith(switching, "switch", std::nullopt, std::nullopt, Method, mintToken(m_issuer))
                         ->reasonCode),
             hexCode(ReasonCode::Success));
    switching->send(reauthenticate(mintToken(m_issuer), "SCRAM-SHA-1"));
    // DISCONNECT has no 0x8C (spec table 3-10): a method switch is a protocol error.
    QCOMPARE(hexCode(switching->takeDisconnect()->reasonCode), hexCode(ReasonCode::ProtocolError));

    // AUTH 0x18 (continue) when the server asked nothing.
    TestClient *continuing = client();
    QCOMPARE(
        hexCode(connectWith(continuing, "continue", std::nullopt, std::nullopt, Method, mintToken(m_issuer))
                    ->reasonCode),
        hexCode(ReasonCode::Success));
    AuthPacket proceed = reauthenticate(mintToken(m_issuer));
    proceed.reasonCode = ReasonCode::ContinueAuthentication;
    continuing->send(proceed);
    QCOMPARE(hexCode(continuing->takeDisconnect()->reasonCode), hexCode(ReasonCode::ProtocolError));
}

QTEST_GUILESS_MAIN(TestTokenSession)
#include "tst_tokensession.moc"
