#include "credentialauthenticator.h"

namespace drover::auth {

void CredentialAuthenticator::authenticate(const Credentials &credentials, QObject *context,
                                           std::function<void(const AuthVerdict &)> done)
{
    AuthVerdict verdict = AuthVerdict::accept(Identity::anonymousUser());
    if (credentials.username && credentials.password) {
        verdict = AuthVerdict::refuse(AuthVerdict::Status::BadCredentials,
                                      QStringLiteral("user name and password given, but no API key store is "
                                                     "configured"));
    } else if (credentials.username || credentials.password) {
        verdict =
            AuthVerdict::refuse(AuthVerdict::Status::BadCredentials,
                                QStringLiteral("access token given, but no token issuer is configured"));
    }
    if (context && done)
        done(verdict);
}

} // namespace drover::auth
