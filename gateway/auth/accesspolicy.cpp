#include "accesspolicy.h"

namespace drover::auth {

bool AccessPolicy::allows(const ApplicationRules &rules, const Identity &identity, Permission permission)
{
    const bool read = permission == Permission::Read;
    if (read ? rules.anonymousRead : rules.anonymousCommand)
        return true; // whoever may come anonymously may come with credentials too
    if (identity.anonymous)
        return false;
    const Roles roles = rules.members.value(identity.user);
    return roles.testFlag(Role::Admin) || roles.testFlag(read ? Role::Reader : Role::Publisher);
}

AccessPolicy::Decision AccessPolicy::check(const Identity &identity, const QString &application,
                                           Permission permission) const
{
    const auto it = m_applications.constFind(application);
    if (it == m_applications.cend())
        return Decision::UnknownApplication;
    return allows(*it, identity, permission) ? Decision::Allowed : Decision::Denied;
}

bool AccessPolicy::hasAnyAccess(const Identity &identity) const
{
    for (const ApplicationRules &rules : m_applications) {
        if (allows(rules, identity, Permission::Read) || allows(rules, identity, Permission::Command))
            return true;
    }
    return false;
}

} // namespace drover::auth
