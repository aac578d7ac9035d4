#include "accesspolicy.h"

namespace drover::auth {

AccessPolicy::Decision AccessPolicy::check(const Identity &identity, const QString &application,
                                           Permission permission) const
{
    const auto it = m_applications.constFind(application);
    if (it == m_applications.cend())
        return Decision::UnknownApplication;
    if (identity.anonymous) {
        const bool allowed = permission == Permission::Read ? it->anonymousRead : it->anonymousCommand;
        return allowed ? Decision::Allowed : Decision::Denied;
    }
    // Named users arrive with the token and API key verifiers; until members and roles
    // are configurable they may do what anonymous clients may, and no more.
    const bool allowed = permission == Permission::Read ? it->anonymousRead : it->anonymousCommand;
    return allowed ? Decision::Allowed : Decision::Denied;
}

} // namespace drover::auth
