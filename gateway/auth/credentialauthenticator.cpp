#include "credentialauthenticator.h"

#include "accesspolicy.h"
#include "apikeyverifier.h"
#include "tokenverifier.h"

#include <QRegularExpression>

namespace drover::auth {

bool CredentialAuthenticator::looksLikeJwt(const QByteArray &text)
{
    static const QRegularExpression jwt(QStringLiteral("^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*$"));
    return text.size() >= 20 && jwt.match(QString::fromLatin1(text)).hasMatch();
}

QByteArrayList CredentialAuthenticator::authenticationMethods() const
{
    if (!m_tokens)
        return {};
    return {QByteArray(OAuth2JwtMethod)};
}

void CredentialAuthenticator::authenticate(const Credentials &credentials, QObject *context,
                                           std::function<void(const AuthVerdict &)> done)
{
    if (m_policy && done) {
        // Checked when the verdict arrives, against the rules of that moment (a reload may
        // have come in between).
        done = [policy = m_policy, inner = std::move(done)](const AuthVerdict &verdict) {
            if (verdict.status == AuthVerdict::Status::Accepted && !verdict.identity.anonymous &&
                !policy->hasAnyAccess(verdict.identity))
                return inner(
                    AuthVerdict::refuse(AuthVerdict::Status::NotAuthorized,
                                        QStringLiteral("user %1 may read or command no application here")
                                            .arg(verdict.identity.user)));
            inner(verdict);
        };
    }
    const auto refuse = [&](const QString &message) {
        if (context && done)
            done(AuthVerdict::refuse(AuthVerdict::Status::BadCredentials, message));
    };
    const bool hasUser = credentials.username.has_value();
    const bool hasPassword = credentials.password.has_value();
    if (!credentials.authenticationMethod.isEmpty()) {
        // The session layer passes only methods of authenticationMethods().
        if (credentials.authenticationMethod != OAuth2JwtMethod || !m_tokens)
            return refuse(QStringLiteral("authentication method not supported"));
        if (hasUser || hasPassword)
            return refuse(QStringLiteral("with authentication method oauth2-jwt the access token goes in the "
                                         "Authentication Data only, not in user name or password"));
        if (credentials.authenticationData.isEmpty())
            return refuse(QStringLiteral("authentication method oauth2-jwt needs the access token as "
                                         "Authentication Data"));
        return m_tokens->verify(credentials.authenticationData, context, std::move(done));
    }
    if (!hasUser && !hasPassword) {
        if (context && done)
            done(AuthVerdict::accept(Identity::anonymousUser()));
        return;
    }
    if (hasUser && hasPassword) {
        if (*credentials.username == *credentials.password && looksLikeJwt(*credentials.username))
            return refuse(
                QStringLiteral("an access token goes in the user name or in the password, not in both"));
        if (!m_keys)
            return refuse(QStringLiteral("user name and password given, but no API keys are configured"));
        return m_keys->verify(QString::fromUtf8(*credentials.username), *credentials.password, context,
                              std::move(done));
    }
    const QByteArray &token = hasUser ? *credentials.username : *credentials.password;
    if (!hasUser && !looksLikeJwt(token))
        return refuse(
            QStringLiteral("a password without a user name is taken as an access token, and this is "
                           "none: an API key needs its user name too"));
    if (!m_tokens)
        return refuse(QStringLiteral("access token given, but no token issuer is configured"));
    m_tokens->verify(token, context, std::move(done));
}

void CredentialAuthenticator::setApiKeyVerifier(ApiKeyVerifier *verifier)
{
    if (m_keys)
        disconnect(m_keys, nullptr, this, nullptr);
    m_keys = verifier;
    if (m_keys)
        connect(m_keys, &ApiKeyVerifier::revoked, this, [this](const QStringList &credentials) {
            Q_EMIT credentialsRevoked(credentials, QStringLiteral("was revoked"));
        });
}

} // namespace drover::auth
