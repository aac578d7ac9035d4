#include "jwtverifier.h"

#include "jwssignature.h"
#include "jwttoken.h"
#include "oidcissuer.h"
#include "tokenintrospector.h"

#include <QDateTime>
#include <QJsonArray>
#include <QLoggingCategory>
#include <QNetworkAccessManager>
#include <QPointer>

#include <algorithm>
#include <cmath>
#include <limits>

Q_LOGGING_CATEGORY(lcJwt, "drover.auth.tokens")

namespace drover::auth {

namespace {

AuthVerdict refuse(const QString &message)
{
    return AuthVerdict::refuse(AuthVerdict::Status::BadCredentials, message);
}

AuthVerdict unavailable(const QString &message)
{
    return AuthVerdict::refuse(AuthVerdict::Status::Unavailable, message);
}

// A claim as it may appear in a log or reason string: the token's author chose it, so it is
// shortened and stripped of control characters (it is never the token itself).
QString printable(const QString &text)
{
    QString out = text.left(100);
    for (QChar &c : out) {
        if (c.category() == QChar::Other_Control || c.category() == QChar::Other_Format)
            c = QLatin1Char('?');
    }
    return text.size() > 100 ? out + QStringLiteral("...") : out;
}

QString quoted(const QString &text)
{
    return QLatin1Char('"') + printable(text) + QLatin1Char('"');
}

QString utcTime(qint64 secondsSinceEpoch)
{
    return QDateTime::fromSecsSinceEpoch(secondsSinceEpoch, Qt::UTC).toString(Qt::ISODate);
}

// A NumericDate claim (RFC 7519 2) as whole seconds; nullopt when absent, and *malformed set
// when present but not a number.
std::optional<qint64> numericDate(const QJsonObject &claims, const char *name, bool *malformed)
{
    const QJsonValue value = claims.value(QLatin1String(name));
    if (value.isUndefined() || value.isNull())
        return std::nullopt;
    const double seconds = value.toDouble(std::nan(""));
    if (!value.isDouble() || !std::isfinite(seconds) || std::abs(seconds) > 1e15) {
        *malformed = true;
        return std::nullopt;
    }
    return qint64(std::floor(seconds));
}

QStringList audiencesOf(const QJsonValue &aud)
{
    if (aud.isString())
        return {aud.toString()};
    QStringList out;
    for (const QJsonValue &value : aud.toArray())
        out.append(value.toString());
    return out;
}

} // namespace

JwtVerifier::JwtVerifier(const QList<config::TokenIssuerConfig> &issuers, QObject *parent)
    : TokenVerifier(parent)
    , m_network(new QNetworkAccessManager(this))
{
    for (const config::TokenIssuerConfig &config : issuers) {
        Issuer issuer{config,
                      new OidcIssuer(config.url, config.keyRefetchIntervalSeconds * 1000, m_network, this)};
        m_issuers.push_back(issuer);
        if (config.introspection() && !m_introspector) {
            m_introspectingIssuer = m_issuers.size() - 1;
            m_introspector = new TokenIntrospector(issuer.keys, QUrl(config.introspectionEndpoint),
                                                   config.introspectionClientId,
                                                   config.introspectionSecretFile, m_network, this);
            m_configurationError = m_introspector->configurationError();
        }
    }
}

JwtVerifier::~JwtVerifier() = default;

void JwtVerifier::start()
{
    for (const Issuer &issuer : m_issuers) {
        qCInfo(lcJwt).noquote() << "accepting access tokens of issuer" << issuer.config.url << "for audience"
                                << issuer.config.audiences.join(QLatin1String(", "))
                                << (issuer.config.introspection() ? "(opaque tokens: introspection)" : "");
        issuer.keys->start();
    }
}

OidcIssuer *JwtVerifier::issuer(const QString &url) const
{
    for (const Issuer &issuer : m_issuers) {
        if (issuer.config.url == url)
            return issuer.keys;
    }
    return nullptr;
}

void JwtVerifier::verify(const QByteArray &token, QObject *context,
                         std::function<void(const AuthVerdict &)> done)
{
    QPointer<QObject> guard(context);
    const Finish finish = [guard, hasContext = context != nullptr,
                           done = std::move(done)](const AuthVerdict &v) {
        if ((hasContext && !guard) || !done)
            return;
        done(v);
    };
    // Limits before any parsing: nothing larger is decoded, base64 or JSON.
    if (token.size() > MaxTokenBytes)
        return finish(refuse(
            QStringLiteral("token too large (%1 bytes; at most %2)").arg(token.size()).arg(MaxTokenBytes)));
    if (token.isEmpty())
        return finish(refuse(QStringLiteral("empty token")));
    const qsizetype dots = token.count('.');
    if (dots != 2 && dots != 4) {
        if (m_introspector)
            return introspect(token, finish);
        return finish(refuse(
            QStringLiteral("not a JWT (and no token issuer is configured to introspect opaque tokens)")));
    }
    QString error;
    const std::optional<JwtToken> jwt = JwtToken::parse(token, &error);
    if (!jwt)
        return finish(refuse(error));

    const QString alg = jwt->algorithm();
    if (alg.compare(QLatin1String("none"), Qt::CaseInsensitive) == 0)
        return finish(refuse(QStringLiteral("unsigned token (alg none)")));
    if (alg.startsWith(QLatin1String("HS"), Qt::CaseInsensitive))
        return finish(
            refuse(QStringLiteral("HMAC-signed token (alg %1): only an issuer's public-key signatures are "
                                  "accepted")
                       .arg(printable(alg))));
    // RFC 7515 4.1.11: extensions we don't understand, marked critical, make the token invalid.
    if (jwt->header().contains(QLatin1String("crit")))
        return finish(
            refuse(QStringLiteral("the token's header has critical extensions (crit) this gateway does "
                                  "not understand")));

    const QJsonValue iss = jwt->claims().value(QLatin1String("iss"));
    if (!iss.isString())
        return finish(refuse(QStringLiteral("token names no issuer (iss)")));
    size_t index = 0;
    while (index < m_issuers.size() && m_issuers[index].config.url != iss.toString())
        ++index;
    if (index == m_issuers.size())
        return finish(refuse(QStringLiteral("token from an unknown issuer %1").arg(quoted(iss.toString()))));
    const config::TokenIssuerConfig &config = m_issuers[index].config;
    if (!config.allowedAlgorithms.contains(alg))
        return finish(
            refuse(QStringLiteral("signing algorithm %1 is not allowed for issuer %2 (allowed: %3)")
                       .arg(quoted(alg), config.url, config.allowedAlgorithms.join(QLatin1String(", ")))));
    checkSignature(*jwt, index, false, finish);
}

void JwtVerifier::checkSignature(const JwtToken &token, size_t issuerIndex, bool refetched,
                                 const Finish &finish)
{
    OidcIssuer *keys = m_issuers[issuerIndex].keys;
    keys->requestKeys(refetched, this, [this, token, issuerIndex, refetched, finish](const QString &error) {
        const Issuer &issuer = m_issuers[issuerIndex];
        if (!issuer.keys->hasKeys())
            return finish(unavailable(error));
        const QString alg = token.algorithm();
        const QString kid = token.keyId();
        std::optional<QJsonObject> key;
        if (token.hasKeyId()) {
            key = issuer.keys->keys().find(kid);
        } else {
            // No kid: only a key that can't be confused with another will do.
            QList<QJsonObject> candidates;
            QString ignored;
            for (const QJsonObject &candidate : issuer.keys->keys().keys()) {
                if (JwsSignature::keyMatchesAlgorithm(candidate, alg, &ignored))
                    candidates.append(candidate);
            }
            if (candidates.size() > 1)
                return finish(
                    refuse(QStringLiteral("token names no key (kid) and issuer %1 has %2 keys for %3")
                               .arg(issuer.config.url)
                               .arg(candidates.size())
                               .arg(alg)));
            if (candidates.size() == 1)
                key = candidates.front();
        }
        const QString keyName =
            token.hasKeyId() ? QStringLiteral("kid %1").arg(quoted(kid)) : QStringLiteral("no kid");
        if (!key) {
            if (!refetched) {
                // Perhaps the issuer rotated its keys since we fetched them: look once more.
                qCInfo(lcJwt).noquote()
                    << QStringLiteral("token of issuer %1 is signed with an unknown key (%2): "
                                      "fetching the issuer's keys again, unless fetched lately")
                           .arg(issuer.config.url, keyName);
                return checkSignature(token, issuerIndex, true, finish);
            }
            if (!error.isEmpty())
                return finish(
                    unavailable(QStringLiteral("unknown signing key (%1), and %2").arg(keyName, error)));
            return finish(refuse(
                QStringLiteral("unknown signing key (%1) for issuer %2").arg(keyName, issuer.config.url)));
        }
        QString reason;
        if (!JwsSignature::keyMatchesAlgorithm(*key, alg, &reason))
            return finish(
                refuse(QStringLiteral("signing key (%1) does not fit the token: %2").arg(keyName, reason)));
        if (!JwsSignature::verify(token, *key, alg))
            return finish(
                refuse(QStringLiteral("bad signature (%1 of issuer %2)").arg(keyName, issuer.config.url)));
        const AuthVerdict verdict = checkClaims(token.claims(), issuer.config, true);
        if (verdict.status == AuthVerdict::Status::Accepted)
            qCDebug(lcJwt).noquote() << QStringLiteral(
                                            "token of %1 from issuer %2 accepted (%3, %4, valid until %5)")
                                            .arg(verdict.identity.user, issuer.config.url, keyName, alg,
                                                 verdict.identity.expires.toString(Qt::ISODate));
        finish(verdict);
    });
}

void JwtVerifier::introspect(const QByteArray &token, const Finish &finish)
{
    m_introspector->introspect(
        token, this, [this, finish](const QJsonObject &response, const QString &error) {
            if (!error.isEmpty())
                return finish(unavailable(error));
            const config::TokenIssuerConfig &config = m_issuers[m_introspectingIssuer].config;
            if (response.value(QLatin1String("active")) != QJsonValue(true))
                return finish(refuse(
                    QStringLiteral("issuer %1 says the token is not active (expired, revoked or unknown)")
                        .arg(config.url)));
            const QJsonValue iss = response.value(QLatin1String("iss"));
            if (iss.isString() && iss.toString() != config.url)
                return finish(refuse(
                    QStringLiteral("introspection names another issuer, %1").arg(quoted(iss.toString()))));
            finish(checkClaims(response, config, false));
        });
}

AuthVerdict JwtVerifier::checkClaims(const QJsonObject &claims, const config::TokenIssuerConfig &issuer,
                                     bool jwt) const
{
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    const qint64 leeway = issuer.leewaySeconds;
    bool malformed = false;
    const std::optional<qint64> exp = numericDate(claims, "exp", &malformed);
    const std::optional<qint64> nbf = numericDate(claims, "nbf", &malformed);
    const std::optional<qint64> iat = numericDate(claims, "iat", &malformed);
    if (malformed)
        return refuse(QStringLiteral("malformed token: exp, nbf and iat must be numbers of seconds"));
    // A JWT must expire: otherwise a leaked token is valid forever. Introspection answers
    // may leave exp out (the issuer vouches for the token now).
    if (!exp && jwt)
        return refuse(QStringLiteral("token has no expiry (exp)"));
    if (exp && now > *exp + leeway)
        return refuse(QStringLiteral("token expired at %1").arg(utcTime(*exp)));
    if (nbf && *nbf > now + leeway)
        return refuse(QStringLiteral("token not valid before %1").arg(utcTime(*nbf)));
    if (iat && *iat > now + leeway)
        return refuse(QStringLiteral("token issued in the future (iat %1)").arg(utcTime(*iat)));

    const QStringList audiences = audiencesOf(claims.value(QLatin1String("aud")));
    bool forUs = std::any_of(audiences.cbegin(), audiences.cend(),
                             [&](const QString &aud) { return issuer.audiences.contains(aud); });
    if (!forUs && issuer.matchAzp) {
        // azp in a JWT; RFC 7662 calls the same client_id.
        const QJsonValue azp = claims.value(jwt ? QLatin1String("azp") : QLatin1String("client_id"));
        forUs = azp.isString() && issuer.audiences.contains(azp.toString());
    }
    if (!forUs) {
        QStringList shown;
        for (const QString &aud : audiences)
            shown.append(quoted(aud));
        return refuse(QStringLiteral("token not for this gateway (audience %1; expected %2)")
                          .arg(shown.isEmpty() ? QStringLiteral("none") : shown.join(QLatin1String(", ")),
                               issuer.audiences.join(QLatin1String(", "))));
    }

    QStringList claimNames;
    if (!issuer.usernameClaim.isEmpty())
        claimNames = {issuer.usernameClaim};
    else if (jwt)
        claimNames = {QStringLiteral("preferred_username"), QStringLiteral("sub")};
    else // RFC 7662 names the user "username"
        claimNames = {QStringLiteral("preferred_username"), QStringLiteral("username"),
                      QStringLiteral("sub")};
    QString user;
    for (const QString &name : std::as_const(claimNames)) {
        user = claims.value(name).toString();
        if (!user.isEmpty())
            break;
    }
    if (user.isEmpty())
        return refuse(
            QStringLiteral("token names no user (claim %1)").arg(claimNames.join(QLatin1String(" or "))));
    const bool control = std::any_of(user.cbegin(), user.cend(), [](QChar c) {
        return c.category() == QChar::Other_Control || c.category() == QChar::Other_Format;
    });
    if (user.size() > 256 || control)
        return refuse(QStringLiteral("token's user name is too long or has control characters"));

    Identity identity = Identity::named(user);
    if (exp)
        identity.expires = QDateTime::fromSecsSinceEpoch(*exp, Qt::UTC);
    return AuthVerdict::accept(identity);
}

} // namespace drover::auth
