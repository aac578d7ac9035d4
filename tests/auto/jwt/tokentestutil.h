// Helpers of the token tests: tokens minted by the test issuer's /test/ endpoints (see
// tests/oidc/issuer.mjs), a bounded GET, a free loopback port.
#pragma once

#include "testissuer.h"

#include <QEventLoop>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTcpServer>
#include <QTimer>
#include <QUrlQuery>

namespace drover::test {

// POST /test/token (or another minting endpoint) with `form`: the access token, or empty.
inline QByteArray mintToken(const TestIssuer &issuer, const QUrlQuery &form = {},
                            const QString &endpoint = QStringLiteral("/test/token"))
{
    const TestIssuer::Reply reply =
        TestIssuer::post(issuer.url().resolved(QUrl(endpoint)), form.toString(QUrl::FullyEncoded).toUtf8());
    return QJsonDocument::fromJson(reply.body)
        .object()
        .value(QLatin1String("access_token"))
        .toString()
        .toUtf8();
}

inline QJsonObject getJson(const QUrl &url, int timeoutMs = 10000)
{
    QNetworkAccessManager nam;
    QNetworkRequest request(url);
    request.setTransferTimeout(timeoutMs);
    QNetworkReply *reply = nam.get(request);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(timeoutMs + 1000, &loop, &QEventLoop::quit);
    if (!reply->isFinished())
        loop.exec();
    const QJsonObject object = QJsonDocument::fromJson(reply->readAll()).object();
    delete reply;
    return object;
}

// How often the issuer served its key set (GET /test/stats).
inline int issuerKeyFetches(const TestIssuer &issuer)
{
    return getJson(issuer.url().resolved(QUrl(QStringLiteral("/test/stats"))))
        .value(QLatin1String("jwksFetches"))
        .toInt(-1);
}

inline quint16 freeLoopbackPort()
{
    QTcpServer server;
    server.listen(QHostAddress::LocalHost, 0);
    return server.serverPort();
}

} // namespace drover::test
