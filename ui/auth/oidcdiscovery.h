// OpenID Connect discovery: fetches <issuer>/.well-known/openid-configuration and checks that
// the document is the issuer's own ("issuer" identical to the URL asked, OIDC Discovery 4.3)
// before anything is sent to its endpoints.
#pragma once

#include <QObject>
#include <QStringList>
#include <QUrl>
#include <functional>
#include <optional>

class QNetworkAccessManager;

namespace drover::ui {

class OidcDiscovery : public QObject
{
    Q_OBJECT
public:
    struct Metadata {
        QUrl issuer;
        QUrl authorizationEndpoint;
        QUrl tokenEndpoint;
        QUrl jwksUri;
        QUrl userinfoEndpoint;            // optional
        QUrl revocationEndpoint;          // optional (RFC 7009)
        QUrl endSessionEndpoint;          // optional (RP-initiated logout)
        QStringList codeChallengeMethods; // empty: not advertised
        QStringList scopesSupported;
        QStringList grantTypesSupported;
    };
    // Exactly one of metadata and error is set.
    using Done = std::function<void(const std::optional<Metadata> &metadata, const QString &error)>;

    // nam: shared with the token requests; not owned.
    explicit OidcDiscovery(QNetworkAccessManager *nam, QObject *parent = nullptr);

    // Calls done once, from the event loop. Requests in flight end with this object.
    void discover(const QUrl &issuer, Done done);
    void setTimeout(int milliseconds) { m_timeoutMs = milliseconds; }

    static QUrl configurationUrl(const QUrl &issuer);
    // The checks of discover() on a document that was fetched from configurationUrl(issuer).
    static std::optional<Metadata> parse(const QByteArray &json, const QUrl &issuer, QString *error);

private:
    QNetworkAccessManager *m_nam;
    int m_timeoutMs = 15000;
};

} // namespace drover::ui
