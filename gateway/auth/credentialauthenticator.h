// The authenticator droverd uses: no credentials means anonymous (what anonymous may do
// is up to the AccessPolicy); credentials must be verified, and with no verifier
// configured they are refused — never downgraded to anonymous.
#pragma once

#include "authenticator.h"

namespace drover::auth {

class CredentialAuthenticator : public Authenticator
{
    Q_OBJECT
public:
    using Authenticator::Authenticator;

    void authenticate(const Credentials &credentials, QObject *context,
                      std::function<void(const AuthVerdict &)> done) override;
};

} // namespace drover::auth
