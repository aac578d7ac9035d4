// JwtVerifier against a real OpenID Connect issuer on loopback (npm oidc-provider,
// tests/oidc/issuer.mjs): tokens it issued or minted for the test (/test/token signs with
// its published keys, or deliberately with others) are accepted or refused for the right
// reason, keys are fetched by discovery, refetched once for an unknown kid (rate-limited),
// and no verdict ever quotes the token.
#include "tokentestutil.h"

#include "auth/jwssignature.h"
#include "auth/jwttoken.h"
#include "auth/jwtverifier.h"
#include "auth/oidcissuer.h"

#include <QDeadlineTimer>
#include <QJsonArray>
#include <QLoggingCategory>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace drover;
using drover::auth::AuthVerdict;
using drover::auth::JwtVerifier;
using drover::test::mintToken;

namespace {

const QString Audience = QStringLiteral("urn:drover:mqtt");

QUrlQuery form(std::initializer_list<std::pair<QString, QString>> fields)
{
    QUrlQuery query;
    for (const auto &[key, value] : fields)
        query.addQueryItem(key, value);
    return query;
}

QString statusName(AuthVerdict::Status status)
{
    switch (status) {
    case AuthVerdict::Status::Accepted:
        return QStringLiteral("Accepted");
    case AuthVerdict::Status::BadCredentials:
        return QStringLiteral("BadCredentials");
    case AuthVerdict::Status::NotAuthorized:
        return QStringLiteral("NotAuthorized");
    case AuthVerdict::Status::Unavailable:
        return QStringLiteral("Unavailable");
    }
    return {};
}

// The verdict, waiting (event loop running) up to timeoutMs.
std::optional<AuthVerdict> verdictOf(JwtVerifier &verifier, const QByteArray &token, int timeoutMs = 20000)
{
    std::optional<AuthVerdict> result;
    QObject context;
    verifier.verify(token, &context, [&](const AuthVerdict &verdict) { result = verdict; });
    QDeadlineTimer deadline(timeoutMs);
    while (!result && !deadline.hasExpired())
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
    return result;
}

} // namespace

class TestJwtVerifier : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();

    void acceptsIssuedTokensAfterDiscovery();
    void acceptsEachAllowedAlgorithm_data();
    void acceptsEachAllowedAlgorithm();
    void acceptsClientCredentialsTokenOfOidcProvider();
    void usernameClaim();
    void refusals_data();
    void refusals();
    void algorithmNotAllowedForIssuer();
    void audienceMayBeAuthorizedParty();
    void unknownKeyRefetchesOnceThenRefuses();
    void keyRotationIsPickedUpByRefetch();
    void refetchesAreRateLimited();
    void tokenOfAnotherIssuerInstance();
    void discoveryOfImpostorIsRefused();
    void issuerDownAtStartupThenUp();
    void opaqueTokensByIntrospection();
    void destroyedContextGetsNoAnswer();
    void libjoseSpeaksThroughTheLog();

private:
    config::TokenIssuerConfig issuerConfig(const QString &url = {}) const;
    std::unique_ptr<JwtVerifier> startedVerifier(const config::TokenIssuerConfig &config) const;

    TestIssuer m_issuer;
    std::unique_ptr<JwtVerifier> m_verifier; // one for most tests, keys fetched once
};

config::TokenIssuerConfig TestJwtVerifier::issuerConfig(const QString &url) const
{
    config::TokenIssuerConfig config;
    config.url = url.isEmpty() ? m_issuer.url().toString() : url;
    config.audiences = {Audience};
    config.keyRefetchIntervalSeconds = 1;
    return config;
}

std::unique_ptr<JwtVerifier> TestJwtVerifier::startedVerifier(const config::TokenIssuerConfig &config) const
{
    auto verifier = std::make_unique<JwtVerifier>(QList<config::TokenIssuerConfig>{config});
    verifier->start();
    return verifier;
}

void TestJwtVerifier::initTestCase()
{
    if (const QString reason = TestIssuer::unavailableReason(); !reason.isEmpty())
        QSKIP(qPrintable(reason));
    QString error;
    QVERIFY2(m_issuer.start(300, &error), qPrintable(error));
    // The issuer's URL has no trailing slash: that is its identifier, and what iss says.
    QVERIFY(!m_issuer.url().toString().endsWith(QLatin1Char('/')));
    m_verifier = startedVerifier(issuerConfig());
}

void TestJwtVerifier::cleanupTestCase()
{
    m_verifier.reset();
    m_issuer.stop();
}

void TestJwtVerifier::acceptsIssuedTokensAfterDiscovery()
{
    // A fresh verifier: the token arrives while discovery and keys are still being fetched,
    // and waits for them instead of failing.
    auto verifier = startedVerifier(issuerConfig());
    QVERIFY(!verifier->issuer(m_issuer.url().toString())->hasKeys());
    const QByteArray token = mintToken(m_issuer, form({{QStringLiteral("ttl"), QStringLiteral("120")}}));
    QVERIFY(!token.isEmpty());
    const auto verdict = verdictOf(*verifier, token);
    QVERIFY(verdict);
    QCOMPARE(statusName(verdict->status), QStringLiteral("Accepted"));
    QCOMPARE(verdict->identity.user, QStringLiteral("alice"));
    QVERIFY(!verdict->identity.anonymous);
    const QJsonObject claims = m_issuer.verifyAccessToken(token);
    QCOMPARE(claims.value(QLatin1String("active")).toBool(), true);
    QCOMPARE(verdict->identity.expires.toSecsSinceEpoch(),
             qint64(claims.value(QLatin1String("exp")).toDouble()));
    QCOMPARE(verifier->issuer(m_issuer.url().toString())->keyFetches(), 1);
}

void TestJwtVerifier::acceptsEachAllowedAlgorithm_data()
{
    QTest::addColumn<QString>("alg");
    QTest::newRow("RS256") << QStringLiteral("RS256");
    QTest::newRow("PS256") << QStringLiteral("PS256");
    QTest::newRow("ES256") << QStringLiteral("ES256");
}

void TestJwtVerifier::acceptsEachAllowedAlgorithm()
{
    QFETCH(QString, alg);
    const QByteArray token = mintToken(
        m_issuer, form({{QStringLiteral("alg"), alg}, {QStringLiteral("sub"), QStringLiteral("bob")}}));
    const auto verdict = verdictOf(*m_verifier, token);
    QVERIFY(verdict);
    QVERIFY2(verdict->status == AuthVerdict::Status::Accepted, qPrintable(verdict->message));
    QCOMPARE(verdict->identity.user, QStringLiteral("bob"));
}

void TestJwtVerifier::acceptsClientCredentialsTokenOfOidcProvider()
{
    // Issued by oidc-provider itself (client_credentials grant for the gateway's resource):
    // the token format a real deployment sees; its subject is the client.
    QNetworkAccessManager nam;
    QNetworkRequest request(m_issuer.url().resolved(QUrl(QStringLiteral("/token"))));
    request.setHeader(QNetworkRequest::ContentTypeHeader,
                      QByteArrayLiteral("application/x-www-form-urlencoded"));
    request.setRawHeader("Authorization",
                         "Basic " + QByteArray("drover-service:drover-service-secret").toBase64());
    QNetworkReply *reply = nam.post(request, "grant_type=client_credentials&scope=mqtt&resource=" +
                                                 QUrl::toPercentEncoding(Audience));
    QSignalSpy finished(reply, &QNetworkReply::finished);
    QVERIFY(finished.wait(10000));
    const QByteArray token = QJsonDocument::fromJson(reply->readAll())
                                 .object()
                                 .value(QLatin1String("access_token"))
                                 .toString()
                                 .toUtf8();
    delete reply;
    QCOMPARE(token.count('.'), 2);
    const auto verdict = verdictOf(*m_verifier, token);
    QVERIFY(verdict);
    QVERIFY2(verdict->status == AuthVerdict::Status::Accepted, qPrintable(verdict->message));
    QCOMPARE(verdict->identity.user, QStringLiteral("drover-service"));
    QVERIFY(verdict->identity.expires > QDateTime::currentDateTimeUtc());
}

void TestJwtVerifier::usernameClaim()
{
    // Default: preferred_username, else sub.
    const QByteArray both =
        mintToken(m_issuer, form({{QStringLiteral("sub"), QStringLiteral("u-123")},
                                  {QStringLiteral("username"), QStringLiteral("carol")}}));
    const QByteArray subOnly = mintToken(m_issuer, form({{QStringLiteral("sub"), QStringLiteral("u-456")},
                                                         {QStringLiteral("username"), QStringLiteral("-")}}));
    QCOMPARE(verdictOf(*m_verifier, both)->identity.user, QStringLiteral("carol"));
    QCOMPARE(verdictOf(*m_verifier, subOnly)->identity.user, QStringLiteral("u-456"));

    // Configured: that claim only.
    config::TokenIssuerConfig config = issuerConfig();
    config.usernameClaim = QStringLiteral("sub");
    auto bySub = startedVerifier(config);
    QCOMPARE(verdictOf(*bySub, both)->identity.user, QStringLiteral("u-123"));
    config.usernameClaim = QStringLiteral("email");
    auto byEmail = startedVerifier(config);
    const auto refused = verdictOf(*byEmail, both);
    QCOMPARE(statusName(refused->status), QStringLiteral("BadCredentials"));
    QVERIFY2(refused->message.contains(QLatin1String("names no user (claim email)")),
             qPrintable(refused->message));
}

void TestJwtVerifier::refusals_data()
{
    QTest::addColumn<QUrlQuery>("mint");
    QTest::addColumn<QString>("change"); // what the test does to the minted token
    QTest::addColumn<QString>("reason"); // in the refusal's message

    const auto f = [](std::initializer_list<std::pair<QString, QString>> fields) { return form(fields); };
    QTest::newRow("expired") << f({{QStringLiteral("ttl"), QStringLiteral("-120")}}) << QString()
                             << QStringLiteral("token expired at ");
    QTest::newRow("not yet valid") << f({{QStringLiteral("nbf"), QStringLiteral("300")}}) << QString()
                                   << QStringLiteral("token not valid before ");
    QTest::newRow("issued in the future") << f({{QStringLiteral("iat"), QStringLiteral("300")}}) << QString()
                                          << QStringLiteral("token issued in the future");
    QTest::newRow("wrong issuer") << f({{QStringLiteral("iss"), QStringLiteral("https://login.example.com")}})
                                  << QString()
                                  << QStringLiteral(
                                         "token from an unknown issuer \"https://login.example.com\"");
    QTest::newRow("wrong audience") << f({{QStringLiteral("aud"), QStringLiteral("urn:someone:else")}})
                                    << QString()
                                    << QStringLiteral(
                                           "token not for this gateway (audience \"urn:someone:else\"");
    QTest::newRow("no audience") << f({{QStringLiteral("aud"), QStringLiteral("-")}}) << QString()
                                 << QStringLiteral("token not for this gateway (audience none");
    QTest::newRow("bad signature") << QUrlQuery() << QStringLiteral("flip signature")
                                   << QStringLiteral("bad signature (kid ");
    QTest::newRow("changed claims") << QUrlQuery() << QStringLiteral("swap payload")
                                    << QStringLiteral("bad signature (kid ");
    QTest::newRow("signed by a stranger's key under the issuer's kid")
        << f({{QStringLiteral("key"), QStringLiteral("rogue")},
              {QStringLiteral("kid"), QStringLiteral("main")}})
        << QString() << QStringLiteral("bad signature (kid ");
    QTest::newRow("alg none") << f({{QStringLiteral("alg"), QStringLiteral("none")}}) << QString()
                              << QStringLiteral("unsigned token (alg none)");
    QTest::newRow("HS256 keyed with the issuer's public key")
        << f({{QStringLiteral("alg"), QStringLiteral("HS256")}}) << QString()
        << QStringLiteral("HMAC-signed token (alg HS256)");
    QTest::newRow("truncated signature")
        << QUrlQuery() << QStringLiteral("truncate 20") << QStringLiteral("bad signature");
    QTest::newRow("truncated to two parts")
        << QUrlQuery() << QStringLiteral("two parts") << QStringLiteral("not a JWT");
    QTest::newRow("truncated payload")
        << QUrlQuery() << QStringLiteral("cut payload") << QStringLiteral("malformed token");
    QTest::newRow("encrypted (five parts)") << QUrlQuery() << QStringLiteral("five parts")
                                            << QStringLiteral("encrypted tokens (JWE) are not supported");
    QTest::newRow("oversized") << f({{QStringLiteral("pad"), QStringLiteral("20000")}}) << QString()
                               << QStringLiteral("token too large (");
    QTest::newRow("garbage") << QUrlQuery() << QStringLiteral("garbage") << QStringLiteral("not a JWT");
}

void TestJwtVerifier::refusals()
{
    QFETCH(QUrlQuery, mint);
    QFETCH(QString, change);
    QFETCH(QString, reason);

    QUrlQuery request = mint;
    if (request.queryItemValue(QStringLiteral("kid")) == QLatin1String("main")) {
        // The kid of the issuer's real key, read from a token it signed.
        const QByteArray genuine = mintToken(m_issuer);
        const auto header = QJsonDocument::fromJson(
            QByteArray::fromBase64(genuine.split('.')[0], QByteArray::Base64UrlEncoding));
        request.removeQueryItem(QStringLiteral("kid"));
        request.addQueryItem(QStringLiteral("kid"), header.object().value(QLatin1String("kid")).toString());
    }
    QByteArray token = mintToken(m_issuer, request);
    QVERIFY(!token.isEmpty());
    QList<QByteArray> parts = token.split('.');
    if (change == QLatin1String("flip signature")) {
        QByteArray &signature = parts[2];
        signature[10] = signature[10] == 'A' ? 'B' : 'A';
        token = parts.join('.');
    } else if (change == QLatin1String("swap payload")) {
        // alice's signature on bob's claims
        parts[1] = mintToken(m_issuer, form({{QStringLiteral("sub"), QStringLiteral("bob")}})).split('.')[1];
        token = parts.join('.');
    } else if (change == QLatin1String("truncate 20")) {
        token.chop(20);
    } else if (change == QLatin1String("two parts")) {
        token = parts[0] + '.' + parts[1];
    } else if (change == QLatin1String("cut payload")) {
        token = parts[0] + '.' + parts[1].left(parts[1].size() / 2) + '.' + parts[2];
    } else if (change == QLatin1String("five parts")) {
        token = parts.join('.') + ".e30.e30";
    } else if (change == QLatin1String("garbage")) {
        token = "not-a-token-at-all";
    }
    const auto verdict = verdictOf(*m_verifier, token);
    QVERIFY(verdict);
    QCOMPARE(statusName(verdict->status), QStringLiteral("BadCredentials"));
    QVERIFY2(verdict->message.contains(reason), qPrintable(verdict->message));
    // Never the token, nor any part of it that could be replayed.
    QVERIFY(!verdict->message.toUtf8().contains(token));
    for (const QByteArray &part : token.split('.')) {
        if (part.size() >= 8)
            QVERIFY2(!verdict->message.toUtf8().contains(part), qPrintable(verdict->message));
    }
}

void TestJwtVerifier::algorithmNotAllowedForIssuer()
{
    config::TokenIssuerConfig config = issuerConfig();
    config.allowedAlgorithms = {QStringLiteral("RS256")};
    auto verifier = startedVerifier(config);
    const auto es =
        verdictOf(*verifier, mintToken(m_issuer, form({{QStringLiteral("alg"), QStringLiteral("ES256")}})));
    QCOMPARE(statusName(es->status), QStringLiteral("BadCredentials"));
    QVERIFY2(es->message.contains(QLatin1String("signing algorithm \"ES256\" is not allowed")),
             qPrintable(es->message));
    const auto rs = verdictOf(*verifier, mintToken(m_issuer));
    QCOMPARE(statusName(rs->status), QStringLiteral("Accepted"));
}

void TestJwtVerifier::audienceMayBeAuthorizedParty()
{
    const QByteArray token =
        mintToken(m_issuer, form({{QStringLiteral("aud"), QStringLiteral("account,urn:other")},
                                  {QStringLiteral("azp"), Audience}}));
    QCOMPARE(statusName(verdictOf(*m_verifier, token)->status), QStringLiteral("BadCredentials"));
    config::TokenIssuerConfig config = issuerConfig();
    config.matchAzp = true;
    auto verifier = startedVerifier(config);
    QCOMPARE(statusName(verdictOf(*verifier, token)->status), QStringLiteral("Accepted"));
    // An array of audiences that contains ours is fine without azp.
    const QByteArray several =
        mintToken(m_issuer, form({{QStringLiteral("aud"), QStringLiteral("account,") + Audience}}));
    QCOMPARE(statusName(verdictOf(*m_verifier, several)->status), QStringLiteral("Accepted"));
}

void TestJwtVerifier::unknownKeyRefetchesOnceThenRefuses()
{
    auto verifier = startedVerifier(issuerConfig());
    auth::OidcIssuer *keys = verifier->issuer(m_issuer.url().toString());
    QVERIFY(verdictOf(*verifier, mintToken(m_issuer))->status == AuthVerdict::Status::Accepted);
    QCOMPARE(keys->keyFetches(), 1);
    QTest::qWait(1100); // past the refetch interval (1 s here)
    const QByteArray rogue = mintToken(m_issuer, form({{QStringLiteral("key"), QStringLiteral("rogue")}}));
    const auto verdict = verdictOf(*verifier, rogue);
    QCOMPARE(statusName(verdict->status), QStringLiteral("BadCredentials"));
    QVERIFY2(verdict->message.contains(QLatin1String("unknown signing key (kid \"")),
             qPrintable(verdict->message));
    QCOMPARE(keys->keyFetches(), 2); // exactly one refetch
}

void TestJwtVerifier::keyRotationIsPickedUpByRefetch()
{
    auto verifier = startedVerifier(issuerConfig());
    auth::OidcIssuer *keys = verifier->issuer(m_issuer.url().toString());
    const QByteArray next = mintToken(m_issuer, form({{QStringLiteral("key"), QStringLiteral("next")}}));
    // Not published yet: refused, like any unknown key.
    QCOMPARE(statusName(verdictOf(*verifier, next)->status), QStringLiteral("BadCredentials"));
    QVERIFY(TestIssuer::post(m_issuer.url().resolved(QUrl(QStringLiteral("/test/publish-next-key"))), {})
                .status == 200);
    QTest::qWait(1100);
    const int before = keys->keyFetches();
    const auto verdict = verdictOf(*verifier, next);
    QVERIFY2(verdict->status == AuthVerdict::Status::Accepted, qPrintable(verdict->message));
    QCOMPARE(keys->keyFetches(), before + 1);
    // Now cached: no further fetch.
    QCOMPARE(statusName(verdictOf(*verifier, next)->status), QStringLiteral("Accepted"));
    QCOMPARE(keys->keyFetches(), before + 1);
}

void TestJwtVerifier::refetchesAreRateLimited()
{
    config::TokenIssuerConfig config = issuerConfig();
    config.keyRefetchIntervalSeconds = 30;
    auto verifier = startedVerifier(config);
    auth::OidcIssuer *keys = verifier->issuer(m_issuer.url().toString());
    QCOMPARE(statusName(verdictOf(*verifier, mintToken(m_issuer))->status), QStringLiteral("Accepted"));
    const int issuerFetchesBefore = test::issuerKeyFetches(m_issuer);
    // A burst of tokens with made-up key ids: no refetch within the interval.
    for (int i = 0; i < 5; ++i) {
        const QByteArray forged =
            mintToken(m_issuer, form({{QStringLiteral("key"), QStringLiteral("rogue")},
                                      {QStringLiteral("kid"), QStringLiteral("made-up-%1").arg(i)}}));
        const auto verdict = verdictOf(*verifier, forged);
        QCOMPARE(statusName(verdict->status), QStringLiteral("BadCredentials"));
        QVERIFY2(verdict->message.contains(QLatin1String("unknown signing key")),
                 qPrintable(verdict->message));
    }
    QCOMPARE(keys->keyFetches(), 1);
    QCOMPARE(test::issuerKeyFetches(m_issuer), issuerFetchesBefore);
}

void TestJwtVerifier::tokenOfAnotherIssuerInstance()
{
    // Another oidc-provider: same software, other URL and keys. Its token names its own
    // issuer, which this gateway does not trust.
    TestIssuer other;
    QString error;
    QVERIFY2(other.start(300, &error), qPrintable(error));
    const auto verdict = verdictOf(*m_verifier, mintToken(other));
    QCOMPARE(statusName(verdict->status), QStringLiteral("BadCredentials"));
    QVERIFY2(verdict->message.contains(QLatin1String("token from an unknown issuer")),
             qPrintable(verdict->message));
    // And with our issuer's name in iss, its keys are not our issuer's: unknown key.
    const QByteArray posing = mintToken(other, form({{QStringLiteral("iss"), m_issuer.url().toString()}}));
    const auto posed = verdictOf(*m_verifier, posing);
    QCOMPARE(statusName(posed->status), QStringLiteral("BadCredentials"));
    QVERIFY2(posed->message.contains(QLatin1String("unknown signing key")), qPrintable(posed->message));
}

void TestJwtVerifier::discoveryOfImpostorIsRefused()
{
    // A discovery document (the issuer's, served under another URL) whose "issuer" is not
    // the URL configured: its keys are never used.
    const QString impostor = m_issuer.url().toString() + QStringLiteral("/test/impostor");
    auto verifier = startedVerifier(issuerConfig(impostor));
    const QByteArray token = mintToken(m_issuer, form({{QStringLiteral("iss"), impostor}}));
    const auto verdict = verdictOf(*verifier, token);
    QCOMPARE(statusName(verdict->status), QStringLiteral("Unavailable"));
    QVERIFY2(verdict->message.contains(QLatin1String("discovery document names issuer")),
             qPrintable(verdict->message));
}

void TestJwtVerifier::issuerDownAtStartupThenUp()
{
    const quint16 port = test::freeLoopbackPort();
    const QString url = QStringLiteral("http://127.0.0.1:%1").arg(port);
    auto verifier = startedVerifier(issuerConfig(url));
    // Any token naming that issuer: its keys can't be had.
    const QByteArray early = mintToken(m_issuer, form({{QStringLiteral("iss"), url}}));
    const auto down = verdictOf(*verifier, early);
    QCOMPARE(statusName(down->status), QStringLiteral("Unavailable"));
    QVERIFY2(down->message.contains(QLatin1String("unavailable")), qPrintable(down->message));

    TestIssuer late;
    QString error;
    QVERIFY2(late.start(300, &error, port), qPrintable(error));
    QCOMPARE(late.url().toString(), url);
    // The verifier retries on its own (backoff from 1 s) and a CONNECT retries too.
    QSignalSpy fetched(verifier->issuer(url), &auth::OidcIssuer::keysFetched);
    QTRY_VERIFY_WITH_TIMEOUT(verifier->issuer(url)->hasKeys() || !fetched.isEmpty(), 15000);
    const auto up = verdictOf(*verifier, mintToken(late));
    QVERIFY(up);
    QVERIFY2(up->status == AuthVerdict::Status::Accepted, qPrintable(up->message));
}

void TestJwtVerifier::opaqueTokensByIntrospection()
{
    const QByteArray opaque = mintToken(m_issuer, form({{QStringLiteral("sub"), QStringLiteral("dave")}}),
                                        QStringLiteral("/test/opaque-token"));
    QVERIFY(!opaque.isEmpty());
    QVERIFY(!opaque.contains('.'));
    // Without introspection an opaque token means nothing here.
    const auto refused = verdictOf(*m_verifier, opaque);
    QCOMPARE(statusName(refused->status), QStringLiteral("BadCredentials"));
    QVERIFY2(refused->message.contains(QLatin1String("not a JWT")), qPrintable(refused->message));

    QTemporaryDir dir;
    const QString secretFile = dir.filePath(QStringLiteral("secret"));
    QFile file(secretFile);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("drover-service-secret\n");
    file.close();
    config::TokenIssuerConfig config = issuerConfig();
    config.introspectionClientId = QStringLiteral("drover-service");
    config.introspectionSecretFile = secretFile;
    auto verifier = startedVerifier(config);
    QVERIFY(verifier->configurationError().isEmpty());
    const auto accepted = verdictOf(*verifier, opaque);
    QVERIFY2(accepted->status == AuthVerdict::Status::Accepted, qPrintable(accepted->message));
    QCOMPARE(accepted->identity.user, QStringLiteral("dave"));
    QVERIFY(accepted->identity.expires > QDateTime::currentDateTimeUtc());
    // JWTs still go the local way.
    QCOMPARE(statusName(verdictOf(*verifier, mintToken(m_issuer))->status), QStringLiteral("Accepted"));

    const auto unknown = verdictOf(*verifier, "an-opaque-token-nobody-issued");
    QCOMPARE(statusName(unknown->status), QStringLiteral("BadCredentials"));
    QVERIFY2(unknown->message.contains(QLatin1String("not active")), qPrintable(unknown->message));

    // A wrong client secret: the issuer refuses us, which is our problem, not the client's.
    file.open(QIODevice::WriteOnly | QIODevice::Truncate);
    file.write("wrong");
    file.close();
    auto misconfigured = startedVerifier(config);
    const auto unavailable = verdictOf(*misconfigured, opaque);
    QCOMPARE(statusName(unavailable->status), QStringLiteral("Unavailable"));
    QVERIFY(!unavailable->message.contains(QLatin1String("wrong")));

    config.introspectionSecretFile = dir.filePath(QStringLiteral("missing"));
    JwtVerifier unreadable({config});
    QVERIFY(unreadable.configurationError().contains(
        QLatin1String("cannot read the introspection client secret")));
}

void TestJwtVerifier::destroyedContextGetsNoAnswer()
{
    // Minted first: minting runs an event loop, in which the keys would be fetched already.
    const QByteArray token = mintToken(m_issuer);
    auto verifier = std::make_unique<JwtVerifier>(QList<config::TokenIssuerConfig>{issuerConfig()});
    QSignalSpy fetched(verifier->issuer(m_issuer.url().toString()), &auth::OidcIssuer::keysFetched);
    QVERIFY(fetched.isValid());
    verifier->start();
    bool called = false;
    {
        QObject context;
        verifier->verify(token, &context, [&](const AuthVerdict &) { called = true; });
    } // gone while the keys are being fetched
    QCOMPARE(fetched.count(), 0);
    QVERIFY(fetched.wait(10000));
    QTest::qWait(50);
    QVERIFY(!called);
}

namespace {
QStringList g_joseMessages;
QtMessageHandler g_previousHandler = nullptr;
void captureJose(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    if (context.category && QByteArray(context.category) == "drover.auth.jose")
        g_joseMessages.append(message);
    else if (g_previousHandler)
        g_previousHandler(type, context, message);
}
} // namespace

void TestJwtVerifier::libjoseSpeaksThroughTheLog()
{
    // libjose reports why a check failed; left alone it prints to stderr, past droverd's log
    // format and levels. Here its reason must arrive in our log category instead.
    const QByteArray compact = mintToken(m_issuer, form({{QStringLiteral("ttl"), QStringLiteral("120")}}));
    QString error;
    const std::optional<auth::JwtToken> token = auth::JwtToken::parse(compact, &error);
    QVERIFY2(token, qPrintable(error));
    QTRY_VERIFY_WITH_TIMEOUT(m_verifier->issuer(m_issuer.url().toString())->hasKeys(), 10000);
    const std::optional<QJsonObject> key =
        m_verifier->issuer(m_issuer.url().toString())->keys().find(token->keyId());
    QVERIFY(key);
    QLoggingCategory::setFilterRules(QStringLiteral("drover.auth.jose.debug=true"));
    g_joseMessages.clear();
    g_previousHandler = qInstallMessageHandler(captureJose);
    // RS384 with the RS256 token's key: libjose refuses (the algorithm pinned into the key
    // is not the token's) and says why.
    const bool verified = auth::JwsSignature::verify(*token, *key, QStringLiteral("RS384"));
    qInstallMessageHandler(g_previousHandler);
    QVERIFY(!verified);
    QVERIFY2(!g_joseMessages.isEmpty(), "libjose's reason did not reach drover.auth.jose");
    QVERIFY2(g_joseMessages.constFirst().contains(QLatin1String("libjose: ")),
             qPrintable(g_joseMessages.constFirst()));
    for (const QString &message : std::as_const(g_joseMessages))
        QVERIFY(!message.toUtf8().contains(token->signaturePart()));
    // The same token with its own algorithm verifies.
    QVERIFY(auth::JwsSignature::verify(*token, *key, QStringLiteral("RS256")));
}

QTEST_GUILESS_MAIN(TestJwtVerifier)
#include "tst_jwtverifier.moc"
