#include "oidcdiscovery.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QPointer>

namespace drover::ui {

namespace {

QString withoutTrailingSlash(QString url)
{
    while (url.endsWith(QLatin1Char('/')))
        url.chop(1);
    return url;
}

bool isLoopback(const QUrl &url)
{
    const QString host = url.host();
    return host == QLatin1String("127.0.0.1") || host == QLatin1String("localhost") ||
           host == QLatin1String("::1");
}

QStringList stringList(const QJsonValue &value)
{
    QStringList out;
    const QJsonArray array = value.toArray();
    for (const QJsonValue &v : array)
        out << v.toString();
    return out;
}

} // namespace

OidcDiscovery::OidcDiscovery(QNetworkAccessManager *nam, QObject *parent)
    : QObject(parent)
    , m_nam(nam)
{}

QUrl OidcDiscovery::configurationUrl(const QUrl &issuer)
{
    QUrl url = issuer;
    url.setPath(withoutTrailingSlash(issuer.path()) + QStringLiteral("/.well-known/openid-configuration"));
    return url;
}

void OidcDiscovery::discover(const QUrl &issuer, Done done)
{
    const QUrl url = configurationUrl(issuer);
    QNetworkRequest request(url);
    request.setRawHeader("Accept", "application/json");
    request.setTransferTimeout(m_timeoutMs);
    QNetworkReply *reply = m_nam->get(request);
    // Parented to this object: a discovery that is no longer wanted ends with it.
    reply->setParent(this);
    connect(reply, &QNetworkReply::finished, this, [reply, issuer, url, done = std::move(done)]() {
        reply->deleteLater();
        const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        if (reply->error() != QNetworkReply::NoError && status == 0) {
            done(std::nullopt, QStringLiteral("Could not reach the issuer at %1: %2.")
                                   .arg(issuer.toString(), reply->errorString()));
            return;
        }
        if (status != 200) {
            done(std::nullopt, QStringLiteral("The issuer answered HTTP %1 for %2: is the issuer URL right?")
                                   .arg(status)
                                   .arg(url.toString()));
            return;
        }
        QString error;
        std::optional<Metadata> metadata = parse(reply->readAll(), issuer, &error);
        done(metadata, metadata ? QString() : error);
    });
}

std::optional<OidcDiscovery::Metadata> OidcDiscovery::parse(const QByteArray &json, const QUrl &issuer,
                                                            QString *error)
{
    const QUrl url = configurationUrl(issuer);
    auto fail = [error](const QString &message) {
        if (error)
            *error = message;
        return std::nullopt;
    };
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (!document.isObject())
        return fail(QStringLiteral("The discovery document at %1 is not a JSON object.").arg(url.toString()));
    const QJsonObject object = document.object();

    // OIDC Discovery 4.3: identical, so that a document can't send us to another issuer. A
    // trailing slash is the only difference forgiven.
    const QString claimed = object.value(QLatin1String("issuer")).toString();
    if (withoutTrailingSlash(claimed) != withoutTrailingSlash(issuer.toString(QUrl::FullyEncoded)))
        return fail(
            QStringLiteral("The discovery document at %1 is for the issuer \"%2\", not \"%3\": check the "
                           "issuer URL (a mismatch can also mean that another server is answering).")
                .arg(url.toString(), claimed, issuer.toString()));

    Metadata m;
    m.issuer = QUrl(claimed);
    m.authorizationEndpoint = QUrl(object.value(QLatin1String("authorization_endpoint")).toString());
    m.tokenEndpoint = QUrl(object.value(QLatin1String("token_endpoint")).toString());
    m.jwksUri = QUrl(object.value(QLatin1String("jwks_uri")).toString());
    m.userinfoEndpoint = QUrl(object.value(QLatin1String("userinfo_endpoint")).toString());
    m.revocationEndpoint = QUrl(object.value(QLatin1String("revocation_endpoint")).toString());
    m.endSessionEndpoint = QUrl(object.value(QLatin1String("end_session_endpoint")).toString());
    m.codeChallengeMethods = stringList(object.value(QLatin1String("code_challenge_methods_supported")));
    m.scopesSupported = stringList(object.value(QLatin1String("scopes_supported")));
    m.grantTypesSupported = stringList(object.value(QLatin1String("grant_types_supported")));

    const struct {
        const QUrl &endpoint;
        const char *name;
        bool required;
    } endpoints[] = {
        {m.authorizationEndpoint, "authorization_endpoint", true},
        {m.tokenEndpoint, "token_endpoint", true},
        {m.jwksUri, "jwks_uri", false},
        {m.userinfoEndpoint, "userinfo_endpoint", false},
        {m.revocationEndpoint, "revocation_endpoint", false},
        {m.endSessionEndpoint, "end_session_endpoint", false},
    };
    for (const auto &e : endpoints) {
        const QString name = QLatin1String(e.name);
        if (e.endpoint.isEmpty()) {
            if (e.required)
                return fail(QStringLiteral("The issuer's discovery document has no %1.").arg(name));
            continue;
        }
        // Tokens go to these endpoints: clear text only on this machine.
        const bool secure = e.endpoint.scheme() == QLatin1String("https") ||
                            (e.endpoint.scheme() == QLatin1String("http") && isLoopback(e.endpoint));
        if (!e.endpoint.isValid() || e.endpoint.host().isEmpty() || !secure)
            return fail(QStringLiteral("The issuer's %1 \"%2\" is not an https:// URL.")
                            .arg(name, e.endpoint.toString()));
    }
    if (!m.codeChallengeMethods.isEmpty() && !m.codeChallengeMethods.contains(QLatin1String("S256")))
        return fail(
            QStringLiteral("The issuer does not support PKCE with S256 (it offers %1), which the console "
                           "requires.")
                .arg(m.codeChallengeMethods.join(QStringLiteral(", "))));
    return m;
}

} // namespace drover::ui
