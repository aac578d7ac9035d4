#include "tokenintrospector.h"

#include "oidcissuer.h"

#include <QFile>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>

namespace drover::auth {

TokenIntrospector::TokenIntrospector(OidcIssuer *issuer, const QUrl &endpoint, const QString &clientId,
                                     const QString &secretFile, QNetworkAccessManager *network,
                                     QObject *parent)
    : QObject(parent)
    , m_issuer(issuer)
    , m_endpoint(endpoint)
    , m_clientId(clientId)
    , m_network(network)
{
    QFile file(secretFile);
    if (!file.open(QIODevice::ReadOnly)) {
        m_configurationError = QStringLiteral("cannot read the introspection client secret from %1: %2")
                                   .arg(secretFile, file.errorString());
        return;
    }
    const QByteArray secret = file.read(4096).trimmed();
    if (secret.isEmpty()) {
        m_configurationError =
            QStringLiteral("the introspection client secret file %1 is empty").arg(secretFile);
        return;
    }
    // RFC 6749 2.3.1: both parts form-urlencoded before they are joined.
    const QByteArray credentials =
        QUrl::toPercentEncoding(clientId) + ':' + QUrl::toPercentEncoding(QString::fromUtf8(secret));
    m_authorization = "Basic " + credentials.toBase64();
}

void TokenIntrospector::introspect(const QByteArray &token, QObject *context, Done done)
{
    if (!m_configurationError.isEmpty())
        return done({}, m_configurationError);
    if (!m_endpoint.isEmpty())
        return post(m_endpoint, token, context, std::move(done));
    // The endpoint comes from discovery, which the issuer may still be fetching.
    QPointer<QObject> guard(context);
    m_issuer->requestKeys(
        false, context, [this, token, guard, hasContext = context != nullptr, done](const QString &error) {
            if (hasContext && !guard)
                return;
            const QUrl endpoint = m_issuer->introspectionEndpoint();
            if (endpoint.isEmpty())
                return done({}, error.isEmpty() ? QStringLiteral("token issuer %1 offers no introspection "
                                                                 "endpoint")
                                                      .arg(m_issuer->url())
                                                : error);
            post(endpoint, token, guard, done);
        });
}

void TokenIntrospector::post(const QUrl &endpoint, const QByteArray &token, QObject *context, Done done)
{
    QNetworkRequest request(endpoint);
    request.setTransferTimeout(OidcIssuer::RequestTimeoutMs);
    request.setHeader(QNetworkRequest::ContentTypeHeader,
                      QByteArrayLiteral("application/x-www-form-urlencoded"));
    request.setRawHeader("Accept", "application/json");
    request.setRawHeader("Authorization", m_authorization);
    const QByteArray form =
        "token=" + QUrl::toPercentEncoding(QString::fromLatin1(token)) + "&token_type_hint=access_token";
    QNetworkReply *reply = m_network->post(request, form);
    QPointer<QObject> guard(context);
    const bool hasContext = context != nullptr;
    connect(reply, &QNetworkReply::downloadProgress, reply, [reply](qint64 received, qint64) {
        if (received > OidcIssuer::MaxDocumentBytes)
            reply->abort();
    });
    connect(reply, &QNetworkReply::finished, this, [reply, guard, hasContext, done, endpoint] {
        reply->deleteLater();
        if (hasContext && !guard)
            return;
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (status == 0)
            return done({}, QStringLiteral("introspection at %1 failed: %2")
                                .arg(endpoint.toString(), reply->errorString()));
        if (status != 200)
            return done({},
                        QStringLiteral("introspection at %1 answered HTTP status %2 (is the client id and "
                                       "secret right?)")
                            .arg(endpoint.toString())
                            .arg(status));
        const QJsonDocument document = QJsonDocument::fromJson(reply->read(OidcIssuer::MaxDocumentBytes));
        if (!document.isObject())
            return done(
                {}, QStringLiteral("introspection at %1 answered no JSON object").arg(endpoint.toString()));
        done(document.object(), {});
    });
}

} // namespace drover::auth
