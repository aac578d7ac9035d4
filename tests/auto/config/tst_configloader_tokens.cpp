// ConfigLoader: the [[token-issuer]] section (OAuth2/OIDC issuers of access tokens).
#include "config/configloader.h"

#include <QTest>

using namespace drover::config;

class TestConfigLoaderTokens : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void noIssuerByDefault();
    void minimalIssuer();
    void everyKey();
    void audienceForms();
    void twoIssuers();
    void errors_data();
    void errors();
    void exampleFileHasAnIssuer();
};

void TestConfigLoaderTokens::noIssuerByDefault()
{
    QString error;
    const auto config = ConfigLoader::parse("", QStringLiteral("t.toml"), &error);
    QVERIFY2(config, qPrintable(error));
    QVERIFY(config->tokenIssuers.isEmpty());
}

void TestConfigLoaderTokens::minimalIssuer()
{
    QString error;
    const auto config = ConfigLoader::parse("[[token-issuer]]\n"
                                            "url = \"https://login.example.com/realms/iot\"\n"
                                            "audience = \"urn:drover:mqtt\"\n",
                                            QStringLiteral("t.toml"), &error);
    QVERIFY2(config, qPrintable(error));
    QCOMPARE(config->tokenIssuers.size(), 1);
    const TokenIssuerConfig &issuer = config->tokenIssuers.front();
    QCOMPARE(issuer.url, QStringLiteral("https://login.example.com/realms/iot"));
    QCOMPARE(issuer.audiences, QStringList{QStringLiteral("urn:drover:mqtt")});
    // Defaults.
    QVERIFY(!issuer.matchAzp);
    QVERIFY(issuer.usernameClaim.isEmpty());
    QCOMPARE(issuer.leewaySeconds, 30);
    QCOMPARE(issuer.keyRefetchIntervalSeconds, 30);
    QCOMPARE(issuer.allowedAlgorithms,
             (QStringList{QStringLiteral("RS256"), QStringLiteral("ES256"), QStringLiteral("PS256")}));
    QVERIFY(!issuer.introspection());
}

void TestConfigLoaderTokens::everyKey()
{
    QString error;
    const auto config = ConfigLoader::parse("[[token-issuer]]\n"
                                            "url = \"http://127.0.0.1:8080\"\n"
                                            "audience = [\"urn:drover:mqtt\", \"drover\"]\n"
                                            "match-azp = true\n"
                                            "username-claim = \"email\"\n"
                                            "leeway = \"2m\"\n"
                                            "key-refetch-interval = 10\n"
                                            "allowed-algorithms = [\"ES384\", \"RS512\"]\n"
                                            "[token-issuer.introspection]\n"
                                            "client-id = \"drover\"\n"
                                            "client-secret-file = \"/etc/drover/introspection-secret\"\n"
                                            "endpoint = \"http://localhost:8080/introspect\"\n",
                                            QStringLiteral("t.toml"), &error);
    QVERIFY2(config, qPrintable(error));
    const TokenIssuerConfig &issuer = config->tokenIssuers.front();
    QCOMPARE(issuer.url, QStringLiteral("http://127.0.0.1:8080"));
    QCOMPARE(issuer.audiences, (QStringList{QStringLiteral("urn:drover:mqtt"), QStringLiteral("drover")}));
    QVERIFY(issuer.matchAzp);
    QCOMPARE(issuer.usernameClaim, QStringLiteral("email"));
    QCOMPARE(issuer.leewaySeconds, 120);
    QCOMPARE(issuer.keyRefetchIntervalSeconds, 10);
    QCOMPARE(issuer.allowedAlgorithms, (QStringList{QStringLiteral("ES384"), QStringLiteral("RS512")}));
    QVERIFY(issuer.introspection());
    QCOMPARE(issuer.introspectionClientId, QStringLiteral("drover"));
    QCOMPARE(issuer.introspectionSecretFile, QStringLiteral("/etc/drover/introspection-secret"));
    QCOMPARE(issuer.introspectionEndpoint, QStringLiteral("http://localhost:8080/introspect"));
}

void TestConfigLoaderTokens::audienceForms()
{
    QString error;
    const auto config = ConfigLoader::parse(
        "token-issuer = [{ url = \"https://a.example\", audience = [\"x\", \"x\", \"y\"] }]\n",
        QStringLiteral("t.toml"), &error);
    QVERIFY2(config, qPrintable(error));
    QCOMPARE(config->tokenIssuers.front().audiences, (QStringList{QStringLiteral("x"), QStringLiteral("y")}));
}

void TestConfigLoaderTokens::twoIssuers()
{
    QString error;
    const auto config =
        ConfigLoader::parse("[[token-issuer]]\nurl = \"https://a.example\"\naudience = \"a\"\n"
                            "[[token-issuer]]\nurl = \"https://b.example/\"\naudience = \"b\"\n",
                            QStringLiteral("t.toml"), &error);
    QVERIFY2(config, qPrintable(error));
    QCOMPARE(config->tokenIssuers.size(), 2);
    // The URL is the issuer identifier as is: a trailing slash is part of it.
    QCOMPARE(config->tokenIssuers.at(1).url, QStringLiteral("https://b.example/"));
}

void TestConfigLoaderTokens::errors_data()
{
    QTest::addColumn<QByteArray>("toml");
    QTest::addColumn<QString>("prefix");
    QTest::addColumn<QString>("detail");
    const auto row = [](const char *name, const char *toml, const char *prefix, const char *detail) {
        QTest::newRow(name) << QByteArray(toml) << QString::fromUtf8(prefix) << QString::fromUtf8(detail);
    };
#define I "[[token-issuer]]\n"
#define A "audience = \"a\"\n"
    row("not an array", "[token-issuer]\nurl = \"https://a\"\n",
        "t.toml:1:1: token-issuer: ", "expected an array of tables ([[token-issuer]])");
    row("url missing", I A, "t.toml:1:1: token-issuer[0].url: ", "required key is missing");
    row("audience missing", I "url = \"https://a.example\"\n",
        "t.toml:1:1: token-issuer[0].audience: ", "required key is missing");
    row("plain http elsewhere", I "url = \"http://login.example.com\"\n" A,
        "t.toml:2:7: token-issuer[0].url: ", "expected an https:// URL (http:// only on a loopback address)");
    row("not a URL", I "url = \"login.example.com\"\n" A,
        "t.toml:2:7: token-issuer[0].url: ", "expected an absolute URL");
    row("query", I "url = \"https://a.example/?x=1\"\n" A,
        "t.toml:2:7: token-issuer[0].url: ", "without query, fragment or user info");
    row("same issuer twice", I "url = \"https://a.example\"\n" A I "url = \"https://a.example\"\n" A,
        "t.toml:5:7: token-issuer[1].url: ", "is already configured (line 2)");
    row("empty audience list", I "url = \"https://a.example\"\naudience = []\n",
        "t.toml:3:12: token-issuer[0].audience: ", "expected a string or a non-empty array of strings");
    row("empty audience", I "url = \"https://a.example\"\naudience = \"\"\n",
        "t.toml:3:12: token-issuer[0].audience: ", "must not be empty");
    row("leeway too long", I "url = \"https://a.example\"\n" A "leeway = \"10m\"\n",
        "t.toml:4:10: token-issuer[0].leeway: ", "from 0s to 5m");
    row("alg none", I "url = \"https://a.example\"\n" A "allowed-algorithms = [\"none\"]\n",
        "t.toml:4:23: token-issuer[0].allowed-algorithms[0]: ", "expected one of \"RS256\"");
    row("HMAC", I "url = \"https://a.example\"\n" A "allowed-algorithms = [\"RS256\", \"HS256\"]\n",
        "t.toml:4:32: token-issuer[0].allowed-algorithms[1]: ", "got \"HS256\"");
    row("no algorithms", I "url = \"https://a.example\"\n" A "allowed-algorithms = []\n",
        "t.toml:4:22: token-issuer[0].allowed-algorithms: ", "expected a non-empty array");
    row("unknown key", I "url = \"https://a.example\"\n" A "secret = \"x\"\n",
        "t.toml:4:1: token-issuer[0].secret: ", "unknown key; expected one of url, audience");
    row("introspection without secret file",
        I "url = \"https://a.example\"\n" A "introspection = { client-id = \"d\" }\n",
        "t.toml:4:17: token-issuer[0].introspection.client-secret-file: ", "required key is missing");
    row("introspection secret inline",
        I "url = \"https://a.example\"\n" A
          "introspection = { client-id = \"d\", client-secret = \"hunter2\" }\n",
        "t.toml:4:36: token-issuer[0].introspection.client-secret: ", "unknown key");
    row("relative secret file",
        I "url = \"https://a.example\"\n" A
          "introspection = { client-id = \"d\", client-secret-file = \"secret\" }\n",
        "t.toml:4:57: token-issuer[0].introspection.client-secret-file: ", "expected an absolute path");
    row("two introspecting issuers",
        I "url = \"https://a.example\"\n" A
          "introspection = { client-id = \"d\", client-secret-file = \"/s\" }\n" I
          "url = \"https://b.example\"\n" A
          "introspection = { client-id = \"d\", client-secret-file = \"/s\" }\n",
        "t.toml:8:17: token-issuer[1].introspection: ", "only one issuer may introspect");
#undef I
#undef A
}

void TestConfigLoaderTokens::errors()
{
    QFETCH(QByteArray, toml);
    QFETCH(QString, prefix);
    QFETCH(QString, detail);
    QString error;
    const auto config = ConfigLoader::parse(toml, QStringLiteral("t.toml"), &error);
    QVERIFY2(!config, "a bad document was accepted");
    QCOMPARE(error.left(prefix.size()), prefix);
    QVERIFY2(error.mid(prefix.size()).contains(detail), qPrintable(error));
    QVERIFY(!error.contains(QLatin1String("hunter2")));
}

void TestConfigLoaderTokens::exampleFileHasAnIssuer()
{
    QString error;
    const auto config =
        ConfigLoader::loadFile(QStringLiteral(DROVER_SOURCE_DIR "/resources/examples/drover.toml"), &error);
    QVERIFY2(config, qPrintable(error));
    QCOMPARE(config->tokenIssuers.size(), 1);
    QVERIFY(config->tokenIssuers.front().url.startsWith(QLatin1String("https://")));
}

QTEST_GUILESS_MAIN(TestConfigLoaderTokens)
#include "tst_configloader_tokens.moc"
