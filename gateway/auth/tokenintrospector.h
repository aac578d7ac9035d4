// Asks an issuer what an opaque access token is (OAuth 2.0 Token Introspection, RFC 7662):
// POST token=... to its introspection endpoint, authenticated as a confidential client
// (client_secret_basic). The secret is read from a file at construction and never logged.
#pragma once

#include <QJsonObject>
#include <QObject>
#include <QPointer>
#include <QUrl>
#include <functional>

class QNetworkAccessManager;

namespace drover::auth {

class OidcIssuer;

class TokenIntrospector : public QObject
{
    Q_OBJECT
public:
    // `issuer` gives the endpoint when `endpoint` is empty; neither it nor `network` is owned.
    TokenIntrospector(OidcIssuer *issuer, const QUrl &endpoint, const QString &clientId,
                      const QString &secretFile, QNetworkAccessManager *network, QObject *parent = nullptr);

    // Why introspection can't work (the secret file is unreadable), or empty.
    QString configurationError() const { return m_configurationError; }

    // `done` gets the introspection response when the issuer answered (its "active" may be
    // false), or an error (unreachable, not JSON, refused our client); once, from the event
    // loop, and not at all if `context` is destroyed first.
    using Done = std::function<void(const QJsonObject &response, const QString &error)>;
    void introspect(const QByteArray &token, QObject *context, Done done);

private:
    void post(const QUrl &endpoint, const QByteArray &token, QObject *context, Done done);

    OidcIssuer *m_issuer;
    QUrl m_endpoint;
    QString m_clientId;
    QByteArray m_authorization; // "Basic ..." (holds the secret)
    QString m_configurationError;
    QNetworkAccessManager *m_network;
};

} // namespace drover::auth
