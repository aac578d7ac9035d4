// The real OpenID Connect issuer of the login tests (tests/oidc/issuer.mjs, npm oidc-provider)
// as a child process on a free loopback port, plus the test-only endpoints it offers.
#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QProcess>
#include <QUrl>
#include <memory>

class TestIssuer
{
public:
    TestIssuer();
    ~TestIssuer();

    // Why the issuer can't run here (node or its npm packages missing), or empty.
    static QString unavailableReason();

    // Starts it with ACCESS_TOKEN_TTL=accessTokenTtl, on `port` (0: a free one); false with
    // *error when it didn't come up.
    bool start(int accessTokenTtl, QString *error, quint16 port = 0);
    void stop();
    bool isRunning() const;

    QUrl url() const { return m_url; }
    QString clientId() const { return QStringLiteral("drover-console"); }
    QString resource() const { return QStringLiteral("urn:drover:mqtt"); }
    QByteArray standardError() const;

    // POST /test/revoke-all: every grant and refresh token is gone.
    bool revokeAll();
    // POST /test/verify-access-token: what the gateway will check of a JWT access token.
    QJsonObject verifyAccessToken(const QByteArray &token);

    struct Reply {
        int status = 0;
        QByteArray body;
    };
    // A bounded, blocking (event loop running) HTTP request, for test steps.
    static Reply post(const QUrl &url, const QByteArray &form, int timeoutMs = 10000);

private:
    std::unique_ptr<QProcess> m_process;
    QUrl m_url;
    QByteArray m_stderr;
};
